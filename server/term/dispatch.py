"""District requests and dispatch (PDS-7, PDS-8, CQ-3): a district files a request, the bureau sees the
pool ranked for it and picks, and the service starts, with its dispatch notice, its first term and its
contract record.

Where a profile has appointment steps (chongqing, CQ-3) a pick is *proposed* until the last step, the
appointment with a certificate, is recorded; otherwise (pingdingshan) the service starts with the pick.
When service starts, the planner's account (the candidate's, or one made now from ``account``), the
district link, the responsibility area, the term start and the specialty follow from the dispatch, written
through `server.people.service` into ``users``, ``user_districts`` and ``planner_profiles``: the appraisal,
the alerts and the phone read them there, and nobody types them twice.

A service ends on a decided last day (not renewed, dismissed, leaving early, removed from the pool). It is
*closed* (the district link and the planner's term taken away) at once when that day has come, or by an
explicit close on or after it (`close_service`); until then the planner keeps serving.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import anyio.to_thread
import sqlalchemy as sa
from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncConnection

from server.appraisal.data import local_today
from server.core.access import district_names, require_role
from server.core.audit import audit
from server.core.auth import BUREAU, DISTRICT, PLANNER, CurrentUser, hash_password
from server.core.db import Database, utcnow
from server.core.errors import ApiError, bad_request, not_found
from server.core.models import (
    appointment_steps,
    dispatch_contracts,
    dispatch_requests,
    dispatch_terms,
    dispatches,
    pool_candidates,
)
from server.core.parsing import body_object
from server.core.settings import Settings
from server.people.service import check_new_user, insert_user, link_district, unlink_district, write_profile
from server.term import forms, ranking
from server.term.data import (
    CandidateView,
    Pool,
    contracts_of,
    load_pool,
    load_requests,
    request_status,
    terms_of,
    user_names,
)
from server.term.decisions import DecisionError, term_end
from server.term.views import dispatch_json, request_json
from shared import term as vocab
from shared.profiles import Profile

REQUEST_FIELDS = (
    "district_id",
    "specialties",
    "planners_needed",
    "service_focus",
    "responsibility_area",
    "note",
    "filed_on",
)
CONTRACT_FIELDS = (
    "certificate_no",
    "signed_on",
    "tasks",
    "service_mode",
    "service_fee_cny",
    "fee_note",
    "rights_duties",
    "appraisal",
    "breach",
)


# --- the pool as candidates for a request ------------------------------------------------------------------


def member_of(
    v: CandidateView, pool: Pool, profile: Profile | None = None, district_id: int | None = None
) -> ranking.Member:
    """A candidate as the ranking sees it. An account linked to districts without a dispatch (a planner
    from before the pool) serves there: elsewhere than ``district_id`` excludes them."""
    r = v.row
    service: tuple[str, str, date | None] | None = None
    if v.holding is not None:
        service = (v.holding.status, pool.districts.get(v.holding.district_id, ""), v.holding.starts_on)
    elif r.user_id is not None:
        elsewhere = [d for d in pool.links.get(r.user_id, []) if d != district_id]
        if elsewhere:
            service = ("serving", "、".join(pool.districts.get(d, "") for d in elsewhere), None)
    grade_rank = None
    if v.grade is not None and profile is not None and v.grade[1] in profile.grades:
        grade_rank = profile.grades.index(v.grade[1])
    return ranking.Member(
        candidate_id=r.id,
        name=r.name,
        status=v.standing.status,
        specialties=tuple(r.specialties or ()),
        years_in_field=int(r.years_in_field),
        eligible=v.assessment.eligible,
        local_familiarity=r.local_familiarity,
        grade=None if v.grade is None else v.grade[1],
        grade_year=None if v.grade is None else v.grade[0],
        grade_rank=grade_rank,
        notice_ends_on=r.notice_ends_on,
        service=service,
    )


# --- requests ----------------------------------------------------------------------------------------------


def _may_see_district(user: CurrentUser, district_id: int) -> bool:
    return user.sees_all or (user.role == DISTRICT and district_id in user.district_ids)


def locked(conn: AsyncConnection, query: Select[Any]) -> Select[Any]:
    """``query`` holding its rows until commit on PostgreSQL (SQLite's writers are one at a time already),
    so two picks of one candidate or one seat cannot both pass their checks."""
    return query if conn.dialect.name == "sqlite" else query.with_for_update()


async def _request(conn: AsyncConnection, user: CurrentUser, request_id: int, *, lock: bool = False) -> Any:
    query = sa.select(dispatch_requests).where(dispatch_requests.c.id == request_id)
    if lock:
        query = locked(conn, query)
    row = (await conn.execute(query)).one_or_none()
    if row is None or not _may_see_district(user, row.district_id):
        raise not_found("request_id", "no such request")
    return row


async def request_answer(conn: AsyncConnection, request_id: int) -> dict[str, Any]:
    [(row, seated)] = await load_requests(conn, request_ids=[request_id])
    names = await user_names(conn, [row.filed_by])
    return request_json(row, seated, await district_names(conn), names)


async def file_request(db: Database, settings: Settings, user: CurrentUser, body: Any) -> dict[str, Any]:
    """PDS-7: a district's request for planners (district staff for their district, or the bureau)."""
    require_role(user, DISTRICT, *BUREAU)
    today = local_today(settings.tz)
    body = body_object(body)
    forms.only(body, REQUEST_FIELDS)
    district_id = forms.whole(body.get("district_id"), "district_id", lo=1, hi=2**31 - 1)
    assert district_id is not None
    values = {
        "district_id": district_id,
        "specialties": list(
            forms.codes(body.get("specialties"), "specialties", vocab.SPECIALTIES, at_least=1)
        ),
        "planners_needed": forms.whole(body.get("planners_needed"), "planners_needed", lo=1, hi=50),
        "service_focus": forms.text(body, "service_focus", required=True, max_len=4000),
        "responsibility_area": forms.area(body.get("responsibility_area"), "responsibility_area"),
        "note": forms.text(body, "note", max_len=4000),
        "filed_on": forms.day(body.get("filed_on"), "filed_on", required=False, not_after=today) or today,
    }
    async with db.write() as conn:
        if district_id not in await district_names(conn) or not _may_see_district(user, district_id):
            raise not_found("district_id", "no such district")
        new_id = await insert_request(conn, user.id, values)
        return await request_answer(conn, new_id)


async def insert_request(conn: AsyncConnection, by: int, values: dict[str, Any]) -> int:
    new_id = (
        await conn.execute(
            dispatch_requests.insert()
            .values(filed_by=by, created_at=utcnow(), **values)
            .returning(dispatch_requests.c.id)
        )
    ).scalar_one()
    after = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in values.items()}
    await audit(conn, by, "request.add", "request", str(new_id), None, after)
    return int(new_id)


async def list_requests(
    db: Database, settings: Settings, user: CurrentUser, wanted: str | None, district_id: int | None
) -> dict[str, Any]:
    require_role(user, DISTRICT, *BUREAU)
    if wanted is not None and wanted not in vocab.REQUEST_STATUSES:
        raise bad_request("status", f"unknown code {wanted!r}: one of {', '.join(vocab.REQUEST_STATUSES)}")
    async with db.read() as conn:
        names = await district_names(conn)
        scope = None if user.sees_all else sorted(user.district_ids)
        if district_id is not None:
            if district_id not in names or not _may_see_district(user, district_id):
                raise not_found("district_id", "no such district")
            scope = [district_id]
        rows = await load_requests(conn, scope)
        people = await user_names(conn, [r.filed_by for r, _ in rows])
    out = [request_json(r, seated, names, people) for r, seated in rows]
    return {"requests": [r for r in out if wanted is None or r["status"] == wanted]}


async def get_request(db: Database, settings: Settings, user: CurrentUser, request_id: int) -> dict[str, Any]:
    require_role(user, DISTRICT, *BUREAU)
    async with db.read() as conn:
        await _request(conn, user, request_id)
        return await request_answer(conn, request_id)


async def withdraw_request(
    db: Database, settings: Settings, user: CurrentUser, request_id: int, body: Any
) -> dict[str, Any]:
    """Withdraw a request's unfilled seats (the district's staff or the bureau), with a note."""
    require_role(user, DISTRICT, *BUREAU)
    today = local_today(settings.tz)
    body = body_object(body)
    forms.only(body, ("note",))
    note = forms.text(body, "note", required=True, max_len=4000)
    async with db.write() as conn:
        row = await _request(conn, user, request_id, lock=True)
        [(_, seated)] = await load_requests(conn, request_ids=[request_id])
        if request_status(row, len(seated)) != "open":
            raise ApiError(409, "note", f"the request is {request_status(row, len(seated))}")
        await conn.execute(
            dispatch_requests.update()
            .where(dispatch_requests.c.id == request_id)
            .values(withdrawn_on=today, withdraw_note=note)
        )
        await audit(
            conn,
            user.id,
            "request.withdraw",
            "request",
            str(request_id),
            {"status": "open"},
            {"status": "withdrawn", "note": note, "seats_filled": len(seated)},
        )
        return await request_answer(conn, request_id)


async def request_candidates(
    db: Database, settings: Settings, user: CurrentUser, request_id: int
) -> dict[str, Any]:
    """PDS-7: the pool ranked for a request, with the reasons, and who is left out and why."""
    require_role(user, *BUREAU)
    profile, today = settings.profile, local_today(settings.tz)
    async with db.read() as conn:
        row = await _request(conn, user, request_id)
        pool = await load_pool(conn, profile, today)
        answer = await request_answer(conn, request_id)
    members = [member_of(v, pool, profile, row.district_id) for v in pool.candidates.values()]
    ranked, excluded = ranking.rank_members(tuple(row.specialties or ()), members, len(profile.grades) - 1)
    return {
        "request": answer,
        "rule_id": "PDS-7",
        "candidates": [
            {
                "candidate_id": r.member.candidate_id,
                "name": r.member.name,
                "rank": i,
                "specialties": list(r.member.specialties),
                "matched": list(r.matched),
                "missing": list(r.missing),
                "latest_grade": None
                if r.member.grade is None
                else {"year": r.member.grade_year, "grade": r.member.grade},
                "years_in_field": r.member.years_in_field,
                "reasons": list(r.reasons),
            }
            for i, r in enumerate(ranked, start=1)
        ],
        "excluded": [
            {"candidate_id": e.member.candidate_id, "name": e.member.name, "reason": e.reason}
            for e in excluded
        ],
    }


# --- the pick and the start of service ---------------------------------------------------------------------


async def parse_account(raw: Any) -> tuple[str, str] | None:
    """``account`` of a body: the username and the password's hash (made off the event loop)."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise bad_request("account", "must be an object {username, password}")
    forms.only(raw, ("username", "password"), "account.")
    username, password = raw.get("username"), raw.get("password")
    if not isinstance(username, str) or not username.strip():
        raise bad_request("account.username", "is required")
    if not isinstance(password, str):
        raise bad_request("account.password", "is required (at least 8 characters)")
    try:
        check_new_user(username, PLANNER, password)
    except ValueError as exc:
        field, _, message = str(exc).partition(": ")
        raise bad_request(f"account.{field}", message) from None
    return username, await anyio.to_thread.run_sync(hash_password, password)


async def start_service(
    conn: AsyncConnection,
    by: int,
    profile: Profile,
    dispatch: Any,
    candidate: Any,
    starts_on: date,
    term_ends_on: date | None,
    account: tuple[str, str] | None,
    *,
    notice_no: str | None = None,
    certificate_no: str | None = None,
) -> None:
    """The planner starts serving: account, district link, area, term start and specialty from the
    dispatch; the first term; the dispatch notice (PDS-7)."""
    try:
        ends_on = term_end(starts_on, profile, term_ends_on, "term_ends_on")
    except DecisionError as exc:
        raise ApiError(422, exc.field, exc.message) from None
    planner_id = candidate.user_id
    if planner_id is None:
        if account is None:
            raise ApiError(422, "account.username", "is required: the candidate has no planner account yet")
        username, pw_hash = account
        try:
            planner_id = await insert_user(conn, username, PLANNER, pw_hash, candidate.name, (), by)
        except ValueError as exc:
            field, _, message = str(exc).partition(": ")
            raise ApiError(409, f"account.{field}", message) from None
        await conn.execute(
            pool_candidates.update()
            .where(pool_candidates.c.id == candidate.id)
            .values(user_id=planner_id, updated_at=utcnow())
        )
    elif account is not None:
        raise bad_request("account", "the candidate has a planner account already")
    await link_district(conn, by, planner_id, dispatch.district_id)
    specialty = "、".join(vocab.label(vocab.SPECIALTIES, c) for c in candidate.specialties or [])[:200]
    await write_profile(
        conn,
        by,
        planner_id,
        {
            "responsibility_area": dispatch.responsibility_area,
            "term_start": starts_on,
            "specialty": specialty or None,
        },
    )
    number = notice_no or f"{starts_on.year}-{dispatch.id:04d}"
    await conn.execute(
        dispatches.update()
        .where(dispatches.c.id == dispatch.id)
        .values(
            status="serving",
            planner_id=planner_id,
            starts_on=starts_on,
            notice_no=number,
            notice_on=starts_on,
        )
    )
    term_id = (
        await conn.execute(
            dispatch_terms.insert()
            .values(dispatch_id=dispatch.id, number=1, starts_on=starts_on, ends_on=ends_on)
            .returning(dispatch_terms.c.id)
        )
    ).scalar_one()
    if certificate_no:
        await conn.execute(
            dispatch_contracts.insert().values(
                term_id=term_id, certificate_no=certificate_no, recorded_by=by, recorded_at=utcnow()
            )
        )
    await audit(
        conn,
        by,
        "dispatch.start",
        "dispatch",
        str(dispatch.id),
        {"status": dispatch.status},
        {
            "status": "serving",
            "planner_id": planner_id,
            "district_id": dispatch.district_id,
            "starts_on": starts_on.isoformat(),
            "term_ends_on": ends_on.isoformat(),
            "notice_no": number,
        },
    )


async def pick(
    db: Database, settings: Settings, user: CurrentUser, request_id: int, body: Any
) -> dict[str, Any]:
    """PDS-7: the bureau picks a pool member for a request. Without appointment steps in the profile the
    service starts at once (``starts_on``, default today); with them (CQ-3) the dispatch is proposed."""
    require_role(user, *BUREAU)
    profile, today = settings.profile, local_today(settings.tz)
    body = body_object(body)
    forms.only(
        body, ("candidate_id", "starts_on", "term_ends_on", "responsibility_area", "account", "notice_no")
    )
    candidate_id = forms.whole(body.get("candidate_id"), "candidate_id", lo=1, hi=2**31 - 1)
    assert candidate_id is not None
    steps = bool(profile.appointment_steps)
    if steps:
        for name in ("starts_on", "term_ends_on", "account", "notice_no"):
            if body.get(name) is not None:
                raise bad_request(name, "is given with the appointment step (CQ-3), when service starts")
    starts_on = forms.day(body.get("starts_on"), "starts_on", required=False) or today
    term_ends_on = forms.day(body.get("term_ends_on"), "term_ends_on", required=False)
    area = forms.area(body.get("responsibility_area"), "responsibility_area")
    notice_no = forms.text(body, "notice_no", max_len=40)
    account = await parse_account(body.get("account"))
    async with db.write() as conn:
        req = await _request(conn, user, request_id, lock=True)
        [(_, seated)] = await load_requests(conn, request_ids=[request_id])
        if request_status(req, len(seated)) != "open":
            raise ApiError(409, "request_id", f"the request is {request_status(req, len(seated))}")
        cand = (
            await conn.execute(
                locked(conn, sa.select(pool_candidates).where(pool_candidates.c.id == candidate_id))
            )
        ).one_or_none()
        if cand is None:
            raise ApiError(422, "candidate_id", "no such candidate")
        pool = await load_pool(conn, profile, today, [candidate_id])
        why = ranking.exclusion(member_of(pool.candidates[candidate_id], pool, profile, req.district_id))
        if why is not None:
            raise ApiError(
                409,
                "candidate_id",
                f"cannot be dispatched: {vocab.describe(why['code'], why['params'], vocab.EN)}",
            )
        new_id = (
            await conn.execute(
                dispatches.insert()
                .values(
                    request_id=request_id,
                    candidate_id=candidate_id,
                    district_id=req.district_id,
                    responsibility_area=area or req.responsibility_area,
                    status="proposed",
                    created_by=user.id,
                    created_at=utcnow(),
                )
                .returning(dispatches.c.id)
            )
        ).scalar_one()
        await audit(
            conn,
            user.id,
            "dispatch.add",
            "dispatch",
            str(new_id),
            None,
            {"request_id": request_id, "candidate_id": candidate_id, "district_id": req.district_id},
        )
        if not steps:
            d = (await conn.execute(sa.select(dispatches).where(dispatches.c.id == new_id))).one()
            await start_service(
                conn, user.id, profile, d, cand, starts_on, term_ends_on, account, notice_no=notice_no
            )
        return await dispatch_answer(conn, profile, today, new_id, user)


# --- dispatches --------------------------------------------------------------------------------------------


def _may_see_dispatch(user: CurrentUser, d: Any) -> bool:
    return (
        user.sees_all
        or (user.role == DISTRICT and d.district_id in user.district_ids)
        or (user.role == PLANNER and d.planner_id == user.id)
    )


async def dispatch_row(
    conn: AsyncConnection, user: CurrentUser, dispatch_id: int, *, lock: bool = False
) -> Any:
    query = sa.select(dispatches).where(dispatches.c.id == dispatch_id)
    if lock:
        query = locked(conn, query)
    row = (await conn.execute(query)).one_or_none()
    if row is None or not _may_see_dispatch(user, row):
        raise not_found("dispatch_id", "no such dispatch")
    return row


async def dispatch_answers(
    conn: AsyncConnection, profile: Profile, today: date, rows: list[Any]
) -> list[dict[str, Any]]:
    ids = [d.id for d in rows]
    terms = await terms_of(conn, ids)
    contracts = await contracts_of(conn, [t.id for ts in terms.values() for t in ts])
    steps: dict[int, dict[str, Any]] = {}
    if ids:
        for s in await conn.execute(
            sa.select(appointment_steps).where(appointment_steps.c.dispatch_id.in_(ids))
        ):
            steps.setdefault(s.dispatch_id, {})[s.step] = s
    cands = {
        r.id: r.name
        for r in await conn.execute(
            sa.select(pool_candidates.c.id, pool_candidates.c.name).where(
                pool_candidates.c.id.in_(sorted({d.candidate_id for d in rows}))
            )
        )
    }
    requests = {
        r.id: r
        for r in await conn.execute(
            sa.select(dispatch_requests).where(
                dispatch_requests.c.id.in_(sorted({d.request_id for d in rows}))
            )
        )
    }
    who = [t.decided_by for ts in terms.values() for t in ts]
    who += [c.recorded_by for c in contracts.values()]
    who += [s.recorded_by for ss in steps.values() for s in ss.values()]
    names = await user_names(conn, who)
    districts = await district_names(conn)
    return [
        dispatch_json(
            d,
            profile=profile,
            today=today,
            districts=districts,
            names=names,
            candidate_name=cands.get(d.candidate_id, ""),
            request=requests.get(d.request_id),
            terms=terms.get(d.id, []),
            contracts=contracts,
            steps=steps.get(d.id, {}),
        )
        for d in rows
    ]


async def dispatch_answer(
    conn: AsyncConnection, profile: Profile, today: date, dispatch_id: int, user: CurrentUser
) -> dict[str, Any]:
    row = await dispatch_row(conn, user, dispatch_id)
    [answer] = await dispatch_answers(conn, profile, today, [row])
    return answer


async def list_dispatches(
    db: Database, settings: Settings, user: CurrentUser, wanted: str | None
) -> dict[str, Any]:
    """Dispatches the user may see: the bureau all, district staff their districts', a planner their own."""
    require_role(user, PLANNER, DISTRICT, *BUREAU)
    if wanted is not None and wanted not in vocab.DISPATCH_STATUSES:
        raise bad_request("status", f"unknown code {wanted!r}: one of {', '.join(vocab.DISPATCH_STATUSES)}")
    profile, today = settings.profile, local_today(settings.tz)
    query = sa.select(dispatches).order_by(dispatches.c.id)
    if user.role == DISTRICT:
        query = query.where(dispatches.c.district_id.in_(sorted(user.district_ids)))
    elif user.role == PLANNER:
        query = query.where(dispatches.c.planner_id == user.id)
    if wanted is not None:
        query = query.where(dispatches.c.status == wanted)
    async with db.read() as conn:
        rows = list((await conn.execute(query)).all())
        return {"dispatches": await dispatch_answers(conn, profile, today, rows)}


async def get_dispatch(
    db: Database, settings: Settings, user: CurrentUser, dispatch_id: int
) -> dict[str, Any]:
    require_role(user, PLANNER, DISTRICT, *BUREAU)
    async with db.read() as conn:
        return await dispatch_answer(conn, settings.profile, local_today(settings.tz), dispatch_id, user)


async def record_step(
    db: Database, settings: Settings, user: CurrentUser, dispatch_id: int, body: Any
) -> dict[str, Any]:
    """CQ-3: one appointment step, in order, with its date; the last one (appointment with a certificate)
    starts the service and needs the term's end (the profile sets no length) and the account if new."""
    require_role(user, *BUREAU)
    profile, today = settings.profile, local_today(settings.tz)
    if not profile.appointment_steps:
        raise ApiError(
            422, "step", f"the {profile.name} profile has no appointment steps: a pick starts the service"
        )
    body = body_object(body)
    forms.only(body, ("step", "done_on", "note", "term_ends_on", "certificate_no", "account", "notice_no"))
    step = forms.code(body.get("step"), "step", profile.appointment_steps)
    done_on = forms.day(body.get("done_on"), "done_on", not_after=today)
    note = forms.text(body, "note", max_len=4000)
    last = step == profile.appointment_steps[-1]
    if not last:
        for name in ("term_ends_on", "certificate_no", "account", "notice_no"):
            if body.get(name) is not None:
                raise bad_request(name, f"is given with the last step ({profile.appointment_steps[-1]})")
    term_ends_on = forms.day(body.get("term_ends_on"), "term_ends_on", required=False)
    certificate_no = forms.text(body, "certificate_no", required=last, max_len=100)
    notice_no = forms.text(body, "notice_no", max_len=40)
    account = await parse_account(body.get("account"))
    assert step is not None and done_on is not None
    async with db.write() as conn:
        d = await dispatch_row(conn, user, dispatch_id, lock=True)
        if d.status != "proposed":
            raise ApiError(409, "step", f"the dispatch is {d.status}: its appointment is over")
        done = {
            s.step: s
            for s in await conn.execute(
                sa.select(appointment_steps).where(appointment_steps.c.dispatch_id == dispatch_id)
            )
        }
        if step in done:
            raise ApiError(409, "step", "was recorded already")
        order = list(profile.appointment_steps)
        before = order[: order.index(step)]
        missing = [s for s in before if s not in done]
        if missing:
            raise ApiError(422, "step", f"comes after {', '.join(missing)} (CQ-3 order)")
        if before and done_on < done[before[-1]].done_on:
            raise ApiError(
                422,
                "done_on",
                f"may not be before the previous step ({done[before[-1]].done_on.isoformat()})",
            )
        pool = await load_pool(conn, profile, today, [d.candidate_id])
        view = pool.candidates[d.candidate_id]
        if step == "qualification_check" and not view.assessment.eligible:
            raise ApiError(
                422, "step", f"the candidate does not meet {view.assessment.rule_id}; see eligibility"
            )
        await conn.execute(
            appointment_steps.insert().values(
                dispatch_id=dispatch_id,
                step=step,
                done_on=done_on,
                note=note,
                recorded_by=user.id,
                recorded_at=utcnow(),
            )
        )
        await audit(
            conn,
            user.id,
            "dispatch.step",
            "dispatch",
            str(dispatch_id),
            None,
            {"step": step, "done_on": done_on.isoformat(), "note": note, "rule_id": "CQ-3"},
        )
        if last:
            await start_service(
                conn,
                user.id,
                profile,
                d,
                view.row,
                done_on,
                term_ends_on,
                account,
                notice_no=notice_no,
                certificate_no=certificate_no,
            )
        return await dispatch_answer(conn, profile, today, dispatch_id, user)


async def withdraw_dispatch(
    db: Database, settings: Settings, user: CurrentUser, dispatch_id: int, body: Any
) -> dict[str, Any]:
    """A proposed dispatch that will not go ahead (e.g. the district government's opinion, CQ-3): its seat
    is free again."""
    require_role(user, *BUREAU)
    profile, today = settings.profile, local_today(settings.tz)
    body = body_object(body)
    forms.only(body, ("note",))
    note = forms.text(body, "note", required=True, max_len=4000)
    async with db.write() as conn:
        d = await dispatch_row(conn, user, dispatch_id, lock=True)
        if d.status != "proposed":
            raise ApiError(409, "note", f"only a proposed dispatch is withdrawn (this one is {d.status})")
        await conn.execute(
            dispatches.update()
            .where(dispatches.c.id == dispatch_id)
            .values(
                status="withdrawn",
                end_reason="withdrawn",
                end_note=note,
                closed_at=utcnow(),
                closed_by=user.id,
            )
        )
        await audit(
            conn,
            user.id,
            "dispatch.withdraw",
            "dispatch",
            str(dispatch_id),
            {"status": "proposed"},
            {"status": "withdrawn", "note": note},
        )
        return await dispatch_answer(conn, profile, today, dispatch_id, user)


async def put_contract(
    db: Database, settings: Settings, user: CurrentUser, dispatch_id: int, body: Any
) -> dict[str, Any]:
    """PDS-8: the contract and certificate record of the current term (fields given replace the stored)."""
    require_role(user, *BUREAU)
    profile, today = settings.profile, local_today(settings.tz)
    body = body_object(body)
    forms.only(body, CONTRACT_FIELDS)
    values: dict[str, Any] = {}
    for name in ("tasks", "service_mode", "fee_note", "rights_duties", "appraisal", "breach"):
        if name in body:
            values[name] = forms.text(body, name, max_len=8000)
    if "certificate_no" in body:
        values["certificate_no"] = forms.text(body, "certificate_no", max_len=100)
    if "signed_on" in body:
        values["signed_on"] = forms.day(body.get("signed_on"), "signed_on", required=False, not_after=today)
    if "service_fee_cny" in body:
        values["service_fee_fen"] = forms.amount_fen(body.get("service_fee_cny"), "service_fee_cny")
    if not values:
        raise bad_request("body", f"names no field of the contract: {', '.join(CONTRACT_FIELDS)}")
    async with db.write() as conn:
        d = await dispatch_row(conn, user, dispatch_id, lock=True)
        if d.status != "serving":
            raise ApiError(
                409, "dispatch_id", f"the dispatch is {d.status}: a contract belongs to a serving term"
            )
        term = (await terms_of(conn, [dispatch_id]))[dispatch_id][-1]
        old = (
            await conn.execute(sa.select(dispatch_contracts).where(dispatch_contracts.c.term_id == term.id))
        ).one_or_none()
        stamp = {"recorded_by": user.id, "recorded_at": utcnow()}
        if old is None:
            await conn.execute(dispatch_contracts.insert().values(term_id=term.id, **values, **stamp))
        else:
            await conn.execute(
                dispatch_contracts.update()
                .where(dispatch_contracts.c.term_id == term.id)
                .values(**values, **stamp)
            )
        before = None if old is None else {k: getattr(old, k) for k in values}
        after = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in values.items()}
        if before is not None:
            before = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in before.items()}
        await audit(
            conn,
            user.id,
            "dispatch.contract",
            "dispatch",
            str(dispatch_id),
            before,
            {"term": term.number, **after, "rule_id": "PDS-8"},
        )
        return await dispatch_answer(conn, profile, today, dispatch_id, user)


# --- the end of service ------------------------------------------------------------------------------------


async def close_now(conn: AsyncConnection, by: int, d: Any) -> None:
    """Take the district link and the planner's term away; the planner's records and account stay."""
    if d.planner_id is not None:
        await unlink_district(conn, by, d.planner_id, d.district_id)
        await write_profile(conn, by, d.planner_id, {"term_start": None, "responsibility_area": None})
    await conn.execute(
        dispatches.update()
        .where(dispatches.c.id == d.id)
        .values(status="ended", closed_at=utcnow(), closed_by=by)
    )
    await audit(
        conn,
        by,
        "dispatch.close",
        "dispatch",
        str(d.id),
        {"status": d.status},
        {"status": "ended", "ends_on": d.ends_on.isoformat() if d.ends_on else None},
    )


async def end_service(
    conn: AsyncConnection,
    by: int,
    d: Any,
    last_day: date,
    today: date,
    reason: str,
    rule_id: str | None,
    note: str | None,
) -> dict[str, Any]:
    """Decide a dispatch's last day of service; close it now when that day has come (a proposed one is
    withdrawn). Returns what was done, for the audit entry of the decision."""
    if d.status == "proposed":
        await conn.execute(
            dispatches.update()
            .where(dispatches.c.id == d.id)
            .values(
                status="withdrawn",
                end_reason=reason,
                end_rule=rule_id,
                end_note=note,
                closed_at=utcnow(),
                closed_by=by,
            )
        )
        return {"dispatch_id": d.id, "status": "withdrawn"}
    if d.starts_on is not None and last_day < d.starts_on:
        raise bad_request("ends_on", f"may not be before the service started ({d.starts_on.isoformat()})")
    await conn.execute(
        dispatches.update()
        .where(dispatches.c.id == d.id)
        .values(ends_on=last_day, end_reason=reason, end_rule=rule_id, end_note=note)
    )
    closed = last_day <= today
    if closed:
        row = (await conn.execute(sa.select(dispatches).where(dispatches.c.id == d.id))).one()
        await close_now(conn, by, row)
    return {"dispatch_id": d.id, "ends_on": last_day.isoformat(), "closed": closed}


async def dispatched(conn: AsyncConnection, candidate_id: int) -> bool:
    """Whether the candidate was ever picked (a withdrawn proposal aside)."""
    query = sa.select(dispatches.c.id).where(
        dispatches.c.candidate_id == candidate_id, dispatches.c.status != "withdrawn"
    )
    return (await conn.execute(query.limit(1))).first() is not None
