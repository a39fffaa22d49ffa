"""What a new user sees first: fieldlog's splash in Chinese (English once this device chose English), never
Flet's logo, and then the first screen, drawn with its Chinese font."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

from tests.browser.conftest import AppProcess
from tests.browser.phone import PHONE, Phone, _local_only, launch

pytestmark = pytest.mark.browser

SPLASH = "() => { const s = document.getElementById('fieldlog-splash'); return s ? s.innerText : null; }"


def _splash_words(page: Page, url: str, shots: Path, name: str) -> set[str]:
    """Open the app and read the splash until it leaves; its first picture is kept as a screenshot."""
    page.goto(url, wait_until="domcontentloaded")
    said: set[str] = set()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        words = page.evaluate(SPLASH)
        if words is None:
            return said
        if not said:
            page.screenshot(path=str(shots / f"{name}.png"))
        said.add(" ".join(words.split()))
        # Flet's own first picture (its logo) is never shown: its loading box holds nothing.
        assert page.evaluate("() => !document.querySelector('#loading img')")
        time.sleep(0.1)
    raise AssertionError("the splash never left")


def test_a_new_user_meets_a_chinese_splash_then_the_sign_in_screen(
    tmp_path: Path, app_factory: type[AppProcess], shots_dir: Path
) -> None:
    app = app_factory(tmp_path / "phone", "http://127.0.0.1:9")
    app.start()
    with sync_playwright() as p:
        browser = launch(p)
        try:
            context = browser.new_context(viewport=PHONE, device_scale_factor=2)
            page = context.new_page()
            page.route("**/*", _local_only)
            assert _splash_words(page, app.url, shots_dir, "first-screen-splash-zh") == {
                "实地指导记录 正在打开，请稍候…"
            }
            context.close()

            # A device that chose English: the next opening speaks English from its first picture.
            phone = Phone(browser, app.url, shots_dir)
            phone.tap("English", then="Sign in")
            assert _splash_words(phone.page, app.url, shots_dir, "first-screen-splash-en") == {
                "Field log Opening, please wait…"
            }
            phone.open()
            phone.see("Sign in")
            phone.shot("first-screen-sign-in-en")
            phone.close()

            # Another browser is another device: Chinese again, the sign-in screen in Chinese.
            other = Phone(browser, app.url, shots_dir)
            other.see("登录")
            other.shot("first-screen-sign-in-zh")
            other.close()
        finally:
            browser.close()
