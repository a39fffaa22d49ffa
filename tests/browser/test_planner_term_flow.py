"""A planner's way in, in a real browser on 390×844 phones (Pingdingshan's profile): the bureau enters a
candidate (PDS-3), reviews them and publishes the public notice (PDS-4, five working days over National
Day week), the notice runs out and they are in the pool; a district requests the specialty (PDS-7), the
bureau picks the member, which makes their account and dispatches them; the new planner signs in on the
phone and records a visit, district staff confirm it, and it counts for that district.

Debian's chromium drives `python -m app`; a real server subprocess plays the bureau.
"""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import sync_playwright

from shared import rules
from tests.browser.conftest import AppProcess, known_site
from tests.browser.phone import CHONGQING, Phone, launch
from tests.conftest import DEFAULT_PASSWORD, LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NEW_PASSWORD = "a-long-password"


def _sign_in(phone: Phone, username: str, then: str, password: str = DEFAULT_PASSWORD) -> None:
    phone.type_into("用户名", username)
    phone.type_into("密码", password)
    phone.tap("登录", exact=True)
    phone.see(then, timeout=60_000)


def _press(phone: Phone, name: str) -> None:
    """Tap a chip or a button of a long form once the screen has stopped moving: typing and scrolling
    re-lay the form out, and a click sent to screen coordinates at that instant lands on its neighbour."""
    target = phone.page.get_by_role("button", name=name, exact=True).first
    target.wait_for(state="visible", timeout=30_000)
    target.scroll_into_view_if_needed()
    time.sleep(0.6)
    # To the chip's own node, not to screen coordinates the re-laid form may have moved.
    target.dispatch_event("click")
    phone.taps += 1
    time.sleep(0.3)


def test_pds3_pds4_pds7_a_candidate_goes_through_notice_and_pool_to_dispatch_and_counts_visits_there(
    tmp_path: Path, app_factory: type[AppProcess], shots_dir: Path
) -> None:
    server = LiveServer(tmp_path, env={"FIELDLOG_PROFILE": "pingdingshan"})
    server.upgrade()
    server.start()
    try:
        district = server.add_district("示范区")
        server.add_user("staff1", "district", districts=["示范区"], display_name="李审核")
        server.add_user("coord1", "coordinator", display_name="王统筹")
        lat, lon = CHONGQING["latitude"], CHONGQING["longitude"]
        known_site(server, "staff1", district, "老城更新片区", lat, lon)
        app = app_factory(tmp_path / "phone-data", server.url, env={"FIELDLOG_SYNC_INTERVAL": "600"})
        app.start()
        with sync_playwright() as p:
            browser = launch(p)
            try:
                coord = Phone(browser, app.url, shots_dir)
                _sign_in(coord, "coord1", then="全部合计")
                coord.tap("聘任", role="tab")
                coord.see("规划师聘任与补贴", timeout=60_000)
                coord.tap("资源库")
                coord.tap("录入候选人")
                coord.type_into("姓名", "王规划")
                coord.type_into("报名日期", "2026-09-01")
                _press(coord, "硕士研究生")
                _press(coord, "城乡规划")
                _press(coord, "副高级")
                coord.type_into("从业年限（年）", "12")
                _press(coord, "城市更新")
                coord.shot("zh-flow-01-new-candidate")
                _press(coord, "保存候选人")
                coord.see("符合入库条件（PDS-3）")
                coord.see("所学专业：城乡规划")
                coord.type_into("审核日期", "2026-09-28")
                _press(coord, "审核通过")
                coord.see("审核通过。")
                coord.type_into("开始日期", "2026-09-29")
                _press(coord, "发布公示")
                coord.see("已公示：2026-09-29 至 2026-10-10")
                coord.shot("zh-flow-02-notice-over-member")

                staff = Phone(browser, app.url, shots_dir)
                _sign_in(staff, "staff1", then="待确认的实地指导")
                staff.tap("派驻", role="tab")
                staff.tap("提出派驻申请")
                _press(staff, "城市更新")
                staff.type_into("服务重点", "老城更新项目技术把关")
                staff.shot("zh-flow-03-request")
                _press(staff, "提交申请")
                staff.see("示范区 的派驻申请已提交。")

                coord.tap("返回", then="长期未服务的成员")
                coord.tap("返回", then="规划师聘任与补贴")
                coord.tap("区县派驻申请")
                coord.tap("老城更新项目技术把关")
                coord.see("第 1 位 · 王规划")
                coord.shot("zh-flow-04-ranked")
                _press(coord, "选派此人")
                coord.type_into("派驻开始日期", "2026-10-12")
                coord.type_into("用户名", "wangguihua")
                coord.type_into("初始密码（至少 8 位）", NEW_PASSWORD)
                _press(coord, "确认派驻")
                coord.see("已派驻 王规划 到 示范区")
                coord.shot("zh-flow-05-dispatched")

                planner = Phone(browser, app.url, shots_dir)
                _sign_in(planner, "wangguihua", then="年实地指导", password=NEW_PASSWORD)
                planner.tap("签到 · 开始实地指导", then="签到时间")
                planner.tap("签退", then="工作时长")
                planner.tap("同步", role="tab")
                planner.tap("立即同步")
                planner.see("等待上传：0 项", timeout=60_000)
                planner.shot("zh-flow-06-new-planner-synced")

                staff.tap("待确认", role="tab")
                staff.tap("开始逐条确认")
                staff.tap("已电话核实")
                staff.tap("确认", exact=True)
                staff.see("已确认：")
                staff.shot("zh-flow-07-confirmed")
            finally:
                browser.close()
        with server.login("staff1") as client:
            year = datetime.now(ZoneInfo(rules.DEFAULT_TZ)).year
            resp = client.get("/api/summary/planners", params={"year": year})
            resp.raise_for_status()
            [row] = [r for r in resp.json()["planners"] if r["username"] == "wangguihua"]
        assert row["visits_confirmed"] == 1
    finally:
        server.stop()
