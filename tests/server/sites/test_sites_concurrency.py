"""The sites cursor never skips a site whose record committed late (run on PostgreSQL too).

A push is held open just before its commit; a sites fetch meanwhile neither shows its site nor moves the
cursor past it, and the next fetch after the commit brings it. On PostgreSQL curators of different
districts do not wait for each other, and one still open holds the cursor back without losing its change.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import sqlalchemy as sa

import server.sites.service as sites_service
from server.core.models import Visit, table_of
from shared.protocol import Position, decode_cursor
from tests.server.conftest import World, op, push, push_body, visit
from tests.server.sync.test_pull_concurrency import Gate, still_waiting


async def test_the_sites_cursor_never_passes_a_visit_that_committed_late(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    await push(world.p1, op("visit", visit(world.a, site="早到的工地")))
    first = (await world.p1.get("/api/sites")).json()
    assert [s["name"] for s in first["sites"]] == ["早到的工地"]

    gate = Gate()
    gate.install(monkeypatch)
    late_op = op("visit", visit(world.a, site="晚到的工地"))
    late = asyncio.create_task(world.p1.post("/api/sync/push", json=push_body(late_op)))
    await asyncio.wait_for(gate.reached.wait(), timeout=30)
    between = (await world.p1.get("/api/sites", params={"cursor": first["cursor"]})).json()
    assert between["sites"] == []
    held = decode_cursor(between["cursor"])
    assert held >= decode_cursor(first["cursor"])

    gate.release.set()
    assert (await late).status_code == 200
    visits = table_of(Visit)
    async with world.api.db.read() as conn:
        row = (
            await conn.execute(sa.select(visits.c.txid, visits.c.seq).where(visits.c.id == late_op["id"]))
        ).one()
    assert held < Position(row.txid, row.seq), "the cursor moved past a change that had not committed yet"
    after = (await world.p1.get("/api/sites", params={"cursor": between["cursor"]})).json()
    assert [(s["name"], s["state"]) for s in after["sites"]] == [("晚到的工地", "live")]
    assert after["counts"] == {str(world.a): 2}


class CuratorGate:
    """Pauses the first curation inside its transaction, after its write and before its commit."""

    def __init__(self) -> None:
        self.reached = asyncio.Event()
        self.release = asyncio.Event()
        self.calls = 0

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        real = sites_service.audit

        async def paused_audit(*args: Any, **kwargs: Any) -> None:
            await real(*args, **kwargs)
            self.calls += 1
            if self.calls == 1:
                self.reached.set()
                await self.release.wait()

        monkeypatch.setattr(sites_service, "audit", paused_audit)


async def test_a_curation_still_open_holds_the_cursor_back_and_loses_nothing(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """s1 adds a site in A and stays open; s2 adds one in B meanwhile. On PostgreSQL s2 commits at once
    (another district's curators do not queue), on SQLite it waits; the bureau's fetch in between returns
    neither, and the one after s1's commit returns both."""
    start = (await world.coord.get("/api/sites")).json()
    gate = CuratorGate()
    gate.install(monkeypatch)
    first = asyncio.create_task(
        world.s1.post("/api/sites", json={"district_id": world.a, "kind": "site", "name": "甲工地"})
    )
    await asyncio.wait_for(gate.reached.wait(), timeout=30)
    second = asyncio.create_task(
        world.s2.post("/api/sites", json={"district_id": world.b, "kind": "site", "name": "乙工地"})
    )
    if world.api.db.is_sqlite:
        assert await still_waiting(second), "SQLite has one writer at a time"
    else:
        assert (await asyncio.wait_for(second, timeout=30)).status_code in (200, 201)

    between = (await world.coord.get("/api/sites", params={"cursor": start["cursor"]})).json()
    assert between["sites"] == []

    gate.release.set()
    assert (await first).status_code in (200, 201)
    assert (await second).status_code in (200, 201)
    after = (await world.coord.get("/api/sites", params={"cursor": between["cursor"]})).json()
    assert sorted(s["name"] for s in after["sites"]) == ["乙工地", "甲工地"]
    assert after["counts"] == {str(world.a): 1, str(world.b): 1}
