"""Without a GPS fix the planner names the place, and the visit shows that no fix was taken."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from app.store import LocalStore
from app.ui.state import store_path
from shared import records as rec
from tests.browser.conftest import AppProcess
from tests.browser.phone import Phone, launch
from tests.conftest import DEFAULT_PASSWORD, LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_check_in_without_a_fix_asks_for_the_place_and_marks_the_visit(
    tmp_path: Path, app_factory: type[AppProcess], shots_dir: Path
) -> None:
    server = LiveServer(tmp_path)
    server.upgrade()
    server.start()
    try:
        server.add_district("示范区")
        server.add_user("planner1", "planner", districts=["示范区"])
        data_dir = tmp_path / "phone-data"
        app = app_factory(data_dir, server.url, env={"FIELDLOG_GPS_TIMEOUT": "3"})
        app.start()
        with sync_playwright() as p:
            browser = launch(p)
            try:
                # No geolocation permission: the phone gives no fix.
                phone = Phone(browser, app.url, shots_dir, geolocation=None)
                phone.type_into("用户名", "planner1")
                phone.type_into("密码", DEFAULT_PASSWORD)
                phone.tap("登录")
                before = phone.taps
                phone.tap("签到 · 开始实地指导")
                phone.see("没有取得定位，请写下地点后签到。")
                phone.type_into("地点", "解放碑步行街")
                phone.shot("zh-12-visit-no-fix")
                phone.tap("在此地点签到")
                phone.see("未定位（地点由本人填写）")
                phone.shot("zh-13-visit-no-fix-checked-in")
                assert phone.taps - before == 3
            finally:
                browser.close()
    finally:
        server.stop()
    path = store_path(data_dir.resolve(), server.url, "planner1")
    store = LocalStore(path, photo_dir=path.parent / "photos")
    try:
        [visit] = store.records(rec.VISIT)
        assert visit.data["site"] == "解放碑步行街"
        assert visit.data["lat"] is None and visit.data["lon"] is None
    finally:
        store.close()
