"""The real server process: starts on a migrated database, refuses an unmigrated one."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import LiveServer


@pytest.mark.slow
def test_live_server_serves_login_and_districts(live_server_any: LiveServer) -> None:
    live_server_any.add_district("示范区")
    live_server_any.add_user("planner1", "planner", ["示范区"], display_name="张规划")
    with live_server_any.login("planner1") as client:
        resp = client.get("/api/districts")
        assert resp.status_code == 200
        assert [d["name"] for d in resp.json()] == ["示范区"]


@pytest.mark.slow
def test_server_refuses_to_start_on_an_unmigrated_database(tmp_path: Path, db_url: str) -> None:
    server = LiveServer(tmp_path, db_url=db_url)
    with pytest.raises(RuntimeError) as excinfo:
        server.start(timeout=60)
    assert "fieldlog db upgrade" in str(excinfo.value)
    assert not server.running
