"""Confirming and rejecting visits: who may, what it locks, and the audit trail."""

from __future__ import annotations

import json
import uuid

import pytest
import sqlalchemy as sa

from tests.server.conftest import World, op, pull_all, push, visit


async def _visit(world: World, **over: object) -> str:
    rid = str(uuid.uuid4())
    [res] = await push(world.p1, op("visit", visit(world.a, **over), rid))
    assert res["status"] == "applied"
    return rid


async def test_staff_confirm_a_visit_of_their_district(world: World) -> None:
    rid = await _visit(world)
    resp = await world.s1.post(f"/api/visits/{rid}/confirm", json={"reason_code": "verified_by_phone"})
    assert resp.status_code == 200
    body = resp.json()
    assert (body["id"], body["version"], body["state"]["review"]) == (rid, 2, "confirmed")


async def test_a_flagged_visit_confirmed_without_a_body_names_reason_code(world: World) -> None:
    rid = await _visit(world)  # no photo: flagged
    resp = await world.s1.post(f"/api/visits/{rid}/confirm")
    assert resp.status_code == 422
    assert resp.json()["field"] == "reason_code"


async def test_staff_cannot_confirm_outside_their_district(world: World) -> None:
    rid = await _visit(world)
    for path in (f"/api/visits/{rid}/confirm", f"/api/visits/{rid}/reject"):
        resp = await world.s2.post(path, json={"reason": "不是我的区"})
        assert resp.status_code == 404
    changes, _ = await pull_all(world.p1)
    assert changes[-1]["state"]["review"] == "pending"
    assert changes[-1]["version"] == 1


async def test_a_planner_cannot_confirm_their_own_visit(world: World) -> None:
    rid = await _visit(world)
    resp = await world.p1.post(f"/api/visits/{rid}/confirm", json={})
    assert resp.status_code == 403
    resp = await world.p2.post(f"/api/visits/{rid}/confirm", json={})
    assert resp.status_code == 404  # someone else's visit: not even its existence is shown
    changes, _ = await pull_all(world.p1)
    assert changes[-1]["state"]["review"] == "pending"


@pytest.mark.parametrize("who", ["coord", "admin"])
async def test_coordinators_and_admins_do_not_confirm(world: World, who: str) -> None:
    rid = await _visit(world)
    resp = await getattr(world, who).post(f"/api/visits/{rid}/confirm", json={})
    assert resp.status_code == 403
    assert resp.json()["field"] == "role"


@pytest.mark.parametrize("visit_id", [str(uuid.uuid4()), "not-a-visit", "abc%00", str(uuid.uuid4()).upper()])
@pytest.mark.parametrize("action", ["confirm", "reject"])
async def test_an_unknown_visit_is_404(world: World, visit_id: str, action: str) -> None:
    resp = await world.s1.post(f"/api/visits/{visit_id}/{action}", json={"reason": "不清楚"})
    assert resp.status_code == 404, resp.text
    assert resp.json()["field"] == "id"


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}, {"reason": None}])
async def test_reject_needs_a_reason(world: World, body: dict[str, object]) -> None:
    rid = await _visit(world)
    resp = await world.s1.post(f"/api/visits/{rid}/reject", json=body)
    assert resp.status_code == 400
    assert resp.json()["field"] == "reason"


async def test_a_reject_reason_with_a_nul_character_is_400_naming_reason_and_the_visit_stays_pending(
    world: World,
) -> None:
    rid = await _visit(world)
    resp = await world.s1.post(f"/api/visits/{rid}/reject", json={"reason": "缺照片\x00"})
    assert resp.status_code == 400, resp.text
    assert resp.json()["field"] == "reason"
    [change] = [c for c in (await pull_all(world.p1))[0] if c["id"] == rid]
    assert change["state"]["review"] == "pending"


async def test_an_open_visit_cannot_be_confirmed(world: World) -> None:
    rid = await _visit(world, ended_at=None)
    resp = await world.s1.post(f"/api/visits/{rid}/confirm", json={})
    assert resp.status_code == 409
    assert resp.json()["field"] == "ended_at"


async def test_a_confirmed_visit_is_locked_against_planner_edits(world: World) -> None:
    rid = await _visit(world)
    await world.s1.post(f"/api/visits/{rid}/confirm", json={"reason_code": "verified_by_phone"})
    [res] = await push(world.p1, op("visit", visit(world.a, site="改地点"), rid, base_version=2))
    assert res["status"] == "conflict"


async def test_reviews_are_written_to_the_audit_log(world: World) -> None:
    rid = await _visit(world)
    await world.s1.post(f"/api/visits/{rid}/reject", json={"reason": "缺照片"})
    await world.s1.post(f"/api/visits/{rid}/confirm", json={"reason_code": "other", "note": "补齐了"})
    async with world.api.db.read() as conn:
        rows = (
            await conn.execute(
                sa.text(
                    "SELECT user_id, action, kind, record_id, before, after, at FROM audit_log"
                    " WHERE record_id = :r ORDER BY id"
                ),
                {"r": rid},
            )
        ).all()
    assert [(r.user_id, r.action, r.kind) for r in rows] == [
        (world.s1_id, "visit.reject", "visit"),
        (world.s1_id, "visit.confirm", "visit"),
    ]
    load = lambda v: v if isinstance(v, dict) else json.loads(v)  # noqa: E731
    reject_before, reject_after = load(rows[0].before), load(rows[0].after)
    assert (reject_before["review"], reject_after["review"], reject_after["reject_reason"]) == (
        "pending",
        "rejected",
        "缺照片",
    )
    assert (load(rows[1].before)["review"], load(rows[1].after)["review"]) == ("rejected", "confirmed")
    assert all(r.at is not None for r in rows)


async def test_confirming_twice_changes_nothing_the_second_time(world: World) -> None:
    rid = await _visit(world)
    first = (
        await world.s1.post(f"/api/visits/{rid}/confirm", json={"reason_code": "verified_by_phone"})
    ).json()
    _, cursor = await pull_all(world.p1)
    second = (await world.s1.post(f"/api/visits/{rid}/confirm", json={})).json()
    assert second["version"] == first["version"] == 2
    changes, _ = await pull_all(world.p1, cursor)
    assert changes == []


@pytest.mark.parametrize("opinion_id", ["not-an-opinion", "abc%00", str(uuid.uuid4()).upper()])
async def test_an_opinion_id_no_record_can_have_is_404_for_follow_up_and_its_document(
    world: World, opinion_id: str
) -> None:
    follow = await world.s1.post(
        f"/api/opinions/{opinion_id}/follow-up", json={"adoption": "adopted", "quality": 4}
    )
    document = await world.coord.get(f"/api/reports/opinions/{opinion_id}.docx")
    assert (follow.status_code, document.status_code) == (404, 404), (follow.text, document.text)
    assert follow.json()["field"] == document.json()["field"] == "id"


async def test_a_planner_whose_area_was_cleared_still_has_their_visits_in_the_review_queue(
    world: World,
) -> None:
    area = {"center": [29.5630, 106.5516], "radius_m": 3000}
    for body in ({"responsibility_area": area}, {"responsibility_area": None}):
        resp = await world.coord.put(f"/api/planners/{world.p1_id}", json=body)
        assert resp.status_code == 200, resp.text
    rid = await _visit(world, lat=30.0, lon=107.0)
    resp = await world.s1.get("/api/review/queue")
    assert resp.status_code == 200, resp.text
    [queued] = resp.json()["visits"]
    # No area is no area: the visit far away is not flagged as outside one.
    assert queued["id"] == rid and "outside_area" not in queued["flags"]
