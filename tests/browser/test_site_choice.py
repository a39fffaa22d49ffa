"""A planner serving two districts checks in where no known site is near: the districts' known sites are
offered nearest first, typing narrows them, a tap checks in at one (in its district), and a new place is
named by the planner, never by its coordinates.

Debian's chromium drives `python -m app` on a 390×844 phone; a real server subprocess plays the bureau and
district staff put the known sites on their lists; the phone's store is read afterwards.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from app.store import LocalStore
from app.ui.state import store_path
from shared import records as rec
from tests.browser.conftest import AppProcess, known_site
from tests.browser.phone import CHONGQING, Phone, launch
from tests.conftest import DEFAULT_PASSWORD, LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: Degrees of latitude in a kilometre, near enough.
KM = 1 / 111.2


def test_the_known_sites_come_nearest_first_and_a_tap_checks_in_at_one_in_its_district(
    tmp_path: Path, app_factory: type[AppProcess], shots_dir: Path
) -> None:
    server = LiveServer(tmp_path)
    server.upgrade()
    server.start()
    try:
        yuzhong = server.add_district("渝中区")
        jiangbei = server.add_district("江北区")
        server.add_user("planner1", "planner", districts=["渝中区", "江北区"], display_name="张规划")
        server.add_user("staff1", "district", districts=["渝中区", "江北区"], display_name="李审核")
        lat, lon = CHONGQING["latitude"], CHONGQING["longitude"]
        # None is within the check-in radius of the phone's fix (about 150 m).
        known_site(server, "staff1", yuzhong, "十八梯传统风貌区", lat - 1.2 * KM, lon)
        known_site(server, "staff1", jiangbei, "观音桥商圈", lat + 0.8 * KM, lon)
        known_site(server, "staff1", jiangbei, "北滨路滨江公园", lat + 2.5 * KM, lon)
        data_dir = tmp_path / "phone-data"
        app = app_factory(data_dir, server.url, env={"FIELDLOG_SYNC_INTERVAL": "600"})
        app.start()
        with sync_playwright() as p:
            browser = launch(p)
            try:
                phone = Phone(browser, app.url, shots_dir)
                phone.type_into("用户名", "planner1")
                phone.type_into("密码", DEFAULT_PASSWORD)
                phone.tap("登录", exact=True, then="年实地指导")

                phone.tap("签到 · 开始实地指导")
                phone.see("附近没有已知地点")
                phone.see("当前定位：29.56300, 106.55160")
                order = [
                    phone.page.get_by_role("button", name=name).first.bounding_box()
                    for name in ("观音桥商圈", "十八梯传统风貌区", "北滨路滨江公园")
                ]
                assert all(box is not None for box in order)
                tops = [box["y"] for box in order if box is not None]
                assert tops == sorted(tops), "known sites are listed nearest first"
                phone.shot("zh-sites-01-none-near")

                phone.type_into("地点", "观音")
                phone.see("观音桥商圈")
                expect(phone.page.get_by_role("button", name="十八梯传统风貌区")).to_have_count(0)
                phone.shot("zh-sites-02-typed")
                phone.tap("观音桥商圈", then="签到时间")
                phone.shot("zh-sites-03-checked-in-jiangbei")
                phone.tap("签退", then="工作时长")

                # A place no list knows: the planner names it; the coordinates stay coordinates.
                phone.tap("首页", role="tab", then="年实地指导")
                phone.tap("签到 · 开始实地指导", then="附近没有已知地点")
                phone.type_into("地点", "新华路旧改片区")
                phone.see("新地点：新华路旧改片区")
                phone.shot("zh-sites-04-new-place")
                phone.tap("在此地点签到", then="签到时间")
                phone.shot("zh-sites-05-new-place-checked-in")
                phone.close()
            finally:
                browser.close()
    finally:
        server.stop()
    path = store_path(data_dir.resolve(), server.url, "planner1")
    store = LocalStore(path, photo_dir=path.parent / "photos")
    try:
        visits = {v.data["site"]: v.data for v in store.records(rec.VISIT)}
    finally:
        store.close()
    assert set(visits) == {"观音桥商圈", "新华路旧改片区"}
    assert visits["观音桥商圈"]["district_id"] == jiangbei
    # The new place goes where the planner last recorded (江北区), with the fix kept as the fix.
    assert visits["新华路旧改片区"]["district_id"] == jiangbei
    assert (visits["新华路旧改片区"]["lat"], visits["新华路旧改片区"]["lon"]) == (lat, lon)
