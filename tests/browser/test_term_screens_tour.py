"""The term's screens as each role meets them on a 390×844 phone, over the demo's seeds: the coordinator's
pool, requests, dispatches, terms and work funds; district staff's planners and their terms; the planner's
own term and contract; the administrator's users, districts and roster import. Each screen is reached by
taps from its tab, shows what the seeds put there, and is saved as a screenshot in zh-CN (and some in
English) to be looked at.

Debian's chromium drives `python -m app`; a real server subprocess seeded as `fieldlog demo` seeds it.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from server.cli import DEMO_PASSWORD
from tests.browser.conftest import AppProcess
from tests.browser.phone import Phone, launch
from tests.conftest import REPO, LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SEED = "import asyncio; from server.cli import _seed_demo; from server.core.settings import Settings; "
SEED += "asyncio.run(_seed_demo(Settings.from_env()))"


def _sign_in(phone: Phone, username: str, then: str) -> None:
    phone.type_into("用户名", username)
    phone.type_into("密码", DEMO_PASSWORD)
    phone.tap("登录", exact=True)
    phone.see(then, timeout=90_000)  # a coordinator's first screen reads a whole year of seeds


def _left(phone: Phone, address: str, timeout: float = 30.0) -> str:
    """Wait until the screen's address is no longer ``address``; the new one."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = phone.address()
        if now != address:
            return now
        time.sleep(0.2)
    raise AssertionError(f"the screen stayed at {address}")


def _visit(phone: Phone, card: str, expect: str, shot: str) -> None:
    """From a hub: open a screen by its card, see what it holds, picture it, come back up."""
    hub = phone.address()
    phone.tap(card)
    _left(phone, hub)
    phone.see(expect)
    time.sleep(0.8)
    phone.shot(shot)
    phone.tap("返回")
    deadline = time.monotonic() + 30
    while phone.address() != hub and time.monotonic() < deadline:
        time.sleep(0.2)
    assert phone.address() == hub


def test_every_term_screen_of_every_role_shows_the_demos_seeds(
    tmp_path: Path, app_factory: type[AppProcess], shots_dir: Path
) -> None:
    server = LiveServer(tmp_path)
    server.upgrade()
    subprocess.run([sys.executable, "-c", SEED], env=server.env, cwd=REPO, check=True, timeout=600)
    server.start()
    try:
        app = app_factory(tmp_path / "phone-data", server.url, env={"FIELDLOG_SYNC_INTERVAL": "600"})
        app.start()
        with sync_playwright() as p:
            browser = launch(p)
            try:
                coord = Phone(browser, app.url, shots_dir)
                _sign_in(coord, "coord1", then="全部合计")
                coord.tap("聘任", role="tab")
                coord.see("规划师聘任与补贴", timeout=60_000)
                coord.see("派驻中")
                coord.shot("zh-term-01-hub")
                _visit(coord, "专家库", "张规划", "zh-term-02-pool")
                _visit(coord, "区县派驻申请", "江北区", "zh-term-03-requests")
                _visit(coord, "派驻与聘任", "张规划", "zh-term-04-dispatches")
                _visit(coord, "聘期与续聘", "张规划", "zh-term-05-terms")
                _visit(coord, "工作经费（CQ-6）", "工作经费（CQ-6）", "zh-term-06-funds")
                coord.tap("English")
                coord.see("Planners' terms and money")
                coord.see("The pool")
                coord.shot("en-term-01-hub")
                coord.close()

                staff = Phone(browser, app.url, shots_dir)
                _sign_in(staff, "staff1", then="待确认的实地指导")
                staff.tap("派驻", role="tab")
                staff.see("张规划")
                time.sleep(0.8)
                staff.shot("zh-term-07-staff-planners")
                staff.close()

                planner = Phone(browser, app.url, shots_dir)
                _sign_in(planner, "planner1", then="年实地指导")
                planner.tap("聘期", role="tab")
                planner.see("聘期")
                planner.see("合同")
                time.sleep(0.8)
                planner.shot("zh-term-08-planner-term")
                planner.close()

                admin = Phone(browser, app.url, shots_dir)
                _sign_in(admin, "admin", then="用户")
                admin.see("coord1")
                admin.shot("zh-admin-01-users")
                admin.tap("区县", role="tab")
                admin.see("江北区")
                time.sleep(0.5)
                admin.shot("zh-admin-02-districts")
                admin.tap("花名册", role="tab")
                admin.see("花名册")
                time.sleep(0.5)
                admin.shot("zh-admin-03-roster")
                admin.tap("English")
                admin.see("Roster")
                admin.shot("en-admin-03-roster")
                admin.close()
            finally:
                browser.close()
    finally:
        server.stop()
