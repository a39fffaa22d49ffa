"""Each screen has an address: the browser's back and forward buttons move between screens as on any web
page, and the app's own back button goes up to the screen a screen was opened from.

Debian's chromium drives `python -m app` on a 390×844 phone; a real server subprocess plays the bureau.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.browser.conftest import AppProcess, known_site
from tests.browser.phone import CHONGQING, Phone, launch
from tests.conftest import DEFAULT_PASSWORD, LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _sign_in(phone: Phone, username: str, then: str) -> None:
    phone.type_into("用户名", username)
    phone.type_into("密码", DEFAULT_PASSWORD)
    phone.tap("登录", exact=True, then=then)


def test_browser_back_and_forward_move_between_screens_and_back_goes_up(
    tmp_path: Path, app_factory: type[AppProcess], shots_dir: Path
) -> None:
    server = LiveServer(tmp_path)
    server.upgrade()
    server.start()
    try:
        district = server.add_district("示范区")
        server.add_user("planner1", "planner", districts=["示范区"], display_name="张规划")
        server.add_user("staff1", "district", districts=["示范区"], display_name="李审核")
        known_site(server, "staff1", district, "解放碑步行街", CHONGQING["latitude"], CHONGQING["longitude"])
        app = app_factory(tmp_path / "phone-data", server.url, env={"FIELDLOG_SYNC_INTERVAL": "600"})
        app.start()
        with sync_playwright() as p:
            browser = launch(p)
            try:
                planner = Phone(browser, app.url, shots_dir)
                _sign_in(planner, "planner1", then="年实地指导")
                assert planner.address() == "/"

                # A screen opened from Home: the browser's back returns, forward opens it again.
                planner.tap("书面意见", then="不同意见（存档）")
                assert planner.address() == "/opinion"
                planner.browser_back(then="年实地指导")
                assert planner.address() == "/"
                planner.shot("zh-14-back-to-home")
                planner.browser_forward(then="不同意见（存档）")
                assert planner.address() == "/opinion"
                # The app's back button goes up to Home.
                planner.tap("返回", then="年实地指导")
                assert planner.address() == "/"

                # Tabs are screens too: back walks through them in the order they were opened.
                planner.tap("记录", role="tab", then="我的记录")
                planner.tap("同步", role="tab", then="立即同步")
                assert planner.address() == "/sync"
                planner.browser_back(then="我的记录")
                assert planner.address() == "/records"
                planner.shot("zh-15-back-to-records")

                # A visit opened from the records: its own address; the browser's back returns to the list.
                planner.tap("首页", role="tab", then="年实地指导")
                planner.tap("签到 · 开始实地指导", then="签到时间")
                visit_address = planner.address()
                assert visit_address.startswith("/visit/")
                planner.tap("签退", then="工作时长")
                planner.tap("记录", role="tab", then="我的记录")
                planner.tap("实地指导 · 解放碑步行街", then="签到时间")
                assert planner.address() == visit_address
                planner.shot("zh-16-visit-from-records")
                planner.browser_back(then="我的记录")
                assert planner.address() == "/records"
                planner.close()

                # District staff: tabs and a screen opened from one, the same way.
                staff = Phone(browser, app.url, shots_dir)
                _sign_in(staff, "staff1", then="待确认的实地指导")
                staff.tap("活动", role="tab", then="咨询活动")
                assert staff.address() == "/activities"
                staff.tap("新建活动", then="创建并发送邀请")
                assert staff.address() == "/activities/new"
                staff.browser_back(then="咨询活动")
                assert staff.address() == "/activities"
                staff.tap("意见回访", role="tab", then="没有需要回访的书面意见")
                staff.browser_back(then="咨询活动")
                staff.shot("zh-staff-10-back-to-activities")
                staff.browser_back(then="待确认的实地指导")
                assert staff.address() == "/"
                staff.close()
            finally:
                browser.close()
    finally:
        server.stop()
