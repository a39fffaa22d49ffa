"""District staff and coordinators in a real browser on a 390×844 phone (Debian chromium, Flet web app).

A real server subprocess holds the data; map tiles come from a tile server on 127.0.0.1 named in the
server's configuration (the browser reaches nothing else). Every screen is saved under
test-artifacts/screenshots/ in zh and en.
"""

from __future__ import annotations

import hashlib
import io
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from PIL import Image, ImageDraw
from playwright.sync_api import sync_playwright

from app.ui.coordinator.dashboard import quarter_of
from shared import records as rec
from shared import rules
from tests.browser.conftest import AppProcess, known_site
from tests.browser.phone import CHONGQING, Phone, launch
from tests.browser.tiles import TileServer
from tests.conftest import DEFAULT_PASSWORD, LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TZ = ZoneInfo(rules.DEFAULT_TZ)


def _server(tmp_path: Path, tiles: TileServer) -> LiveServer:
    server = LiveServer(
        tmp_path, env={"FIELDLOG_MAP_TILE_URL": tiles.url_template, "FIELDLOG_MAP_CRS": "wgs84"}
    )
    server.upgrade()
    server.start()
    server.add_district("示范区")
    return server


def _sign_in(phone: Phone, username: str) -> None:
    phone.type_into("用户名", username)
    phone.type_into("密码", DEFAULT_PASSWORD)
    phone.tap("登录", exact=True)


def _push(server: LiveServer, username: str, kind: str, data: dict[str, Any]) -> str:
    record_id = str(uuid.uuid4())
    with server.login(username) as client:
        body = {
            "device_id": f"seed-{username}",
            "ops": [
                {"op_id": str(uuid.uuid4()), "kind": kind, "id": record_id, "base_version": 0, "data": data}
            ],
        }
        resp = client.post("/api/sync/push", json=body)
        resp.raise_for_status()
        assert resp.json()["results"][0]["status"] in ("applied", "duplicate"), resp.text
    return record_id


def _scroll(phone: Phone, dy: int) -> None:
    """Scroll the screen like a thumb (the mouse over the content, not over the app bar)."""
    phone.page.mouse.move(195, 500)
    phone.page.mouse.wheel(0, dy)
    time.sleep(0.4)


def _site_photo() -> bytes:
    """A small JPEG as the phone prepares it: a street scene in flat colours."""
    img = Image.new("RGB", (640, 480), (135, 180, 220))
    draw = ImageDraw.Draw(img)
    draw.rectangle([(0, 300), (640, 480)], fill=(120, 120, 120))
    draw.rectangle([(60, 120), (260, 300)], fill=(190, 90, 60))
    draw.rectangle([(360, 80), (600, 300)], fill=(230, 200, 150))
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=85)
    return buf.getvalue()


def _district_id(server: LiveServer) -> int:
    with server.login("staff1") as client:
        [d] = client.get("/api/districts").json()
    return int(d["id"])


def test_staff_confirm_a_flagged_visit_with_a_reason_code_and_the_planner_sees_confirmed(
    tmp_path: Path, app_factory: type[AppProcess], shots_dir: Path
) -> None:
    with TileServer() as tiles:
        server = _server(tmp_path, tiles)
        server.add_user("planner1", "planner", districts=["示范区"], display_name="张规划")
        server.add_user("staff1", "district", districts=["示范区"], display_name="李审核")
        lat, lon = CHONGQING["latitude"], CHONGQING["longitude"]
        known_site(server, "staff1", _district_id(server), "解放碑步行街", lat, lon)
        app = app_factory(tmp_path / "phone-data", server.url, env={"FIELDLOG_SYNC_INTERVAL": "600"})
        app.start()
        try:
            with sync_playwright() as p:
                browser = launch(p)
                try:
                    _staff_flow(browser, app, server, tiles, shots_dir)
                finally:
                    browser.close()
        finally:
            server.stop()


def _staff_flow(browser: Any, app: AppProcess, server: LiveServer, tiles: TileServer, shots: Path) -> None:
    # The planner checks in and straight out, with no photo: a visit the server flags (too short, no photo).
    planner = Phone(browser, app.url, shots)
    _sign_in(planner, "planner1")
    planner.tap("签到 · 开始实地指导")
    planner.see("签到时间")
    planner.tap("签退")
    planner.see("工作时长")
    planner.tap("同步", role="tab")
    planner.tap("立即同步")
    planner.see("等待上传：0 项", timeout=60_000)

    staff = Phone(browser, app.url, shots)
    _sign_in(staff, "staff1")
    staff.see("待确认的实地指导")
    staff.see("时长过短")
    staff.see("无现场照片")
    staff.shot("zh-staff-01-queue")

    before = staff.taps
    staff.tap("开始逐条确认")
    staff.see("异常确认理由（必选）")
    staff.see("第 1 条，共 1 条")
    time.sleep(1.5)  # let the map draw its tiles before the picture
    staff.shot("zh-staff-02-visit")
    assert tiles.requests, "the map asked the configured tile server for nothing"

    staff.tap("确认", exact=True)
    staff.see("这条记录有异常，请先选择确认理由。")
    staff.shot("zh-staff-03-reason-needed")
    staff.tap("已电话核实")
    staff.tap("确认", exact=True)
    staff.see("已确认：")
    decision_taps = staff.taps - before
    # The decision stays in sight with its undo until the reviewer moves on.
    staff.see("10 分钟内可以撤销。")
    staff.tap("下一条")
    staff.see("全部处理完了。")
    staff.shot("zh-staff-04-queue-cleared")

    # The planner's phone shows it confirmed after the next sync.
    planner.tap("立即同步")
    planner.see("等待上传：0 项", timeout=60_000)
    planner.tap("记录", role="tab")
    planner.see("已确认", timeout=60_000)
    planner.shot("zh-planner-01-records-confirmed")

    # A consultation activity: create, invite, and later record attendance.
    staff.tap("活动", role="tab")
    staff.see("咨询活动")
    staff.shot("zh-staff-05-activities")
    staff.tap("新建活动")
    staff.type_into("主题", "老旧小区改造方案咨询")
    staff.type_into("地点", "区规划局三楼会议室")
    staff.tap("张规划", role="checkbox")
    staff.shot("zh-staff-06-new-activity")
    staff.tap("创建并发送邀请")
    staff.see("活动已创建，已邀请 1 位规划师。")
    staff.see("未回复")

    # The planner answers the invitation on Home, offline-first, and it syncs.
    planner.tap("首页", role="tab")
    planner.tap("同步", role="tab")
    planner.tap("立即同步")
    planner.see("等待上传：0 项", timeout=60_000)
    planner.tap("首页", role="tab")
    planner.see("老旧小区改造方案咨询")
    planner.shot("zh-planner-02-invitation")
    planner.tap("接受", exact=True)
    planner.see("已接受（待上传）")
    planner.tap("同步", role="tab")
    planner.tap("立即同步")
    planner.see("等待上传：0 项", timeout=60_000)

    staff.tap("活动", role="tab")
    staff.tap("老旧小区改造方案咨询")
    staff.see("已接受邀请", timeout=30_000)
    staff.tap("出席", exact=True)
    staff.see("出席情况已记录。")
    staff.shot("zh-staff-07-attendance")

    # Opinion follow-up: adoption and a quality rating.
    district = _district_id(server)
    _push(
        server,
        "planner1",
        rec.OPINION,
        {
            "district_id": district,
            "subject": "滨江步道设计方案",
            "opinion_kind": "design_review",
            "body": "建议步道宽度不小于 3 米，保留现有大树。",
            "issued_at": datetime.now(TZ).isoformat(),
        },
    )
    staff.tap("意见回访", role="tab")
    staff.see("待回访")
    staff.shot("zh-staff-08-opinions")
    staff.tap("滨江步道设计方案")
    staff.tap("部分采纳")
    staff.tap("4", exact=True)
    staff.shot("zh-staff-09-follow-up")
    staff.tap("保存", exact=True)
    staff.see("回访已保存。")

    # Another visit arrives (from the planner's other phone) with a photo; it is sent back in English.
    photo = _site_photo()
    photo_sha = hashlib.sha256(photo).hexdigest()
    _push(
        server,
        "planner1",
        rec.VISIT,
        {
            "district_id": district,
            "site": "解放碑步行街",
            "purpose": "实地指导",
            "started_at": (datetime.now(TZ) - timedelta(hours=3)).isoformat(),
            "ended_at": (datetime.now(TZ) - timedelta(hours=1)).isoformat(),
            "lat": 29.5575,
            "lon": 106.5770,
            "accuracy_m": 8.0,
            "notes": "查看步行街外摆区设置。",
            "photos": [photo_sha],
        },
    )
    with server.login("planner1") as client:
        client.put(
            f"/api/attachments/{photo_sha}", content=photo, headers={"Content-Type": "image/jpeg"}
        ).raise_for_status()

    # The same screens in English.
    staff.tap("English")
    staff.see("Opinion follow-up")
    staff.shot("en-staff-08-opinions")
    staff.tap("滨江步道设计方案")
    staff.see("Did the design unit adopt it?")
    staff.shot("en-staff-09-follow-up")
    staff.tap("Back")
    staff.tap("Activities", role="tab")
    staff.see("Consultation activities")
    staff.shot("en-staff-05-activities")
    staff.tap("老旧小区改造方案咨询")
    staff.see("Accepted")
    staff.shot("en-staff-07-attendance")
    staff.tap("To confirm", role="tab")
    staff.see("Visits to confirm")
    staff.see("解放碑步行街")
    staff.shot("en-staff-01-queue")
    staff.tap("Start confirming")
    staff.see("No exceptions")  # a photo, a position, two hours: nothing to explain
    staff.see("Photos: 1")
    time.sleep(1.5)
    staff.shot("en-staff-02-visit")
    _scroll(staff, 900)
    staff.shot("en-staff-02-visit-photo")
    staff.tap("Reject…")
    staff.type_into("Reason for rejecting", "No photo of the site; please add one.")
    staff.shot("en-staff-03-reject")
    staff.tap("Send back")
    staff.see("Rejected: 解放碑步行街.")
    staff.shot("en-staff-04-queue")
    planner.tap("English")
    planner.tap("Home", role="tab")
    planner.see("Invitations")
    planner.shot("en-planner-02-invitation")

    print(f"taps to decide one flagged visit from the queue: {decision_taps}")
    # Open the queue, (try to confirm, be told to choose,) choose the reason, confirm.
    assert decision_taps <= 4


# --- coordinator ---------------------------------------------------------------------------------------

PLANNERS = 10


def _seed_year(server: LiveServer, district: int) -> None:
    """Ten planners; planner k has k-1 visits this quarter, all confirmed by staff (with a reason code)."""
    now = datetime.now(TZ)
    q = quarter_of(now)
    q_start = datetime(now.year, 3 * (q - 1) + 1, 1, tzinfo=TZ)
    total = PLANNERS * (PLANNERS - 1) // 2
    span = (now - q_start) - timedelta(hours=3)
    length = min(timedelta(hours=2), span / (total + 2))
    n = 0
    with server.login("staff1") as staff:
        for k in range(1, PLANNERS + 1):
            ops = []
            for _ in range(k - 1):
                n += 1
                start = q_start + span * n / (total + 1)
                data = {
                    "district_id": district,
                    "site": f"第{k}社区",
                    "purpose": "实地指导",
                    "started_at": start.isoformat(),
                    "ended_at": (start + length).isoformat(),
                    "lat": 29.5630 + k / 500,
                    "lon": 106.5516 + n / 2000,
                    "accuracy_m": 15.0,
                }
                ops.append(
                    {
                        "op_id": str(uuid.uuid4()),
                        "kind": rec.VISIT,
                        "id": str(uuid.uuid4()),
                        "base_version": 0,
                        "data": data,
                    }
                )
            if not ops:
                continue
            with server.login(f"planner{k:02d}") as planner:
                resp = planner.post("/api/sync/push", json={"device_id": f"seed-{k}", "ops": ops})
                resp.raise_for_status()
            for o in ops:
                resp = staff.post(f"/api/visits/{o['id']}/confirm", json={"reason_code": "verified_by_phone"})
                resp.raise_for_status()


def test_coordinator_dashboard_grades_refused_fourth_excellent_and_quarterly_xlsx(
    tmp_path: Path, app_factory: type[AppProcess], shots_dir: Path
) -> None:
    with TileServer() as tiles:
        server = _server(tmp_path, tiles)
        for k in range(1, PLANNERS + 1):
            server.add_user(f"planner{k:02d}", "planner", districts=["示范区"], display_name=f"规划师{k:02d}")
        server.add_user("staff1", "district", districts=["示范区"], display_name="李审核")
        server.add_user("coord1", "coordinator", display_name="王协调")
        district = _district_id(server)
        _seed_year(server, district)
        app = app_factory(tmp_path / "phone-data", server.url, env={"FIELDLOG_SYNC_INTERVAL": "600"})
        app.start()
        try:
            with sync_playwright() as p:
                browser = launch(p)
                try:
                    _coordinator_flow(browser, app, server, tiles, shots_dir, tmp_path)
                finally:
                    browser.close()
        finally:
            server.stop()


def _coordinator_flow(
    browser: Any, app: AppProcess, server: LiveServer, tiles: TileServer, shots: Path, tmp_path: Path
) -> None:
    year = datetime.now(TZ).year
    with server.login("coord1") as client:
        dashboard = client.get("/api/dashboard", params={"year": year}).json()
    by_name = {p["display_name"]: p for p in dashboard["planners"]}

    coord = Phone(browser, app.url, shots)
    _sign_in(coord, "coord1")
    coord.see(f"{year} 年")
    coord.see("全部合计")
    total_visits = sum(p["visits_confirmed"] for p in dashboard["planners"])
    coord.see(f"{PLANNERS} 位规划师 · 已确认指导 {total_visits} 次")
    coord.shot("zh-coord-01-dashboard")

    # The quarterly record downloads from the dashboard; its numbers are the dashboard's.
    with coord.page.expect_download(timeout=30_000) as started:
        coord.tap("季度服务记录（XLSX）")
    download = started.value
    assert download.suggested_filename.endswith(".xlsx")
    xlsx = tmp_path / "quarterly.xlsx"
    download.save_as(xlsx)
    coord.see("已开始下载：quarterly.xlsx")
    wb = load_workbook(io.BytesIO(xlsx.read_bytes()), read_only=True)
    rows = [list(r) for r in wb["汇总"].iter_rows(values_only=True)]
    in_sheet = {r[1]: r for r in rows if len(r) > 2 and isinstance(r[2], int) and r[0] != "合计"}
    for name, p in by_name.items():
        if p["visits_confirmed"]:
            assert in_sheet[name][2] == p["visits_confirmed"], name
            assert in_sheet[name][3] == p["hours_confirmed"], name
    [total_row] = [r for r in rows if r and r[0] == "合计"]
    assert total_row[2] == total_visits

    # Each planner's pace in words, as the server computed it.
    first = by_name["规划师01"]
    assert first["pace"]["status"] == "behind"
    _scroll(coord, 700)
    coord.see(f"落后 {first['pace']['behind_by']} 次")
    coord.shot("zh-coord-02-dashboard-scrolled")
    heading = coord.page.get_by_text("规划师（10 位）")
    heading.scroll_into_view_if_needed()
    _scroll(coord, 300)
    coord.shot("zh-coord-03-dashboard-planners")

    coord.tap("地图", role="tab")
    coord.see(f"{year} 年实地指导地图")
    time.sleep(1.5)
    coord.shot("zh-coord-04-map")
    assert tiles.requests

    # Appraisal: four excellent among ten is refused in plain words; three are accepted.
    coord.tap("考核", role="tab")
    coord.see("年度考核")
    coord.shot("zh-coord-05-appraisal")
    for i in range(PLANNERS):
        grade = "优秀" if i < 4 else "称职"
        target = coord.page.get_by_role("button", name=grade, exact=True).nth(i)
        target.scroll_into_view_if_needed()
        target.click()
        coord.taps += 1
    coord.see("已选优秀 4 人，最多 3 人（共 10 人）")
    coord.tap("保存考核等次")
    coord.see("不能保存：10 人中最多 3 人可评为“优秀”（不超过 30%）")
    coord.shot("zh-coord-06-cap-refused")
    with server.login("coord1") as client:
        stored = client.get(f"/api/appraisal/{year}").json()
    assert all(p["final_grade"] is None for p in stored["planners"])

    fourth = coord.page.get_by_role("button", name="称职", exact=True).nth(3)
    fourth.scroll_into_view_if_needed()
    fourth.click()
    coord.see("已选优秀 3 人，最多 3 人（共 10 人）")
    # Saving the same grades again leaves them as they are, so a save tap dropped by a re-render is repeated.
    coord.tap("保存考核等次", then="考核等次已保存。")
    with server.login("coord1") as client:
        stored = client.get(f"/api/appraisal/{year}").json()
    finals = [p["final_grade"] for p in stored["planners"]]
    assert finals.count("优秀") == 3 and finals.count("称职") == 7

    coord.tap("规划师10 的考核档案")
    coord.see("规划师10 · " + f"{year} 年考核档案")
    coord.see("免当年继续教育学时 (CQ-10)")  # competent for one year
    coord.shot("zh-coord-07-dossier")
    coord.tap("已确认实地指导：9")
    coord.see("第10社区")
    coord.shot("zh-coord-08-dossier-records")

    # The same screens in English.
    coord.tap("English")
    coord.see("records, tap to see")
    coord.shot("en-coord-07-dossier")
    coord.tap("Dashboard", role="tab")
    coord.see("Totals")
    coord.shot("en-coord-01-dashboard")
    _scroll(coord, 700)
    coord.see(f"Behind by {first['pace']['behind_by']}")
    coord.shot("en-coord-02-dashboard-scrolled")
    coord.tap("Appraisal", role="tab")
    coord.see("Annual appraisal")
    coord.shot("en-coord-05-appraisal")
    coord.tap("Dashboard", role="tab")
    coord.tap("Audit log")
    coord.see("set appraisal grades")
    coord.shot("en-coord-09-audit")
    coord.tap("中文")
    coord.see("设定考核等次")
    coord.shot("zh-coord-09-audit")
    coord.tap("English")
    coord.tap("Map", role="tab")
    coord.see(f"Visits in {year}")
    time.sleep(1.0)
    coord.shot("en-coord-04-map")
