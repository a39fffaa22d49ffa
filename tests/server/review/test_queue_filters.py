"""The review queue as staff sort and narrow it: newest first by when the visits happened, by planner, by
days (the deployment's local dates) and by flag; every page of a narrowed queue holds each visit once."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.server.conftest import World, op, push, visit


async def _visits(world: World) -> dict[str, str]:
    """Five visits in district A (p1, and a second planner there), named by what sets them apart."""
    await world.api.add_user("p3", "planner", (world.a,), display_name="王规划")
    p3 = await world.api.login("p3")
    spec = {
        # 00:30 in Chongqing on 1 June is still 31 May in UTC: the local date is what counts.
        "june1_early": (
            world.p1,
            {"started_at": "2025-06-01T00:30:00+08:00", "ended_at": "2025-06-01T02:00:00+08:00"},
        ),
        "june3": (
            world.p1,
            {"started_at": "2025-06-03T09:00:00+08:00", "ended_at": "2025-06-03T10:30:00+08:00"},
        ),
        "june5_short": (
            world.p1,
            {"started_at": "2025-06-05T09:00:00+08:00", "ended_at": "2025-06-05T09:05:00+08:00"},
        ),
        "june2_p3": (
            p3,
            {"started_at": "2025-06-02T09:00:00+08:00", "ended_at": "2025-06-02T10:30:00+08:00"},
        ),
        "may31": (
            world.p1,
            {"started_at": "2025-05-31T22:00:00+08:00", "ended_at": "2025-05-31T23:30:00+08:00"},
        ),
    }
    ids = {}
    for name, (client, over) in spec.items():
        rid = str(uuid.uuid4())
        [res] = await push(client, op("visit", visit(world.a, **over), rid))
        assert res["status"] == "applied"
        ids[name] = rid
    return ids


async def _queue(world: World, **params: Any) -> list[str]:
    resp = await world.s1.get("/api/review/queue", params=params)
    assert resp.status_code == 200, resp.text
    return [v["id"] for v in resp.json()["visits"]]


async def test_newest_first_follows_when_the_visits_happened(world: World) -> None:
    ids = await _visits(world)
    newest = await _queue(world, order="newest")
    assert newest == [ids[n] for n in ("june5_short", "june3", "june2_p3", "june1_early", "may31")]
    # As they arrived is still the default.
    assert await _queue(world) == list(ids.values())


async def test_the_queue_narrows_to_a_planner_and_to_local_days(world: World) -> None:
    ids = await _visits(world)
    only_p1 = await _queue(world, order="newest", planner_id=world.p1_id)
    assert ids["june2_p3"] not in only_p1 and len(only_p1) == 4
    june_1_to_2 = await _queue(world, order="newest", since="2025-06-01", until="2025-06-02")
    assert june_1_to_2 == [ids["june2_p3"], ids["june1_early"]]
    assert await _queue(world, since="2025-06-05") == [ids["june5_short"]]
    assert await _queue(world, until="2025-05-31") == [ids["may31"]]


async def test_the_queue_narrows_to_a_flag_and_each_page_holds_each_visit_once(world: World) -> None:
    ids = await _visits(world)
    # None of them has a photo (no_photo); the five-minute one is also too short.
    assert await _queue(world, flag="too_short") == [ids["june5_short"]]
    assert len(await _queue(world, flag="any")) == 5
    assert await _queue(world, flag="none") == []
    assert await _queue(world, flag="no_photo", order="newest") == await _queue(world, order="newest")
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"order": "newest", "flag": "no_photo", "limit": 2}
        if cursor:
            params["cursor"] = cursor
        body = (await world.s1.get("/api/review/queue", params=params)).json()
        seen += [v["id"] for v in body["visits"]]
        cursor = body["next_cursor"]
        if not body["has_more"]:
            break
    assert seen == await _queue(world, order="newest")


async def test_a_narrow_flag_pages_through_a_longer_queue_without_skipping(world: World) -> None:
    ids = await _visits(world)
    body = (await world.s1.get("/api/review/queue", params={"flag": "too_short", "limit": 1})).json()
    assert [v["id"] for v in body["visits"]] == [ids["june5_short"]] and not body["has_more"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"order": "sideways"}, "order"),
        ({"flag": "purple"}, "flag"),
        ({"since": "2025-13-01"}, "since"),
        ({"until": "yesterday"}, "until"),
        ({"since": "2025-06-05", "until": "2025-06-01"}, "until"),
        ({"planner_id": "p1"}, "planner_id"),
        ({"order": "newest", "cursor": "not-a-cursor"}, "cursor"),
        ({"order": "newest", "cursor": "2025-06-01T09:00:00|nope"}, "cursor"),
        ({"cursor": "-3"}, "cursor"),
    ],
)
async def test_a_queue_asked_for_wrongly_is_400_naming_the_parameter(
    world: World, params: dict[str, str], field: str
) -> None:
    resp = await world.s1.get("/api/review/queue", params=params)
    assert resp.status_code == 400, resp.text
    assert resp.json()["field"] == field
