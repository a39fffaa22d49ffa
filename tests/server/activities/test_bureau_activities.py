"""CQ-11 counts absences from the bureau's own meetings and trainings too: a coordinator creates one (it has
no district), invites planners of any district, records their attendance, and the absences count."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.server.conftest import World, pull_all
from tests.server.world import YEAR, make_api


async def _meeting(w: World, day: int, planner_ids: list[int]) -> int:
    resp = await w.coord.post(
        "/api/activities",
        json={
            "topic": f"全市规划师培训{day}",
            "place": "市局二楼",
            "starts_at": f"{YEAR}-04-{day:02d}T14:00:00+08:00",
            "planner_ids": planner_ids,
        },
    )
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert (body["district_id"], body["held_by"]) == (None, "bureau")
    return int(body["id"])


@pytest.mark.parametrize("profile", ["chongqing", "pingdingshan"])
async def test_cq11_absences_from_the_bureaus_own_meetings_count(
    db_url: str, tmp_path: Path, profile: str
) -> None:
    async with make_api(db_url, tmp_path, profile) as api:
        w = await World(api).build()
        ids = [await _meeting(w, day, [w.p1_id, w.p2_id]) for day in (3, 10, 17)]
        for activity in ids:
            resp = await w.coord.post(
                f"/api/activities/{activity}/attendance", json={"planner_id": w.p1_id, "status": "unexcused"}
            )
            assert resp.status_code == 200, resp.text
        # Staff neither see nor record the bureau's meetings.
        assert (
            await w.s1.post(
                f"/api/activities/{ids[0]}/attendance", json={"planner_id": w.p1_id, "status": "attended"}
            )
        ).status_code == 404
        assert (await w.s1.get(f"/api/activities/{ids[0]}")).status_code == 404
        changes, _ = await pull_all(w.p2)
        invitations = [c for c in changes if c["kind"] == "invitation"]
        assert len(invitations) == 3 and invitations[0]["data"]["district_id"] is None
        summary = (await w.coord.get("/api/summary/planners", params={"year": YEAR})).json()["planners"]
        assert {p["planner_id"]: p["absences_unexcused"] for p in summary}[w.p1_id] == 3
        alerts = (await w.coord.get("/api/alerts", params={"year": YEAR})).json()["alerts"]
        warned = [a for a in alerts if a["code"] == "absence_warning" and a["planner_id"] == w.p1_id]
        if profile == "chongqing":
            assert [a["params"]["reason"] for a in warned] == ["consecutive"]
        else:
            assert warned == []  # Pingdingshan sets no absence rule


async def test_the_bureaus_meeting_has_no_district_and_staff_hold_only_their_own(world: World) -> None:
    w = world
    in_district = await w.coord.post(
        "/api/activities",
        json={"district_id": w.a, "topic": "会", "starts_at": f"{YEAR}-04-01T09:00:00+08:00"},
    )
    assert in_district.status_code == 403 and in_district.json()["field"] == "district_id"
    stranger = await w.coord.post(
        "/api/activities",
        json={"topic": "会", "starts_at": f"{YEAR}-04-01T09:00:00+08:00", "planner_ids": [w.s1_id]},
    )
    assert stranger.status_code == 400 and stranger.json()["field"] == "planner_ids"
    huge = await w.coord.post(
        "/api/activities",
        json={"topic": "会", "starts_at": f"{YEAR}-04-01T09:00:00+08:00", "planner_ids": [2**40]},
    )
    assert huge.status_code == 400 and huge.json()["field"] == "planner_ids"
    planner = await w.p1.post(
        "/api/activities", json={"topic": "会", "starts_at": f"{YEAR}-04-01T09:00:00+08:00"}
    )
    assert planner.status_code == 403
    assert await w.api.count("activities") == 0
