"""The planner's day in a real browser on a 390×844 phone: offline, killed, restarted, synced, confirmed.

Debian's chromium drives `python -m app` (the Flet web app); a real server subprocess plays the bureau.
Every tap and text input is counted; each screen is saved under test-artifacts/screenshots/ in zh and en.
"""

from __future__ import annotations

import io
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from playwright.sync_api import sync_playwright

from app.store import LocalStore
from app.ui.state import store_path
from shared import records as rec
from shared import rules
from tests.browser.conftest import AppProcess, known_site
from tests.browser.phone import CHONGQING, Phone, launch
from tests.conftest import DEFAULT_PASSWORD, LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: A visit must last long enough for its hours (rounded to hundredths) to be more than zero.
VISIT_SECONDS = 40


def _camera_photo(path: Path) -> Path:
    """A 12 MP JPEG as a phone camera writes it: sideways (EXIF orientation 6) and with a GPS position."""
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x8825] = {1: "N", 2: (29.0, 33.0, 47.0), 3: "E", 4: (106.0, 33.0, 6.0)}
    img = Image.new("RGB", (4000, 3000), (196, 98, 45))
    img.paste((30, 90, 160), (0, 0, 2000, 3000))
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=85, exif=exif)
    path.write_bytes(buf.getvalue())
    return path


def _summary(server: LiveServer) -> dict[str, object]:
    with server.login("staff1") as staff:
        year = datetime.now(ZoneInfo(rules.DEFAULT_TZ)).year
        resp = staff.get("/api/summary/planners", params={"year": year})
        resp.raise_for_status()
        planners = resp.json()["planners"]
    [row] = [p for p in planners if p["username"] == "planner1"]
    return dict(row)


def _phone_store(data_dir: Path, server: LiveServer) -> LocalStore:
    path = store_path(data_dir.resolve(), server.url, "planner1")
    return LocalStore(path, photo_dir=path.parent / "photos")


def test_offline_visit_opinion_feedback_survive_a_kill_then_sync_and_confirmation(
    tmp_path: Path, app_factory: type[AppProcess], shots_dir: Path
) -> None:
    server = LiveServer(tmp_path)
    server.upgrade()
    server.start()
    district = server.add_district("示范区")
    server.add_user("planner1", "planner", districts=["示范区"], display_name="张规划")
    server.add_user("staff1", "district", districts=["示范区"], display_name="李审核")
    # The planner works at one of the district's known sites: check-in is one tap, named for it.
    known_site(server, "staff1", district, "解放碑步行街", CHONGQING["latitude"], CHONGQING["longitude"])
    photo = _camera_photo(tmp_path / "IMG_0001.jpg")
    data_dir = tmp_path / "phone-data"
    env = {"FIELDLOG_SYNC_INTERVAL": "4", "FIELDLOG_GPS_TIMEOUT": "10"}
    app = app_factory(data_dir, server.url, env=env)
    app.start()

    with sync_playwright() as p:
        browser = launch(p)
        try:
            # Once online: the sign-in is remembered on the phone.
            first = Phone(browser, app.url, shots_dir)
            first.type_into("用户名", "planner1")
            first.type_into("密码", DEFAULT_PASSWORD)
            first.tap("登录")
            first.see("年实地指导")
            first.close()

            # (1) The server is down from here on.
            server.stop()
            phone = Phone(browser, app.url, shots_dir)
            phone.see("本机记住的账号：planner1")
            phone.shot("zh-01-signin")
            phone.type_into("密码", DEFAULT_PASSWORD)
            phone.tap("登录")
            phone.see("服务器暂时连不上")
            phone.see("0 / 10 已确认")
            phone.shot("zh-02-home-offline")

            before = phone.taps
            phone.tap("签到 · 开始实地指导")
            phone.see("签到时间")
            check_in_taps = phone.taps - before
            checked_in = time.monotonic()
            phone.see("定位 29.56300, 106.55160")
            phone.type_into("记录", "现场查看老街改造方案，建议保留骑楼。")
            phone.choose_photo("添加照片", photo)
            phone.see("照片 1 张")
            phone.shot("zh-03-visit")
            time.sleep(max(0.0, VISIT_SECONDS - (time.monotonic() - checked_in)))
            phone.tap("签退")
            phone.see("工作时长")
            visit_taps = phone.taps - before
            phone.shot("zh-04-visit-checked-out")

            phone.tap("为此次指导写书面意见")
            phone.type_into("事项", "老街改造方案")
            phone.type_into("意见正文", "同意方案，建议保留骑楼立面。")
            phone.type_into("不同意见", "专家甲认为应整体保留。")
            phone.shot("zh-05-opinion")
            phone.tap("保存")
            phone.see("我的记录")

            phone.tap("首页", role="tab")
            phone.tap("居民意见")
            phone.type_into("地点", "和平路社区")
            phone.type_into("意见内容", "路口缺少人行横道。")
            phone.shot("zh-06-feedback")
            phone.tap("保存")
            phone.see("居民意见 · 和平路社区")
            phone.see("书面意见 · 老街改造方案")
            phone.shot("zh-07-records-on-phone")
            phone.tap("同步", role="tab")
            phone.see("连不上服务器", timeout=60_000)
            phone.shot("zh-08-sync-offline")
            phone.close()

            # (2) The app process dies and comes back: everything is still there.
            app.kill()
            app.start()
            phone = Phone(browser, app.url, shots_dir)
            phone.type_into("密码", DEFAULT_PASSWORD)
            phone.tap("登录")
            phone.see("服务器暂时连不上")
            phone.see("待上传：3 项")  # the three records survived the kill
            phone.tap("记录", role="tab")
            phone.see("居民意见 · 和平路社区")
            phone.see("书面意见 · 老街改造方案")
            phone.see("实地指导 · 解放碑步行街")
            phone.see("已保存在本机")

            # (3) The server is back: the app syncs by itself.
            server.start()
            phone.see("已同步", timeout=90_000)
            phone.tap("同步", role="tab")
            phone.see("等待上传：0 项", timeout=90_000)
            phone.see("没有错误", timeout=90_000)
            phone.shot("zh-09-sync-done")

            store = _phone_store(data_dir, server)
            try:
                [visit] = store.records(rec.VISIT)
                [opinion] = store.records(rec.OPINION)
                [feedback] = store.records(rec.FEEDBACK)
                visit_data = dict(visit.data)
                assert visit_data["notes"] == "现场查看老街改造方案，建议保留骑楼。"
                assert len(visit_data["photos"]) == 1
                assert (
                    opinion.data["visit_id"] == visit.id
                    and opinion.data["dissent"] == "专家甲认为应整体保留。"
                )
                assert feedback.data["contact"] is None
            finally:
                store.close()
            hours = rules.visit_hours(visit_data["started_at"], visit_data["ended_at"])
            assert hours > 0
            summary = _summary(server)
            assert (summary["visits_pending"], summary["visits_confirmed"]) == (1, 0)
            assert (summary["opinions"], summary["feedback"]) == (1, 1)

            # District staff confirm the visit; the phone shows it, on request.
            with server.login("staff1") as staff:
                # A 40-second visit is flagged as too short: staff confirm it with a reason code.
                staff.post(
                    f"/api/visits/{visit.id}/confirm", json={"reason_code": "verified_by_phone"}
                ).raise_for_status()
            summary = _summary(server)
            assert (summary["visits_confirmed"], summary["hours_confirmed"]) == (1, hours)
            phone.tap("立即同步")
            phone.tap("记录", role="tab")
            phone.see("已确认", timeout=60_000)
            phone.shot("zh-10-records-confirmed")
            phone.tap("首页", role="tab")
            phone.see("1 / 10 已确认")
            phone.shot("zh-11-home-confirmed")

            # The same screens in English.
            phone.tap("English")
            phone.see("1 / 10 confirmed")
            phone.shot("en-01-home")
            phone.tap("Records", role="tab")
            phone.see("Confirmed")
            phone.shot("en-02-records")
            phone.tap("Sync", role="tab")
            phone.see("Sync now")
            phone.shot("en-03-sync")
            phone.tap("Home", role="tab")
            phone.tap("Written opinion")
            phone.see("Dissent (kept on record)")
            phone.shot("en-04-opinion")
            phone.tap("Back")
            phone.tap("Resident feedback")
            phone.see("The resident agrees to leave a contact")
            phone.shot("en-05-feedback")
            phone.tap("Back")
            phone.tap("Check in · start a visit")
            phone.see("Checked in")
            phone.shot("en-06-visit")
            phone.tap("Check out")
            phone.see("Working hours")
            phone.tap("Sync", role="tab")
            phone.see("Waiting to upload: 0", timeout=60_000)  # synced by itself; the screen has settled
            # The next person on this phone meets the phone's language, not this planner's English.
            phone.tap("Sign out", then="本机记住的账号：planner1")
            phone.shot("zh-12-signin-after-english-user")
            phone.close()
        finally:
            browser.close()
            server.stop()

    print(f"taps: check-in from home {check_in_taps}, whole visit with a note and a photo {visit_taps}")
    print("log:", phone.log)
    assert check_in_taps <= 2
    assert visit_taps <= 8
