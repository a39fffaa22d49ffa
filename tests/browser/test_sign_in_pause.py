"""After repeated wrong passwords the sign-in screen says how long to wait, in the planner's language."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.browser.conftest import AppProcess
from tests.browser.phone import Phone, launch
from tests.conftest import DEFAULT_PASSWORD, LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_paused_sign_in_shows_the_wait_and_who_resets_a_password(
    tmp_path: Path, app_factory: type[AppProcess], shots_dir: Path
) -> None:
    # Two failures pause it here, so the test types less; the count itself is tested on the server.
    server = LiveServer(tmp_path, env={"FIELDLOG_SIGNIN_MAX_FAILURES": "2"})
    server.upgrade()
    server.start()
    try:
        server.add_district("示范区")
        server.add_user("planner1", "planner", districts=["示范区"])
        app = app_factory(tmp_path / "phone-data", server.url)
        app.start()
        with sync_playwright() as p:
            browser = launch(p)
            try:
                phone = Phone(browser, app.url, shots_dir)
                phone.type_into("用户名", "planner1")
                phone.type_into("密码", "wrong-password")
                phone.tap("登录", exact=True)
                phone.see("用户名或密码不正确。")
                phone.tap("登录", exact=True)
                phone.see("登录失败次数过多，请 15 分钟后再试；忘记密码请联系区里的管理员。")
                phone.type_into("密码", DEFAULT_PASSWORD)
                phone.tap("登录", exact=True)
                phone.see("登录失败次数过多，请 15 分钟后再试；忘记密码请联系区里的管理员。")
                phone.shot("zh-00-sign-in-paused")
            finally:
                browser.close()
    finally:
        server.stop()
