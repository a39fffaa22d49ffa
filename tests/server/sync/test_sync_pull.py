"""Pull: what each role sees, review state travelling back to the planner, cursors and paging."""

from __future__ import annotations

import uuid

import pytest

from shared.protocol import decode_cursor, encode_cursor
from tests.server.conftest import World, feedback, op, opinion, pull_all, push, visit


async def test_pull_returns_the_planners_own_records_with_server_state(world: World) -> None:
    rid = str(uuid.uuid4())
    await push(world.p1, op("visit", visit(world.a), rid), op("opinion", opinion(world.a)))
    await push(world.p2, op("feedback", feedback(world.b)))
    changes, _ = await pull_all(world.p1)
    assert [c["kind"] for c in changes] == ["visit", "opinion"]
    v = changes[0]
    assert (v["id"], v["version"], v["deleted"]) == (rid, 1, False)
    assert v["data"]["site"] == "解放碑社区"
    assert v["state"]["review"] == "pending"
    assert v["state"]["hours"] == 1.5
    assert v["state"]["reject_reason"] is None


async def test_pull_returns_the_confirmation_to_the_planner(world: World) -> None:
    rid = str(uuid.uuid4())
    await push(world.p1, op("visit", visit(world.a), rid))
    _, cursor = await pull_all(world.p1)
    resp = await world.s1.post(
        f"/api/visits/{rid}/confirm", json={"reason_code": "verified_by_phone", "note": "核实"}
    )
    assert resp.status_code == 200
    changes, cursor2 = await pull_all(world.p1, cursor)
    assert len(changes) == 1
    c = changes[0]
    assert (c["id"], c["version"]) == (rid, 2)
    assert c["state"]["review"] == "confirmed"
    assert c["state"]["confirmed_at"]
    assert c["state"]["reviewed_by"] == world.s1_id
    assert c["state"]["reason_code"] == "verified_by_phone"
    assert decode_cursor(cursor2) > decode_cursor(cursor)


async def test_pull_returns_the_rejection_and_its_reason(world: World) -> None:
    rid = str(uuid.uuid4())
    await push(world.p1, op("visit", visit(world.a), rid))
    _, cursor = await pull_all(world.p1)
    await world.s1.post(f"/api/visits/{rid}/reject", json={"reason": "照片与地点不符"})
    [c], _ = await pull_all(world.p1, cursor)
    assert (c["state"]["review"], c["state"]["reject_reason"]) == ("rejected", "照片与地点不符")


async def test_staff_pull_the_records_of_their_districts_and_coordinators_all(world: World) -> None:
    await push(world.p1, op("visit", visit(world.a)), op("feedback", feedback(world.a)))
    await push(world.p2, op("opinion", opinion(world.b)))
    s1, _ = await pull_all(world.s1)
    s2, _ = await pull_all(world.s2)
    coord, _ = await pull_all(world.coord)
    assert sorted(c["kind"] for c in s1) == ["feedback", "visit"]
    assert [c["kind"] for c in s2] == ["opinion"]
    assert len(coord) == 3
    assert {c["state"]["planner_id"] for c in coord} == {world.p1_id, world.p2_id}


async def test_pull_pages_in_sequence_order_without_gaps_or_repeats(world: World) -> None:
    ids = [str(uuid.uuid4()) for _ in range(7)]
    kinds = ["visit", "opinion", "feedback"]
    makers = {"visit": visit, "opinion": opinion, "feedback": feedback}
    for i, rid in enumerate(ids):
        kind = kinds[i % 3]
        await push(world.p1, op(kind, makers[kind](world.a), rid))
    seen: list[str] = []
    cursor = ""
    pages = 0
    while True:
        resp = await world.p1.get("/api/sync/pull", params={"cursor": cursor, "limit": 2})
        body = resp.json()
        assert len(body["changes"]) <= 2
        seen.extend(c["id"] for c in body["changes"])
        cursor = body["cursor"]
        pages += 1
        if not body["has_more"]:
            break
    assert seen == ids
    assert pages == 4
    again = (await world.p1.get("/api/sync/pull", params={"cursor": cursor})).json()
    assert again == {"changes": [], "cursor": cursor, "has_more": False}


async def test_every_change_to_a_record_moves_it_to_the_end_of_the_sequence(world: World) -> None:
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    await push(world.p1, op("visit", visit(world.a), first), op("visit", visit(world.a), second))
    _, cursor = await pull_all(world.p1)
    await push(world.p1, op("visit", visit(world.a, site="改"), first, base_version=1))
    changes, _ = await pull_all(world.p1, cursor)
    assert [(c["id"], c["version"]) for c in changes] == [(first, 2)]


@pytest.mark.parametrize("cursor", ["garbage!", encode_cursor(5)[:-1] + "*", "YWJj"])
async def test_a_bad_cursor_is_400_naming_cursor(world: World, cursor: str) -> None:
    resp = await world.p1.get("/api/sync/pull", params={"cursor": cursor})
    assert resp.status_code == 400
    assert resp.json()["field"] == "cursor"


@pytest.mark.parametrize("limit", ["0", "-1", "1001", "ten"])
async def test_a_bad_limit_is_400_naming_limit(world: World, limit: str) -> None:
    resp = await world.p1.get("/api/sync/pull", params={"limit": limit})
    assert resp.status_code == 400
    assert resp.json()["field"] == "limit"
