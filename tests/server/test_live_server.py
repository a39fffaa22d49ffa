"""The real server process: starts on a migrated database, refuses an unmigrated one."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from server.core.db import Database
from server.core.migrate import upgrade
from tests.conftest import LiveServer, free_port
from tests.server.conftest import op, push_body, visit


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


@pytest.mark.slow
def test_server_refuses_to_start_on_an_older_database(tmp_path: Path) -> None:
    server = LiveServer(tmp_path)
    db = Database(server.db_url)

    async def to_first_revision() -> None:
        await upgrade(db, "0001")
        await db.dispose()

    asyncio.run(to_first_revision())
    with pytest.raises(RuntimeError) as excinfo:
        server.start(timeout=60)
    assert "revision 0001" in str(excinfo.value)
    assert "fieldlog db upgrade" in str(excinfo.value)
    server.upgrade()
    server.start()
    server.stop()


@pytest.mark.slow
def test_a_killed_server_restarts_with_every_answered_push_kept(live_server_any: LiveServer) -> None:
    live_server_any.add_district("示范区")
    live_server_any.add_user("planner1", "planner", ["示范区"])
    with live_server_any.login("planner1") as client:
        district = client.get("/api/districts").json()[0]["id"]
        ops = [op("visit", visit(district, site=f"地点{i}")) for i in range(50)]
        answer = client.post("/api/sync/push", json=push_body(*ops))
        assert [r["status"] for r in answer.json()["results"]] == ["applied"] * 50
    live_server_any.kill()
    live_server_any.start()
    # The token survives the restart: the signing key is kept in the data directory.
    with live_server_any.login("planner1") as client:
        changes = client.get("/api/sync/pull", params={"limit": 1000}).json()["changes"]
        assert sorted(c["data"]["site"] for c in changes) == sorted(f"地点{i}" for i in range(50))
        again = client.post("/api/sync/push", json=push_body(*ops)).json()["results"]
        assert {r["status"] for r in again} == {"duplicate"}


@pytest.mark.slow
def test_demo_seeds_the_demo_logins_and_serves_until_ctrl_c(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FIELDLOG_")}
    env["FIELDLOG_DATA_DIR"] = str(tmp_path / "demo-data")
    url = f"http://127.0.0.1:{port}"
    for round_ in range(2):  # the second run finds everything seeded and seeds nothing twice
        proc = subprocess.Popen(
            [sys.executable, "-m", "server", "demo", "--no-app", "--port", str(port)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
                try:
                    if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            for username, role in [
                ("planner1", "planner"),
                ("staff1", "district"),
                ("coord1", "coordinator"),
                ("admin", "admin"),
            ]:
                resp = httpx.post(
                    f"{url}/api/auth/login", json={"username": username, "password": "fieldlog-demo"}
                )
                assert resp.status_code == 200, resp.text
                assert resp.json()["user"]["role"] == role
            token = httpx.post(
                f"{url}/api/auth/login", json={"username": "planner1", "password": "fieldlog-demo"}
            ).json()
            assert token["user"]["display_name"] == "张规划"
            districts = httpx.get(
                f"{url}/api/districts", headers={"Authorization": f"Bearer {token['access_token']}"}
            ).json()
            assert [d["name"] for d in districts] == ["示范区"]
            coord = httpx.post(
                f"{url}/api/auth/login", json={"username": "coord1", "password": "fieldlog-demo"}
            )
            summary = httpx.get(
                f"{url}/api/summary/planners",
                params={"year": 2026},
                headers={"Authorization": f"Bearer {coord.json()['access_token']}"},
            ).json()
            # The demo year: ten planners, each seeded once however often the demo starts.
            names = [p["username"] for p in summary["planners"]]
            assert names == [f"planner{i}" for i in range(1, 11)], round_
            visits = sum(p["visits_confirmed"] + p["visits_pending"] for p in summary["planners"])
            if round_ == 0:
                first_visits = visits
            assert visits == first_visits
        finally:
            proc.send_signal(signal.SIGINT)
            out, _ = proc.communicate(timeout=30)
        assert proc.returncode in (0, 130), out
        assert f"{url}/schema" in out
        assert "planner1" in out and "fieldlog-demo" in out
