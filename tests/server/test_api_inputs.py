"""Bad input is a 4xx, never a 5xx: edge cases by hand, and Schemathesis over the served OpenAPI schema."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import LiveServer
from tests.server.conftest import World

ROLES = ("planner", "district", "coordinator", "admin")


@pytest.mark.parametrize(
    "path", ["/api/planners/{n}", "/api/activities/{n}", "/api/appraisal/2026/planners/{n}"]
)
async def test_an_id_in_a_path_too_long_for_the_database_is_400_naming_it(world: World, path: str) -> None:
    resp = await world.admin.get(path.format(n=10**30))
    assert resp.status_code == 400, resp.text
    field = "activity_id" if "activities" in path else "planner_id"
    assert resp.json()["field"] == field
    assert resp.json()["detail"].startswith(f"{field}:")


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/activities/{n}", "activity_id"),
        ("/api/admin/users/{n}", "user_id"),
        ("/api/allowance/periods/{n}", "period_id"),
        ("/api/allowance/planners/{n}", "planner_id"),
    ],
)
async def test_an_id_past_what_a_32_bit_key_holds_is_400_naming_it(
    world: World, path: str, field: str
) -> None:
    resp = await world.admin.get(path.format(n=2**31))
    assert resp.status_code == 400, resp.text
    assert resp.json()["field"] == field


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, dict[str, str]]]:
    """One server for the whole module (SQLite), with a user of every role in one district."""
    server = LiveServer(tmp_path_factory.mktemp("fuzz"))
    server.upgrade()
    server.add_district("示范区")
    for role in ROLES:
        server.add_user(role, role, ["示范区"] if role in ("planner", "district") else [])
    server.start()
    tokens = {}
    for role in ROLES:
        with server.login(role) as client:
            tokens[role] = client.headers["Authorization"]
    try:
        yield server, tokens
    finally:
        server.stop()


@pytest.mark.slow
@pytest.mark.parametrize("role", ROLES)
def test_no_request_of_any_role_gets_a_server_error(
    fuzz_server: tuple[LiveServer, dict[str, str]], role: str
) -> None:
    """Schemathesis sends generated requests to every operation of the served schema, as ``role``, with
    a fixed seed so CI runs the same cases each time; any 5xx fails with Schemathesis' reproduction."""
    server, tokens = fuzz_server
    st = Path(sys.executable).with_name("st")
    result = subprocess.run(
        [
            str(st),
            "run",
            f"{server.url}/schema/openapi.json",
            "--header",
            f"Authorization: {tokens[role]}",
            "--checks",
            "not_a_server_error",
            "--max-examples",
            "15",
            "--seed",
            "20261201",
            "--generation-deterministic",
            "--workers",
            "1",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
