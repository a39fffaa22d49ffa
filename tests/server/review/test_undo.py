"""Undoing a review: the reviewer who decided, within minutes, re-opens the decision; the visit is pending
again for the planner's phone, the audit log keeps both steps, the yearly totals move back. Every refusal
names its field and changes nothing."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from server.core.db import utcnow
from server.sync import totals
from tests.server.conftest import World, op, pull_all, push, visit

PHOTO_REASON = {"reason_code": "verified_by_phone"}


async def _visit(world: World) -> str:
    rid = str(uuid.uuid4())
    [res] = await push(world.p1, op("visit", visit(world.a), rid))
    assert res["status"] == "applied"
    return rid


async def _totals(world: World) -> tuple[int, ...]:
    async with world.api.db.read() as conn:
        row = (
            await conn.execute(
                sa.text(
                    "SELECT visits_confirmed, confirmed_hundredths, visits_pending FROM planner_year_totals"
                    " WHERE planner_id = :p AND year = 2025"
                ),
                {"p": world.p1_id},
            )
        ).one()
        assert await totals.differences(conn, world.api.settings.tz) == []
    return tuple(row)


async def test_a_confirm_undone_within_minutes_puts_the_visit_back_in_the_queue(world: World) -> None:
    rid = await _visit(world)
    before = await _totals(world)
    confirmed = (await world.s1.post(f"/api/visits/{rid}/confirm", json=PHOTO_REASON)).json()
    assert await _totals(world) == (before[0] + 1, before[1] + 150, before[2] - 1)
    _, cursor = await pull_all(world.p1)

    resp = await world.s1.post(f"/api/visits/{rid}/undo", json={"version": confirmed["version"]})
    assert resp.status_code == 200, resp.text
    undone = resp.json()
    assert (undone["version"], undone["state"]["review"], undone["state"]["reason_code"]) == (
        3,
        "pending",
        None,
    )
    assert undone["state"]["reviewed_by"] is None and undone["state"]["confirmed_at"] is None
    assert await _totals(world) == before
    # The planner's phone pulls the visit pending again; staff see it in the queue again.
    [change] = [c for c in (await pull_all(world.p1, cursor))[0] if c["id"] == rid]
    assert (change["version"], change["state"]["review"]) == (3, "pending")
    queue = (await world.s1.get("/api/review/queue")).json()["visits"]
    assert rid in [v["id"] for v in queue]
    async with world.api.db.read() as conn:
        kept_flags = (
            await conn.execute(
                sa.text("SELECT count(*) FROM visit_review_flags WHERE visit_id = :r"), {"r": rid}
            )
        ).scalar_one()
        rows = (
            await conn.execute(
                sa.text(
                    "SELECT user_id, action, before, after FROM audit_log WHERE record_id = :r ORDER BY id"
                ),
                {"r": rid},
            )
        ).all()
    assert kept_flags == 0
    load = lambda v: v if isinstance(v, dict) else json.loads(v)  # noqa: E731
    assert [(r.user_id, r.action) for r in rows] == [
        (world.s1_id, "visit.confirm"),
        (world.s1_id, "visit.undo"),
    ]
    assert (load(rows[1].before)["review"], load(rows[1].after)["review"]) == ("confirmed", "pending")
    assert "no_photo" in load(rows[0].after)["flags"]  # what the confirmation saw stays on record
    # Confirmed again afterwards: the totals count it once.
    again = await world.s1.post(f"/api/visits/{rid}/confirm", json=PHOTO_REASON)
    assert again.status_code == 200 and again.json()["version"] == 4
    assert await _totals(world) == (before[0] + 1, before[1] + 150, before[2] - 1)


async def test_a_reject_undone_is_pending_again_without_its_reason(world: World) -> None:
    rid = await _visit(world)
    rejected = (await world.s1.post(f"/api/visits/{rid}/reject", json={"reason": "缺照片"})).json()
    undone = (await world.s1.post(f"/api/visits/{rid}/undo", json={"version": rejected["version"]})).json()
    assert (undone["state"]["review"], undone["state"]["reject_reason"]) == ("pending", None)
    await _totals(world)


async def _unchanged(world: World, rid: str, version: int, review: str) -> None:
    [change] = [c for c in (await pull_all(world.p1))[0] if c["id"] == rid]
    assert (change["version"], change["state"]["review"]) == (version, review)


async def test_only_the_reviewer_who_decided_may_undo_and_only_for_a_few_minutes(world: World) -> None:
    rid = await _visit(world)
    confirmed = (await world.s1.post(f"/api/visits/{rid}/confirm", json=PHOTO_REASON)).json()
    await world.api.add_user("s1b", "district", (world.a,))
    colleague = await world.api.login("s1b")
    resp = await colleague.post(f"/api/visits/{rid}/undo", json={"version": confirmed["version"]})
    assert (resp.status_code, resp.json()["field"]) == (403, "reviewed_by")
    resp = await world.s2.post(f"/api/visits/{rid}/undo", json={"version": confirmed["version"]})
    assert (resp.status_code, resp.json()["field"]) == (404, "id")  # another district's: not even seen
    for who in (world.p1, world.coord):
        resp = await who.post(f"/api/visits/{rid}/undo", json={"version": confirmed["version"]})
        assert (resp.status_code, resp.json()["field"]) == (403, "role")
    minutes = world.api.settings.review_undo_minutes
    async with world.api.db.write() as conn:
        await conn.execute(
            sa.text("UPDATE visits SET reviewed_at = :t WHERE id = :r"),
            {"t": utcnow() - timedelta(minutes=minutes, seconds=5), "r": rid},
        )
    resp = await world.s1.post(f"/api/visits/{rid}/undo", json={"version": confirmed["version"]})
    assert (resp.status_code, resp.json()["field"]) == (409, "reviewed_at")
    assert f"older than {minutes} minutes" in resp.json()["detail"]
    await _unchanged(world, rid, confirmed["version"], "confirmed")


async def test_an_undo_for_a_visit_that_changed_since_or_was_never_decided_is_refused(world: World) -> None:
    rid = await _visit(world)
    resp = await world.s1.post(f"/api/visits/{rid}/undo", json={"version": 1})
    assert (resp.status_code, resp.json()["field"]) == (409, "review")
    rejected = (await world.s1.post(f"/api/visits/{rid}/reject", json={"reason": "缺照片"})).json()
    # The planner fixed it meanwhile: the rejection is no longer what the visit is.
    [res] = await push(
        world.p1, op("visit", visit(world.a, notes="补充"), rid, base_version=rejected["version"])
    )
    assert res["status"] == "applied"
    resp = await world.s1.post(f"/api/visits/{rid}/undo", json={"version": rejected["version"]})
    assert (resp.status_code, resp.json()["field"]) == (409, "version")
    await _unchanged(world, rid, rejected["version"] + 1, "pending")


@pytest.mark.parametrize("body", [{}, {"version": "two"}, {"version": 0}, {"version": None}, []])
async def test_an_undo_names_the_version_it_undoes(world: World, body: object) -> None:
    rid = await _visit(world)
    await world.s1.post(f"/api/visits/{rid}/confirm", json=PHOTO_REASON)
    resp = await world.s1.post(f"/api/visits/{rid}/undo", json=body)
    assert resp.status_code == 400
    assert resp.json()["field"] == ("body" if isinstance(body, list) else "version")
    await _unchanged(world, rid, 2, "confirmed")


@pytest.mark.parametrize("visit_id", [str(uuid.uuid4()), "not-a-visit", "abc%00"])
async def test_undo_of_an_unknown_visit_is_404(world: World, visit_id: str) -> None:
    resp = await world.s1.post(f"/api/visits/{visit_id}/undo", json={"version": 2})
    assert (resp.status_code, resp.json()["field"]) == (404, "id")
