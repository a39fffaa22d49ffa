"""The yearly per-planner summary: the numbers, who sees which planners, and the local-year boundary."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import httpx
import pytest

from server.app import create_app
from server.core.db import utcnow
from server.core.models import Activity, Attendance
from tests.server.conftest import World, feedback, op, opinion, push, visit


async def _confirmed(
    world: World, client: httpx.AsyncClient, staff: httpx.AsyncClient, district: int, **over: Any
) -> str:
    rid = str(uuid.uuid4())
    [res] = await push(client, op("visit", visit(district, **over), rid))
    assert res["status"] == "applied", res
    resp = await staff.post(f"/api/visits/{rid}/confirm", json={"reason_code": "verified_by_phone"})
    assert resp.status_code == 200, resp.text
    return rid


async def _absence(world: World, planner_id: int, starts_at: str, status: str) -> None:
    t_act, t_att = Activity.__table__, Attendance.__table__
    async with world.api.db.write() as conn:
        activity_id = (
            await conn.execute(
                t_act.insert()
                .values(
                    district_id=world.a,
                    topic="规划宣讲",
                    place="社区",
                    starts_at=datetime.fromisoformat(starts_at),
                    created_by=world.s1_id,
                    created_at=utcnow(),
                )
                .returning(t_act.c.id)
            )
        ).scalar_one()
        await conn.execute(
            t_att.insert().values(
                activity_id=activity_id,
                planner_id=planner_id,
                response="yes",
                status=status,
                reason=None,
                recorded_by=world.s1_id,
                recorded_at=utcnow(),
            )
        )


def _by_name(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["username"]: p for p in body["planners"]}


async def _summary(client: httpx.AsyncClient, year: int | str) -> dict[str, Any]:
    resp = await client.get("/api/summary/planners", params={"year": year})
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


async def test_summary_counts_confirmed_pending_hours_opinions_feedback_and_absences(world: World) -> None:
    # Two confirmed visits in 2025: 1 h 30 min and 1 h 20 min 20 s -> 2.84 hours.
    await _confirmed(world, world.p1, world.s1, world.a)
    await _confirmed(
        world,
        world.p1,
        world.s1,
        world.a,
        started_at="2025-07-01T09:00:00+08:00",
        ended_at="2025-07-01T10:20:20+08:00",
    )
    # Pending: one checked out, one still open. Rejected and deleted visits count nowhere.
    await push(world.p1, op("visit", visit(world.a)), op("visit", visit(world.a, ended_at=None)))
    rejected = str(uuid.uuid4())
    await push(world.p1, op("visit", visit(world.a), rejected))
    await world.s1.post(f"/api/visits/{rejected}/reject", json={"reason": "重复记录"})
    deleted = str(uuid.uuid4())
    await push(world.p1, op("visit", visit(world.a), deleted))
    await push(world.p1, op("visit", None, deleted, base_version=1))
    # A visit of another year.
    await _confirmed(
        world,
        world.p1,
        world.s1,
        world.a,
        started_at="2024-06-01T09:00:00+08:00",
        ended_at="2024-06-01T12:00:00+08:00",
    )
    await push(
        world.p1,
        op("opinion", opinion(world.a)),
        op("opinion", opinion(world.a, issued_at="2024-05-01T10:00:00+08:00")),
        op("feedback", feedback(world.a)),
        op("feedback", feedback(world.a)),
    )
    await _absence(world, world.p1_id, "2025-03-01T09:00:00+08:00", "unexcused")
    await _absence(world, world.p1_id, "2025-04-01T09:00:00+08:00", "unexcused")
    await _absence(world, world.p1_id, "2025-05-01T09:00:00+08:00", "excused")
    await _absence(world, world.p1_id, "2025-06-01T09:00:00+08:00", "attended")
    await _absence(world, world.p1_id, "2024-06-01T09:00:00+08:00", "unexcused")

    body = await _summary(world.coord, 2025)
    assert (body["year"], body["profile"]) == (2025, "chongqing")
    p1 = _by_name(body)["p1"]
    assert p1 == {
        "planner_id": world.p1_id,
        "username": "p1",
        "display_name": "张规划",
        "visits_confirmed": 2,
        "visits_pending": 2,
        "hours_confirmed": 2.84,
        "opinions": 1,
        "feedback": 2,
        "absences_unexcused": 2,
        "visit_target": 10,
    }
    p2 = _by_name(body)["p2"]
    assert (p2["visits_confirmed"], p2["visits_pending"], p2["hours_confirmed"], p2["opinions"]) == (
        0,
        0,
        0.0,
        0,
    )
    p1_2024 = _by_name(await _summary(world.coord, 2024))["p1"]
    assert (
        p1_2024["visits_confirmed"],
        p1_2024["hours_confirmed"],
        p1_2024["opinions"],
        p1_2024["absences_unexcused"],
    ) == (1, 3.0, 1, 1)


async def test_a_visit_belongs_to_the_year_it_started_in_asia_shanghai(world: World) -> None:
    # 2025-12-31T15:30Z: still 2025 in Shanghai.
    await _confirmed(
        world,
        world.p1,
        world.s1,
        world.a,
        started_at="2025-12-31T23:30:00+08:00",
        ended_at="2026-01-01T00:45:00+08:00",
    )
    # 2025-12-31T16:30Z: already 2026 in Shanghai, though still 2025 in UTC.
    await _confirmed(
        world,
        world.p1,
        world.s1,
        world.a,
        started_at="2026-01-01T00:30:00+08:00",
        ended_at="2026-01-01T01:00:00+08:00",
    )
    y2025 = _by_name(await _summary(world.p1, 2025))["p1"]
    y2026 = _by_name(await _summary(world.p1, 2026))["p1"]
    assert (y2025["visits_confirmed"], y2025["hours_confirmed"]) == (1, 1.25)
    assert (y2026["visits_confirmed"], y2026["hours_confirmed"]) == (1, 0.5)


async def test_the_year_bound_is_exact_to_the_instant(world: World) -> None:
    await _confirmed(
        world,
        world.p1,
        world.s1,
        world.a,
        started_at="2025-12-31T23:59:59.999+08:00",
        ended_at="2026-01-01T00:30:00+08:00",
    )
    await _confirmed(
        world,
        world.p1,
        world.s1,
        world.a,
        started_at="2026-01-01T00:00:00+08:00",
        ended_at="2026-01-01T00:30:00+08:00",
    )
    await _confirmed(
        world,
        world.p1,
        world.s1,
        world.a,
        started_at="2026-12-31T15:59:59.5Z",
        ended_at="2026-12-31T16:30:00Z",
    )
    await _confirmed(
        world, world.p1, world.s1, world.a, started_at="2026-12-31T16:00:00Z", ended_at="2026-12-31T16:30:00Z"
    )
    counts = {y: _by_name(await _summary(world.p1, y))["p1"]["visits_confirmed"] for y in (2025, 2026, 2027)}
    assert counts == {2025: 1, 2026: 2, 2027: 1}


async def test_summary_scoping_by_role(world: World) -> None:
    everyone = {"p1", "p2"}
    assert set(_by_name(await _summary(world.coord, 2025))) == everyone
    assert set(_by_name(await _summary(world.admin, 2025))) == everyone
    assert set(_by_name(await _summary(world.s1, 2025))) == {"p1"}
    assert set(_by_name(await _summary(world.s2, 2025))) == {"p2"}
    assert set(_by_name(await _summary(world.p1, 2025))) == {"p1"}
    assert set(_by_name(await _summary(world.p2, 2025))) == {"p2"}


async def test_pingdingshan_has_no_visit_target(world: World) -> None:
    settings = world.api.settings
    from dataclasses import replace

    app = create_app(replace(settings, profile_name="pingdingshan"))
    try:
        token = world.p1.headers["Authorization"]
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://fieldlog",
            headers={"Authorization": token},
        ) as client:
            body = await _summary(client, 2025)
        assert body["profile"] == "pingdingshan"
        assert body["planners"][0]["visit_target"] is None
    finally:
        await app.state.db.dispose()


@pytest.mark.parametrize("year", ["", "twenty", "1999", "2101", "2025.5"])
async def test_a_bad_year_is_400_naming_year(world: World, year: str) -> None:
    resp = await world.coord.get("/api/summary/planners", params={"year": year})
    assert resp.status_code == 400
    assert resp.json()["field"] == "year"


async def test_a_missing_year_is_400_naming_year(world: World) -> None:
    resp = await world.coord.get("/api/summary/planners")
    assert resp.status_code == 400
    assert resp.json()["field"] == "year"


async def test_summary_hours_are_the_sum_of_each_visits_shown_hours(world: World) -> None:
    # Three visits of 1 min 3 s each: every one shows 0.02 h, so the year shows 0.06 h (the raw 189 s
    # would round to 0.05 h). The planner's phone, the dashboard and the reports add the shown hours too.
    for day in (2, 3, 4):
        await _confirmed(
            world,
            world.p1,
            world.s1,
            world.a,
            started_at=f"2025-03-0{day}T09:00:00+08:00",
            ended_at=f"2025-03-0{day}T09:01:03+08:00",
        )
    body = (await world.coord.get("/api/summary/planners", params={"year": "2025"})).json()
    assert _by_name(body)["p1"]["hours_confirmed"] == 0.06
    dashboard = (await world.coord.get("/api/dashboard", params={"year": "2025"})).json()
    [row] = [p for p in dashboard["planners"] if p["username"] == "p1"]
    assert row["hours_confirmed"] == 0.06
