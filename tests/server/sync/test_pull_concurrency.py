"""The pull cursor never skips a change that committed late, with concurrent writers (run on PostgreSQL too).

A push is held open on purpose just before its commit (a pause injected into the transaction); a second
push and a pull run meanwhile. With one change sequence whose counter row stays locked until commit, the
second writer cannot take a number until the first commits, and the pull in between neither sees the
uncommitted change nor moves its cursor past it.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest

import server.sync.service as sync
from server.core.db import take_seq
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

    gate = Gate()
    gate.install(monkeypatch)
    first_id, second_id = str(uuid.uuid4()), str(uuid.uuid4())
    first = asyncio.create_task(
        world.p1.post("/api/sync/push", json=push_body(op("visit", visit(world.a), first_id)))
    )
    await asyncio.wait_for(gate.reached.wait(), timeout=30)
    # The first push has taken its sequence number and written its row, and has not committed.
    second_client = await world.api.login("p1")
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
    assert start < seqs[0] < seqs[1] == decode_cursor(end)


async def test_a_writer_holds_the_sequence_until_it_commits(world: World) -> None:
    """At the SQL level: a second transaction's number waits for the first's commit, and follows it."""
    db = world.api.db
    got_second: list[int] = []

    async def second_writer() -> None:
        async with db.write() as conn:
            got_second.append(await take_seq(conn))

    async with db.write() as conn:
        first = await take_seq(conn)
        task = asyncio.create_task(second_writer())
        assert await still_waiting(task)
        assert got_second == []
    await asyncio.wait_for(task, timeout=30)
    assert got_second == [first + 1]


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
