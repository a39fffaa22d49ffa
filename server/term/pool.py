"""The pool (资源库) for the bureau: candidates and their data, eligibility (PDS-3, CQ-2), the review, the
public notice and its objections (PDS-4), removal (PDS-6), and the upkeep lists (PDS-5): members with no
service for a long time, and the specialties open requests need that the pool lacks.

Every write is audited; a refused write stores nothing. Where a candidate stands is computed when read
(`server.term.status`).
"""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from server.appraisal.data import local_today
from server.core.access import require_role
from server.core.audit import audit
from server.core.auth import BUREAU, PLANNER, CurrentUser
from server.core.db import Database, utcnow
from server.core.errors import ApiError, bad_request, not_found
from server.core.models import (
    Activity,
    Attendance,
    Feedback,
    Opinion,
    User,
    Visit,
    pool_candidates,
    pool_objections,
    table_of,
)
from server.core.parsing import body_object
from server.core.settings import Settings
from server.term import forms, status
from server.term.data import CandidateView, Pool, load_pool, load_requests, request_status, user_names
from server.term.dispatch import dispatched, end_service, locked, member_of
from server.term.ranking import exclusion
from server.term.views import candidate_json, candidate_names, objection_json
from shared import term as vocab
from shared.profiles import Profile
from shared.rules import ATTENDED

_users = table_of(User)

CANDIDATE_FIELDS = (
    "name",
    "applied_on",
    "organisation",
    "contact",
    "user_id",
    "degree",
    "degree_field",
    "title",
    "registered_planner",
    "practising_qualification",
    "years_in_field",
    "specialties",
    "local_familiarity",
    "violations",
)


def parse_candidate(body: Any, today: date, *, partial: bool) -> dict[str, Any]:
    """The candidate's data from a body; every field is checked (a partial body only those it has)."""
    body = body_object(body)
    forms.only(body, CANDIDATE_FIELDS)
    out: dict[str, Any] = {}

    def has(name: str) -> bool:
        return not partial or name in body

    if has("name"):
        out["name"] = forms.text(body, "name", required=True, max_len=200)
    if has("applied_on"):
        out["applied_on"] = (
            forms.day(body.get("applied_on"), "applied_on", required=False, not_after=today) or today
        )
    for name in ("organisation", "contact"):
        if name in body:
            out[name] = forms.text(body, name, max_len=200)
    if "user_id" in body:
        out["user_id"] = forms.whole(body["user_id"], "user_id", lo=1, hi=2**31 - 1, required=False)
    if has("degree"):
        out["degree"] = forms.code(body.get("degree"), "degree", vocab.DEGREES)
    if has("degree_field"):
        out["degree_field"] = forms.code(body.get("degree_field"), "degree_field", vocab.DEGREE_FIELDS)
    if has("title"):
        out["title"] = forms.code(body.get("title"), "title", vocab.TITLES)
    if has("registered_planner"):
        out["registered_planner"] = forms.flag(
            body.get("registered_planner"), "registered_planner", default=False
        )
    if "practising_qualification" in body:
        out["practising_qualification"] = forms.text(body, "practising_qualification", max_len=200)
    if has("years_in_field"):
        out["years_in_field"] = forms.whole(body.get("years_in_field"), "years_in_field", lo=0, hi=80)
    if has("specialties"):
        out["specialties"] = list(
            forms.codes(body.get("specialties"), "specialties", vocab.SPECIALTIES, at_least=1)
        )
    if "local_familiarity" in body:
        out["local_familiarity"] = forms.text(body, "local_familiarity", max_len=2000)
    if has("violations"):
        out["violations"] = forms.violations(body.get("violations"))
    return out


async def _check_account(conn: AsyncConnection, user_id: int, candidate_id: int | None) -> None:
    row = (await conn.execute(sa.select(_users.c.role).where(_users.c.id == user_id))).one_or_none()
    if row is None or row.role != PLANNER:
        raise ApiError(422, "user_id", "is not a planner's account")
    other = (
        await conn.execute(sa.select(pool_candidates.c.id).where(pool_candidates.c.user_id == user_id))
    ).scalar_one_or_none()
    if other is not None and other != candidate_id:
        raise ApiError(422, "user_id", f"belongs to candidate {other} already")


async def _row(conn: AsyncConnection, candidate_id: int, *, lock: bool = False) -> Any:
    query = sa.select(pool_candidates).where(pool_candidates.c.id == candidate_id)
    if lock:
        query = locked(conn, query)
    row = (await conn.execute(query)).one_or_none()
    if row is None:
        raise not_found("candidate_id", "no such candidate")
    return row


async def _view(
    conn: AsyncConnection, profile: Profile, today: date, candidate_id: int
) -> tuple[CandidateView, Pool]:
    pool = await load_pool(conn, profile, today, [candidate_id])
    if candidate_id not in pool.candidates:
        raise not_found("candidate_id", "no such candidate")
    return pool.candidates[candidate_id], pool


async def candidate_answer(
    conn: AsyncConnection, profile: Profile, today: date, candidate_id: int
) -> dict[str, Any]:
    view, pool = await _view(conn, profile, today, candidate_id)
    names = await user_names(conn, candidate_names(pool))
    return candidate_json(view, pool, names, profile)


def _snapshot(row: Any) -> dict[str, Any]:
    """What the audit log keeps of a candidate."""
    return {
        k: (v.isoformat() if isinstance(v, date) else v)
        for k, v in row._mapping.items()
        if k not in ("created_at", "updated_at", "exception_at")
    }


async def list_candidates(
    db: Database, settings: Settings, user: CurrentUser, wanted: str | None
) -> dict[str, Any]:
    require_role(user, *BUREAU)
    if wanted is not None and wanted not in vocab.POOL_STATUSES:
        raise bad_request("status", f"unknown code {wanted!r}: one of {', '.join(vocab.POOL_STATUSES)}")
    profile, today = settings.profile, local_today(settings.tz)
    async with db.read() as conn:
        pool = await load_pool(conn, profile, today)
        names = await user_names(conn, candidate_names(pool))
    views = [v for v in pool.candidates.values() if wanted is None or v.standing.status == wanted]
    counts: dict[str, int] = dict.fromkeys(vocab.POOL_STATUSES, 0)
    for v in pool.candidates.values():
        counts[v.standing.status] += 1
    return {
        "today": today.isoformat(),
        "counts": counts,
        "candidates": [candidate_json(v, pool, names, profile) for v in views],
    }


async def get_candidate(
    db: Database, settings: Settings, user: CurrentUser, candidate_id: int
) -> dict[str, Any]:
    require_role(user, *BUREAU)
    async with db.read() as conn:
        return await candidate_answer(conn, settings.profile, local_today(settings.tz), candidate_id)


async def add_candidate(db: Database, settings: Settings, user: CurrentUser, body: Any) -> dict[str, Any]:
    """A candidate from the public call (PDS-4), awaiting review."""
    require_role(user, *BUREAU)
    today = local_today(settings.tz)
    values = parse_candidate(body, today, partial=False)
    now = utcnow()
    async with db.write() as conn:
        if values.get("user_id") is not None:
            await _check_account(conn, values["user_id"], None)
        new_id = (
            await conn.execute(
                pool_candidates.insert()
                .values(stage="applied", created_by=user.id, created_at=now, updated_at=now, **values)
                .returning(pool_candidates.c.id)
            )
        ).scalar_one()
        row = await _row(conn, new_id)
        await audit(conn, user.id, "pool.candidate.add", "candidate", str(new_id), None, _snapshot(row))
        return await candidate_answer(conn, settings.profile, today, new_id)


async def update_candidate(
    db: Database, settings: Settings, user: CurrentUser, candidate_id: int, body: Any
) -> dict[str, Any]:
    """Correct a candidate's data; eligibility follows from the new data on the next read."""
    require_role(user, *BUREAU)
    values = parse_candidate(body, local_today(settings.tz), partial=True)
    if not values:
        raise bad_request("body", f"names no field to change: {', '.join(CANDIDATE_FIELDS)}")
    async with db.write() as conn:
        before = await _row(conn, candidate_id, lock=True)
        if "user_id" in values and values["user_id"] != before.user_id:
            if await dispatched(conn, candidate_id):
                raise ApiError(
                    409, "user_id", "the candidate has been dispatched: the account follows from it"
                )
            if values["user_id"] is not None:
                await _check_account(conn, values["user_id"], candidate_id)
        await conn.execute(
            pool_candidates.update()
            .where(pool_candidates.c.id == candidate_id)
            .values(updated_at=utcnow(), **values)
        )
        after = await _row(conn, candidate_id)
        await audit(
            conn,
            user.id,
            "pool.candidate.update",
            "candidate",
            str(candidate_id),
            _snapshot(before),
            _snapshot(after),
        )
        return await candidate_answer(conn, settings.profile, local_today(settings.tz), candidate_id)


async def grant_exception(
    db: Database, settings: Settings, user: CurrentUser, candidate_id: int, body: Any
) -> dict[str, Any]:
    """CQ-2: the exception for outstanding practice, which a person grants with a written reason."""
    require_role(user, *BUREAU)
    profile = settings.profile
    body = body_object(body)
    forms.only(body, ("reason",))
    reason = forms.text(body, "reason", required=True, max_len=4000)
    if not profile.eligibility.exception_by_person:
        raise ApiError(
            422,
            "reason",
            f"the {profile.name} profile has no exception to the conditions ({profile.eligibility.rule_id})",
        )
    today = local_today(settings.tz)
    async with db.write() as conn:
        view, _ = await _view(conn, profile, today, candidate_id)
        if view.assessment.route in ("qualifications", "experience"):
            raise ApiError(422, "reason", "the candidate meets the usual conditions: no exception is needed")
        if view.row.exception_reason is not None:
            raise ApiError(409, "reason", "an exception was granted already")
        await conn.execute(
            pool_candidates.update()
            .where(pool_candidates.c.id == candidate_id)
            .values(exception_reason=reason, exception_by=user.id, exception_at=utcnow(), updated_at=utcnow())
        )
        await audit(
            conn,
            user.id,
            "pool.exception",
            "candidate",
            str(candidate_id),
            None,
            {"reason": reason, "rule_id": profile.eligibility.rule_id},
        )
        return await candidate_answer(conn, profile, today, candidate_id)


async def review_candidate(
    db: Database, settings: Settings, user: CurrentUser, candidate_id: int, body: Any
) -> dict[str, Any]:
    """PDS-4's review (CQ-3's qualification of the pool): approve an eligible candidate or reject one.

    Approval leads to the public notice where the profile has one (PDS-4); otherwise (chongqing) the
    candidate is a member from the day of the review.
    """
    require_role(user, *BUREAU)
    profile, today = settings.profile, local_today(settings.tz)
    body = body_object(body)
    forms.only(body, ("outcome", "note", "reviewed_on"))
    outcome = forms.code(body.get("outcome"), "outcome", ("approved", "rejected"))
    note = forms.text(body, "note", required=outcome == "rejected", max_len=4000)
    on = forms.day(body.get("reviewed_on"), "reviewed_on", required=False, not_after=today) or today
    async with db.write() as conn:
        view, _ = await _view(conn, profile, today, candidate_id)
        if view.row.stage != "applied":
            raise ApiError(409, "outcome", f"the candidate was reviewed already ({view.standing.status})")
        if on < view.row.applied_on:
            raise bad_request(
                "reviewed_on", f"may not be before the application ({view.row.applied_on.isoformat()})"
            )
        if outcome == "approved" and not view.assessment.eligible:
            failed = ", ".join(c.code for c in view.assessment.checks if not c.ok) or "no route"
            raise ApiError(
                422,
                "outcome",
                f"the candidate does not meet {view.assessment.rule_id} ({failed}); see eligibility",
            )
        stage = (
            "rejected"
            if outcome == "rejected"
            else "approved"
            if profile.pool_notice_working_days
            else "member"
        )
        await conn.execute(
            pool_candidates.update()
            .where(pool_candidates.c.id == candidate_id)
            .values(stage=stage, review_note=note, reviewed_on=on, reviewed_by=user.id, updated_at=utcnow())
        )
        await audit(
            conn,
            user.id,
            "pool.review",
            "candidate",
            str(candidate_id),
            {"stage": "applied"},
            {
                "stage": stage,
                "outcome": outcome,
                "note": note,
                "reviewed_on": on.isoformat(),
                "eligibility": view.assessment.json(),
            },
        )
        return await candidate_answer(conn, profile, today, candidate_id)


async def publish_notice(
    db: Database, settings: Settings, user: CurrentUser, candidate_id: int, body: Any
) -> dict[str, Any]:
    """PDS-4: the public notice of an approved candidate, at least the profile's working days long.

    ``ends_on`` defaults to the earliest day that makes the notice long enough; a later day is allowed.
    """
    require_role(user, *BUREAU)
    profile, today = settings.profile, local_today(settings.tz)
    body = body_object(body)
    forms.only(body, ("starts_on", "ends_on"))
    starts_on = forms.day(body.get("starts_on"), "starts_on")
    ends_on = forms.day(body.get("ends_on"), "ends_on", required=False)
    assert starts_on is not None
    earliest = status.notice_end(starts_on, profile)
    if earliest is None:
        raise ApiError(
            422,
            "starts_on",
            f"the {profile.name} profile has no public notice: approval admits the candidate",
        )
    if ends_on is None:
        ends_on = earliest
    elif not status.notice_long_enough(starts_on, ends_on, profile):
        raise ApiError(
            422,
            "ends_on",
            f"a notice from {starts_on.isoformat()} must run at least {profile.pool_notice_working_days} "
            f"working days (PDS-4): until {earliest.isoformat()} at the earliest",
        )
    async with db.write() as conn:
        row = await _row(conn, candidate_id, lock=True)
        if row.stage != "approved":
            raise ApiError(
                409, "starts_on", f"only an approved candidate goes on notice (this one: {row.stage})"
            )
        if row.reviewed_on is not None and starts_on < row.reviewed_on:
            raise bad_request("starts_on", f"may not be before the review ({row.reviewed_on.isoformat()})")
        await conn.execute(
            pool_candidates.update()
            .where(pool_candidates.c.id == candidate_id)
            .values(
                stage="in_notice",
                notice_starts_on=starts_on,
                notice_ends_on=ends_on,
                notice_by=user.id,
                updated_at=utcnow(),
            )
        )
        await audit(
            conn,
            user.id,
            "pool.notice",
            "candidate",
            str(candidate_id),
            None,
            {
                "starts_on": starts_on.isoformat(),
                "ends_on": ends_on.isoformat(),
                "rule_id": "PDS-4",
                "working_days": profile.pool_notice_working_days,
            },
        )
        return await candidate_answer(conn, profile, today, candidate_id)


async def add_objection(
    db: Database, settings: Settings, user: CurrentUser, candidate_id: int, body: Any
) -> dict[str, Any]:
    """PDS-4: an objection received while the notice ran; the candidate waits until it is decided."""
    require_role(user, *BUREAU)
    profile, today = settings.profile, local_today(settings.tz)
    body = body_object(body)
    forms.only(body, ("filed_on", "content", "source"))
    filed_on = forms.day(body.get("filed_on"), "filed_on", not_after=today)
    content = forms.text(body, "content", required=True, max_len=8000)
    source = forms.text(body, "source", max_len=200)
    assert filed_on is not None
    async with db.write() as conn:
        row = await _row(conn, candidate_id, lock=True)
        if row.stage != "in_notice" or row.notice_starts_on is None:
            raise ApiError(409, "filed_on", f"the candidate has no public notice running ({row.stage})")
        if not row.notice_starts_on <= filed_on <= row.notice_ends_on:
            raise ApiError(
                422,
                "filed_on",
                f"objections are filed while the notice runs, {row.notice_starts_on.isoformat()} to "
                f"{row.notice_ends_on.isoformat()}",
            )
        new_id = (
            await conn.execute(
                pool_objections.insert()
                .values(
                    candidate_id=candidate_id,
                    filed_on=filed_on,
                    content=content,
                    source=source,
                    status=status.OPEN,
                    recorded_by=user.id,
                    recorded_at=utcnow(),
                )
                .returning(pool_objections.c.id)
            )
        ).scalar_one()
        await audit(
            conn,
            user.id,
            "pool.objection.add",
            "objection",
            str(new_id),
            None,
            {
                "candidate_id": candidate_id,
                "filed_on": filed_on.isoformat(),
                "content": content,
                "source": source,
            },
        )
        return await candidate_answer(conn, profile, today, candidate_id)


async def decide_objection(
    db: Database, settings: Settings, user: CurrentUser, objection_id: int, body: Any
) -> dict[str, Any]:
    """PDS-4: an objection checked; a valid one (``upheld``) cancels the entry, an invalid one lets it be."""
    require_role(user, *BUREAU)
    profile, today = settings.profile, local_today(settings.tz)
    body = body_object(body)
    forms.only(body, ("outcome", "note", "decided_on"))
    outcome = forms.code(body.get("outcome"), "outcome", (status.UPHELD, status.DISMISSED))
    note = forms.text(body, "note", required=True, max_len=4000)
    on = forms.day(body.get("decided_on"), "decided_on", required=False, not_after=today) or today
    async with db.write() as conn:
        o = (
            await conn.execute(sa.select(pool_objections).where(pool_objections.c.id == objection_id))
        ).one_or_none()
        if o is None:
            raise not_found("objection_id", "no such objection")
        if o.status != status.OPEN:
            raise ApiError(409, "outcome", f"the objection was decided already ({o.status})")
        if on < o.filed_on:
            raise bad_request(
                "decided_on", f"may not be before the objection was filed ({o.filed_on.isoformat()})"
            )
        row = await _row(conn, o.candidate_id, lock=True)
        await conn.execute(
            pool_objections.update()
            .where(pool_objections.c.id == objection_id)
            .values(status=outcome, decision_note=note, decided_on=on, decided_by=user.id)
        )
        if outcome == status.UPHELD and row.stage == "in_notice":
            await conn.execute(
                pool_candidates.update()
                .where(pool_candidates.c.id == row.id)
                .values(stage="cancelled", updated_at=utcnow())
            )
        await audit(
            conn,
            user.id,
            "pool.objection.decide",
            "objection",
            str(objection_id),
            {"status": status.OPEN},
            {
                "status": outcome,
                "note": note,
                "decided_on": on.isoformat(),
                "candidate_id": row.id,
                "candidate_stage": "cancelled" if outcome == status.UPHELD else row.stage,
            },
        )
        answer = await candidate_answer(conn, profile, today, row.id)
        names = await user_names(conn, [user.id])
        updated = (
            await conn.execute(sa.select(pool_objections).where(pool_objections.c.id == objection_id))
        ).one()
        return {"objection": objection_json(updated, names), "candidate": answer}


async def remove_member(
    db: Database, settings: Settings, user: CurrentUser, candidate_id: int, body: Any
) -> dict[str, Any]:
    """PDS-6: remove a member from the pool with a coded reason and a note; a serving member's service
    ends that day (the district link goes, see `server.term.dispatch.end_service`)."""
    require_role(user, *BUREAU)
    profile, today = settings.profile, local_today(settings.tz)
    body = body_object(body)
    forms.only(body, ("reason", "note", "removed_on"))
    reasons = profile.pool_removal_reasons or ("other",)
    reason = forms.code(body.get("reason"), "reason", reasons)
    note = forms.text(body, "note", required=True, max_len=4000)
    on = forms.day(body.get("removed_on"), "removed_on", required=False, not_after=today) or today
    async with db.write() as conn:
        await _row(conn, candidate_id, lock=True)
        view, _ = await _view(conn, profile, today, candidate_id)
        if view.standing.status != "member":
            raise ApiError(
                409, "reason", f"only a member leaves the pool (this candidate: {view.standing.status})"
            )
        if view.standing.member_since is not None and on < view.standing.member_since:
            raise bad_request(
                "removed_on", f"may not be before the entry ({view.standing.member_since.isoformat()})"
            )
        await conn.execute(
            pool_candidates.update()
            .where(pool_candidates.c.id == candidate_id)
            .values(
                stage="removed",
                removed_on=on,
                removal_reason=reason,
                removal_rule=profile.pool_removal_rule_id,
                removal_note=note,
                removed_by=user.id,
                updated_at=utcnow(),
            )
        )
        ended = None
        if view.holding is not None:
            ended = await end_service(
                conn,
                user.id,
                view.holding,
                on,
                today,
                "removed_from_pool",
                profile.pool_removal_rule_id,
                note,
            )
        await audit(
            conn,
            user.id,
            "pool.removal",
            "candidate",
            str(candidate_id),
            {"stage": view.row.stage, "status": view.standing.status},
            {
                "stage": "removed",
                "reason": reason,
                "rule_id": profile.pool_removal_rule_id,
                "note": note,
                "removed_on": on.isoformat(),
                "dispatch_ended": ended,
            },
        )
        return await candidate_answer(conn, profile, today, candidate_id)


async def _last_records(conn: AsyncConnection, user_ids: list[int], tz: str) -> dict[int, date]:
    """The latest local day each account did something that counts as service: a visit, an opinion,
    feedback, an attended activity."""
    out: dict[int, date] = {}
    if not user_ids:
        return out
    zone = ZoneInfo(tz)
    v, o, f = table_of(Visit), table_of(Opinion), table_of(Feedback)
    a, act = table_of(Attendance), table_of(Activity)
    queries = [
        sa.select(v.c.planner_id, sa.func.max(v.c.started_at))
        .where(v.c.planner_id.in_(user_ids), v.c.deleted == sa.false())
        .group_by(v.c.planner_id),
        sa.select(o.c.planner_id, sa.func.max(o.c.issued_at))
        .where(o.c.planner_id.in_(user_ids), o.c.deleted == sa.false())
        .group_by(o.c.planner_id),
        sa.select(f.c.planner_id, sa.func.max(f.c.collected_at))
        .where(f.c.planner_id.in_(user_ids), f.c.deleted == sa.false())
        .group_by(f.c.planner_id),
        sa.select(a.c.planner_id, sa.func.max(act.c.starts_at))
        .select_from(a.join(act, act.c.id == a.c.activity_id))
        .where(a.c.planner_id.in_(user_ids), a.c.status == ATTENDED)
        .group_by(a.c.planner_id),
    ]
    for q in queries:
        for pid, at in await conn.execute(q):
            if at is None:
                continue
            day = at.astimezone(zone).date()
            out[pid] = max(out.get(pid, day), day)
    return out


async def idle_members(
    db: Database, settings: Settings, user: CurrentUser, days: int | None
) -> dict[str, Any]:
    """PDS-5: members with no service for at least ``days`` (the setting FIELDLOG_POOL_IDLE_DAYS when not
    given; the policies set no period). Service is a dispatch or a record of the member's account."""
    require_role(user, *BUREAU)
    period = days if days is not None else settings.pool_idle_days
    if period is None:
        raise bad_request("days", "is required: the policies set no period (or set FIELDLOG_POOL_IDLE_DAYS)")
    profile, today = settings.profile, local_today(settings.tz)
    async with db.read() as conn:
        pool = await load_pool(conn, profile, today)
        last = await _last_records(
            conn, [v.row.user_id for v in pool.candidates.values() if v.row.user_id], settings.tz
        )
    out = []
    for v in pool.candidates.values():
        if v.standing.status != "member":
            continue
        marks: list[tuple[date, str]] = []
        if v.standing.member_since is not None:
            marks.append((v.standing.member_since, "entered"))
        for d in v.dispatches:
            if d.status == "serving" and d.starts_on is not None:
                marks.append((d.starts_on, "dispatch_started"))
            if d.status == "ended" and d.ends_on is not None:
                marks.append((d.ends_on, "dispatch_ended"))
        if v.row.user_id in last:
            marks.append((last[v.row.user_id], "record"))
        if not marks:
            continue
        since, what = max(marks)
        idle = (today - since).days
        if idle >= period:
            out.append(
                {
                    "candidate_id": v.row.id,
                    "name": v.row.name,
                    "last_service_on": since.isoformat(),
                    "last_service": what,
                    "idle_days": idle,
                    "serving": v.holding is not None,
                }
            )
    out.sort(key=lambda m: (-m["idle_days"], m["candidate_id"]))
    return {"today": today.isoformat(), "days": period, "rule_id": "PDS-5", "members": out}


async def specialty_gaps(db: Database, settings: Settings, user: CurrentUser) -> dict[str, Any]:
    """PDS-5: for each specialty the open requests need, the seats wanting it and the members available
    with it; ``gaps`` lists those the pool cannot fill."""
    require_role(user, *BUREAU)
    profile, today = settings.profile, local_today(settings.tz)
    async with db.read() as conn:
        pool = await load_pool(conn, profile, today)
        requests = await load_requests(conn)
    available = [v for v in pool.candidates.values() if exclusion(member_of(v, pool, profile)) is None]
    needs: dict[str, dict[str, Any]] = {}
    for r, seated in requests:
        if request_status(r, len(seated)) != "open":
            continue
        free = r.planners_needed - len(seated)
        for c in r.specialties or []:
            n = needs.setdefault(c, {"specialty": c, "seats": 0, "request_ids": []})
            n["seats"] += free
            n["request_ids"].append(r.id)
    rows = []
    for c in vocab.SPECIALTIES:
        if c not in needs:
            continue
        have = sum(1 for v in available if c in (v.row.specialties or []))
        rows.append({**needs[c], "available": have, "short_by": max(0, needs[c]["seats"] - have)})
    return {
        "today": today.isoformat(),
        "rule_id": "PDS-5",
        "specialties": rows,
        "gaps": [r for r in rows if r["short_by"]],
    }
