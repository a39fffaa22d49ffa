"""A deployment that configures no tile service: the review map draws the server's own plain tiles (not a
grey box) and says that a real basemap is one setting away.

Debian's chromium drives `python -m app` on a 390×844 phone; a real server subprocess with no
FIELDLOG_MAP_TILE_URL plays the bureau.
"""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Response, sync_playwright

from shared import rules
from tests.browser.conftest import AppProcess
from tests.browser.phone import Phone, launch
from tests.conftest import DEFAULT_PASSWORD, LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _visit_waiting_for_review(server: LiveServer, district_id: int) -> None:
    start = datetime.now(ZoneInfo(rules.DEFAULT_TZ)).replace(microsecond=0) - timedelta(hours=3)
    data = {
        "district_id": district_id,
        "site": "解放碑步行街",
        "purpose": "实地指导",
        "started_at": start.isoformat(),
        "ended_at": (start + timedelta(hours=2)).isoformat(),
        "lat": 29.563,
        "lon": 106.5516,
        "accuracy_m": 8.0,
    }
    op = {
        "op_id": str(uuid.uuid4()),
        "kind": "visit",
        "id": str(uuid.uuid4()),
        "base_version": 0,
        "data": data,
    }
    with server.login("planner1") as client:
        client.post("/api/sync/push", json={"device_id": "seed", "ops": [op]}).raise_for_status()


def test_without_a_tile_service_the_review_map_shows_the_servers_plain_tiles_and_says_so(
    tmp_path: Path, app_factory: type[AppProcess], shots_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FIELDLOG_MAP_TILE_URL", raising=False)
    server = LiveServer(tmp_path)
    server.upgrade()
    server.start()
    try:
        district = server.add_district("示范区")
        server.add_user("planner1", "planner", districts=["示范区"], display_name="张规划")
        server.add_user("staff1", "district", districts=["示范区"], display_name="李审核")
        _visit_waiting_for_review(server, district)
        app = app_factory(tmp_path / "phone-data", server.url, env={"FIELDLOG_SYNC_INTERVAL": "600"})
        app.start()
        tiles: list[int] = []

        def seen(resp: Response) -> None:
            if "/map/tiles/" in resp.url:
                tiles.append(resp.status)

        with sync_playwright() as p:
            browser = launch(p)
            try:
                staff = Phone(browser, app.url, shots_dir)
                staff.page.on("response", seen)
                staff.type_into("用户名", "staff1")
                staff.type_into("密码", DEFAULT_PASSWORD)
                staff.tap("登录", exact=True, then="待确认的实地指导")
                staff.tap("开始逐条确认", then="第 1 条，共 1 条")
                staff.see("底图为演示网格")
                # The map sits below the reasons: scroll to it like a thumb.
                staff.page.mouse.move(195, 500)
                for _ in range(3):
                    staff.page.mouse.wheel(0, 400)
                    time.sleep(0.4)
                deadline = time.monotonic() + 20
                while not tiles and time.monotonic() < deadline:
                    staff.page.wait_for_timeout(250)
                time.sleep(1.5)  # let the map draw its tiles before the picture
                staff.shot("zh-staff-11-builtin-basemap")
            finally:
                browser.close()
    finally:
        server.stop()
    assert tiles and set(tiles) == {200}, f"the map fetched no tile from the server: {tiles}"
