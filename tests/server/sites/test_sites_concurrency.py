"""The sites cursor never skips a site whose record committed late (run on PostgreSQL too).

A push is held open just before its commit; a sites fetch meanwhile neither shows its site nor moves the
cursor past it, and the next fetch after the commit brings it.
"""

from __future__ import annotations

import asyncio

import pytest

from shared.protocol import decode_cursor
from tests.server.conftest import World, op, push, push_body, visit
from tests.server.sync.test_pull_concurrency import Gate


async def test_the_sites_cursor_never_passes_a_visit_that_committed_late(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    await push(world.p1, op("visit", visit(world.a, site="早到的工地")))
    first = (await world.p1.get("/api/sites")).json()
    assert [s["name"] for s in first["sites"]] == ["早到的工地"]

    gate = Gate()
    gate.install(monkeypatch)
    late = asyncio.create_task(
        world.p1.post("/api/sync/push", json=push_body(op("visit", visit(world.a, site="晚到的工地"))))
    )
    await asyncio.wait_for(gate.reached.wait(), timeout=30)
    between = (await world.p1.get("/api/sites", params={"cursor": first["cursor"]})).json()
    assert between["sites"] == []
    assert decode_cursor(between["cursor"]) == decode_cursor(first["cursor"])

    gate.release.set()
    assert (await late).status_code == 200
    after = (await world.p1.get("/api/sites", params={"cursor": between["cursor"]})).json()
    assert [(s["name"], s["state"]) for s in after["sites"]] == [("晚到的工地", "live")]
    assert after["counts"] == {str(world.a): 2}
