"""The pull cursor never skips a change that committed late, with concurrent writers (run on PostgreSQL too).

A push is held open on purpose just before its commit (a pause injected into the transaction); other
pushes and pulls run meanwhile. On SQLite a second writer waits for the first's commit; on PostgreSQL a
writer of another planner goes ahead, and pulls stop below the oldest transaction still open
(shared/protocol.py). Either way a pull in between neither sees the uncommitted change nor moves its
cursor past it, and a Hypothesis test drives random interleavings of writers and pulls.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import server.sync.service as sync
from server.core.db import pull_horizon
from shared.protocol import decode_cursor
from tests.server.conftest import World, op, pull_all, push_body, visit


class Gate:
    """Pauses the first push inside its transaction, after its writes and before its commit."""

    def __init__(self) -> None:
        self.reached = asyncio.Event()
        self.release = asyncio.Event()
        self.calls = 0

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        real = sync.audit

        async def paused_audit(*args: Any, **kwargs: Any) -> None:
            await real(*args, **kwargs)
            self.calls += 1
            if self.calls == 1:
                self.reached.set()
                await self.release.wait()

        monkeypatch.setattr(sync, "audit", paused_audit)


class Gates:
    """Pauses each push inside its transaction before its commit, until its device's gate opens."""

    def __init__(self) -> None:
        self.open: dict[str, asyncio.Event] = {}

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        real = sync.audit

        async def paused_audit(
            conn: Any, user_id: Any, action: str, kind: Any, device: Any, *rest: Any
        ) -> None:
            await real(conn, user_id, action, kind, device, *rest)
            gate = self.open.get(str(device))
            if gate is not None:
                await gate.wait()

        monkeypatch.setattr(sync, "audit", paused_audit)


async def still_waiting(task: asyncio.Task[Any], grace: float = 0.5) -> bool:
    """True when ``task`` has not finished after ``grace`` seconds (it is blocked, as it should be)."""
    done, _ = await asyncio.wait({task}, timeout=grace)
    return not done


async def test_pull_cursor_never_skips_a_change_that_committed_late(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    await world.p1.post("/api/sync/push", json=push_body(op("visit", visit(world.a))))
    _, cursor = await pull_all(world.p1)
    start = decode_cursor(cursor)

    # Signed in first: on SQLite a sign-in writes its count, and would wait for the open writer.
    second_client = await world.api.login("p1")
    gate = Gate()
    gate.install(monkeypatch)
    first_id, second_id = str(uuid.uuid4()), str(uuid.uuid4())
    first = asyncio.create_task(
        world.p1.post("/api/sync/push", json=push_body(op("visit", visit(world.a), first_id)))
    )
    await asyncio.wait_for(gate.reached.wait(), timeout=30)
    # The first push has taken its position and written its row, and has not committed.
    second = asyncio.create_task(
        second_client.post(
            "/api/sync/push", json=push_body(op("visit", visit(world.a), second_id), device_id="phone-2")
        )
    )
    assert await still_waiting(second), "a second writer must wait for the first one's commit"

    between = (await world.p1.get("/api/sync/pull", params={"cursor": cursor})).json()
    assert between["changes"] == []
    assert between["cursor"] == cursor, "the cursor moved past a change that had not committed yet"
    staff_between = (await world.s1.get("/api/sync/pull", params={"cursor": cursor})).json()
    assert staff_between["changes"] == []

    gate.release.set()
    assert (await first).status_code == 200
    assert (await second).status_code == 200

    changes, end = await pull_all(world.p1, cursor)
    assert [c["id"] for c in changes] == [first_id, second_id]
    seqs = [c["state"]["seq"] for c in changes]
    assert seqs[0] < seqs[1]
    assert start < decode_cursor(end)


async def test_a_later_writer_of_another_planner_never_lets_a_pull_pass_an_earlier_one_still_open(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """p1's push is held open; p2's starts after it. On PostgreSQL p2's commits at once (writers of other
    planners do not wait), on SQLite it waits; the bureau's pull in between returns neither, and the one
    after p1's commit returns both."""
    _, cursor = await pull_all(world.coord)
    gate = Gate()
    gate.install(monkeypatch)
    first_id, second_id = str(uuid.uuid4()), str(uuid.uuid4())
    first = asyncio.create_task(
        world.p1.post("/api/sync/push", json=push_body(op("visit", visit(world.a), first_id)))
    )
    await asyncio.wait_for(gate.reached.wait(), timeout=30)
    second = asyncio.create_task(
        world.p2.post("/api/sync/push", json=push_body(op("visit", visit(world.b), second_id)))
    )
    if world.api.db.is_sqlite:
        assert await still_waiting(second), "SQLite has one writer at a time"
    else:
        assert (await asyncio.wait_for(second, timeout=30)).status_code == 200
    between = (await world.coord.get("/api/sync/pull", params={"cursor": cursor})).json()
    assert between["changes"] == [] and between["cursor"] == cursor
    gate.release.set()
    assert (await first).status_code == 200 and (await second).status_code == 200
    changes, _ = await pull_all(world.coord, cursor)
    assert [c["id"] for c in changes] == [first_id, second_id]


async def _push_one(client: httpx.AsyncClient, district: int, rid: str, device: str) -> None:
    resp = await client.post(
        "/api/sync/push", json=push_body(op("visit", visit(district), rid), device_id=device)
    )
    assert resp.status_code == 200, resp.text


#: A step of an interleaving: open the gate of writer ``i`` (it commits), or pull from where the last pull
#: ended, as the bureau (sees every planner) or as one planner.
STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("commit"), st.integers(0, 3)),
        st.tuples(st.just("pull"), st.sampled_from(["coord", "p1"])),
    ),
    max_size=10,
)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(writers=st.lists(st.sampled_from(["p1", "p2"]), min_size=1, max_size=4), steps=STEPS)
async def test_no_interleaving_of_open_writers_and_pulls_skips_a_change(
    world: World, monkeypatch: pytest.MonkeyPatch, writers: list[str], steps: list[tuple[str, Any]]
) -> None:
    """Writers (pushes of p1 and p2) held open before their commits are let go in any order, with pulls
    in between; at the end every pull cursor has seen every change of its scope exactly once."""
    # The world persists across examples: each pull starts from where the last example's pulls ended.
    cursors: dict[str, str] = getattr(world, "_cursors", {})
    world._cursors = cursors  # type: ignore[attr-defined]
    for who in ("coord", "p1"):
        if who not in cursors:
            cursors[who] = (await pull_all(getattr(world, who)))[1]
    gates: Gates | None = getattr(world, "_gates", None)
    if gates is None:  # installed once: the examples share the world and the monkeypatch
        gates = world._gates = Gates()  # type: ignore[attr-defined]
        gates.install(monkeypatch)
    seen: dict[str, list[str]] = {"coord": [], "p1": []}
    ids = [str(uuid.uuid4()) for _ in writers]
    tasks, devices = [], []
    for i, who in enumerate(writers):
        device = f"writer-{uuid.uuid4().hex[:8]}"
        devices.append(device)
        gates.open[device] = asyncio.Event()
        district = world.a if who == "p1" else world.b
        tasks.append(asyncio.create_task(_push_one(getattr(world, who), district, ids[i], device)))
        await asyncio.sleep(0.05)  # lets it start (on SQLite the second waits for the first's commit)
    events = [gates.open[d] for d in devices]

    async def pull(who: str) -> None:
        body = (await getattr(world, who).get("/api/sync/pull", params={"cursor": cursors[who]})).json()
        seen[who] += [c["id"] for c in body["changes"]]
        assert decode_cursor(body["cursor"]) >= decode_cursor(cursors[who])
        cursors[who] = body["cursor"]

    for step, arg in steps:
        if step == "commit" and arg < len(events):
            events[arg].set()
            await asyncio.sleep(0.05)
        elif step == "pull":
            await pull(arg)
    for e in events:
        e.set()
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=60)
    for who in ("coord", "p1"):
        changes, cursors[who] = await pull_all(getattr(world, who), cursors[who])
        seen[who] += [c["id"] for c in changes]
    assert sorted(seen["coord"]) == sorted(ids)
    assert sorted(seen["p1"]) == sorted(i for i, who in zip(ids, writers, strict=True) if who == "p1")


async def test_the_same_batch_sent_twice_at_once_is_applied_once(world: World) -> None:
    """A phone that timed out and re-sent while the first request was still running."""
    ops = [op("visit", visit(world.a)) for _ in range(20)]
    other = await world.api.login("p1")
    first, second = await asyncio.gather(
        world.p1.post("/api/sync/push", json=push_body(*ops)),
        other.post("/api/sync/push", json=push_body(*ops)),
    )
    assert (first.status_code, second.status_code) == (200, 200), (first.text, second.text)
    statuses = sorted(
        {r["status"] for r in first.json()["results"]} | {r["status"] for r in second.json()["results"]}
    )
    assert statuses == ["applied", "duplicate"]
    assert await world.api.count("visits") == 20
    assert await world.api.count("applied_ops") == 20
    assert await world.api.count("conflicts") == 0


async def test_a_transaction_left_open_in_another_database_does_not_hold_pulls_back(world: World) -> None:
    """On PostgreSQL the horizon counts only this database's transactions: another application's long
    transaction on the same server delays nothing (on SQLite there is no horizon at all)."""
    from tests.conftest import PG_ENV, _pg_admin_dsn

    db = world.api.db
    if db.is_sqlite:
        async with db.read() as conn:
            assert await pull_horizon(conn) is None
        return
    import os

    import asyncpg

    other = await asyncpg.connect(_pg_admin_dsn(os.environ[PG_ENV]))  # the server's other database
    try:
        async with other.transaction():
            await other.fetchval("SELECT pg_current_xact_id()")  # holds a transaction id, open
            _, cursor = await pull_all(world.p1)
            rid = str(uuid.uuid4())
            await _push_one(world.p1, world.a, rid, "phone-1")
            changes, _ = await pull_all(world.p1, cursor)
            assert [c["id"] for c in changes] == [rid]
    finally:
        await other.close()
