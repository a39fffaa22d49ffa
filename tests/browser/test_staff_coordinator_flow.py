"""District staff and coordinators in a real browser on a 390×844 phone (Debian chromium, Flet web app).

A real server subprocess holds the data; map tiles come from a tile server on 127.0.0.1 named in the
server's configuration (the browser reaches nothing else). Every screen is saved under
test-artifacts/screenshots/ in zh and en.
"""

from __future__ import annotations

import io
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from playwright.sync_api import sync_playwright

from app.ui.coordinator_state import quarter_of
from shared import records as rec
from shared import rules
from tests.browser.conftest import AppProcess
from tests.browser.phone import Phone, launch
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
    staff.see("全部处理完了")
    decision_taps = staff.taps - before
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
    staff.shot("en-staff-04-queue")
    planner.tap("English")
    planner.tap("Home", role="tab")
    planner.see("Open invitations")
    planner.shot("en-planner-02-invitation")

    print(f"taps to decide one flagged visit from the queue: {decision_taps}")
    # Open the queue, (try to confirm, be told to choose,) choose the reason, confirm.
    assert decision_taps <= 4
