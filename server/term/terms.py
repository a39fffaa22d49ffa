"""The end of a term and the gaps (PDS-10, PDS-11, CQ-9, CQ-11): a person records the renewal decision
with the grade beside it, a planner leaves early and the seat becomes a replacement request, a service is
closed on its last day, and each district's days without a planner are counted.

The term is read from the dispatch's terms (``dispatch_terms``); the planner's current term start is kept
in ``planner_profiles`` (`server.people`), where the appraisal and its alerts read it: a renewal writes the
next term's start there when it is recorded, a close clears it.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from server.appraisal.attendance import planner_absence_warning
from server.appraisal.data import load_attendance, local_today
from server.core.access import district_names, require_role
from server.core.audit import audit
from server.core.auth import BUREAU, DISTRICT, PLANNER, CurrentUser
from server.core.db import Database, utcnow
from server.core.errors import ApiError, bad_request
from server.core.models import dispatch_terms, dispatches, final_grades, pool_candidates
from server.core.parsing import body_object
from server.core.settings import Settings
from server.people.exits import exit_request_alert
from server.people.service import exit_json, insert_exit_request, parse_exit_request, write_profile
from server.term import decisions, forms, gaps
from server.term.data import load_requests, request_status, terms_of
from server.term.dispatch import (
    close_now,
    dispatch_answer,
    dispatch_answers,
    dispatch_row,
    end_service,
    insert_request,
    request_answer,
)
from server.term.views import iso
from shared.profiles import Profile
from shared.rules import AbsenceWarning


async def _grade(
    conn: AsyncConnection, planner_id: int | None, year: int | None, until: date
) -> tuple[int | None, str | None]:
    """The final grade of ``year``, or the latest one of a year up to ``until``'s."""
    if planner_id is None:
        return year, None
    query = sa.select(final_grades.c.year, final_grades.c.grade).where(
        final_grades.c.planner_id == planner_id
    )
    if year is not None:
        row = (await conn.execute(query.where(final_grades.c.year == year))).first()
        return year, None if row is None else row.grade
    row = (
        await conn.execute(
            query.where(final_grades.c.year <= until.year).order_by(final_grades.c.year.desc())
        )
    ).first()
    return (None, None) if row is None else (row.year, row.grade)


async def _absences(
    conn: AsyncConnection, planner_id: int | None, year: int, profile: Profile, tz: str
) -> AbsenceWarning | None:
    """CQ-11 over the planner's attendance at activities of ``year``."""
    if planner_id is None:
        return None
    records = await load_attendance(conn, [planner_id], year, tz)
    return planner_absence_warning(records, year, profile)


async def current_term(conn: AsyncConnection, dispatch_id: int) -> Any:
    terms = (await terms_of(conn, [dispatch_id])).get(dispatch_id, [])
    if not terms:
        raise ApiError(409, "dispatch_id", "the dispatch has no term: its service has not started")
    return terms[-1]


async def decide_term(
    db: Database, settings: Settings, user: CurrentUser, dispatch_id: int, body: Any
) -> dict[str, Any]:
    """Record the end-of-term decision (see `server.term.decisions`), with the grade beside it; the member's
    status changes at once (removed from the pool, dismissed), the service ends on its last day.

    ``grade_year`` names the appraisal the decision rests on (its grade, and for CQ-11 its absences);
    without it, the latest final grade of a year up to the term's last one, else the term's last year.
    """
    require_role(user, *BUREAU)
    profile, today = settings.profile, local_today(settings.tz)
    body = body_object(body)
    forms.only(body, ("decision", "grade_year", "ground", "note", "ends_on", "next_term_ends_on"))
    decision = forms.code(body.get("decision"), "decision", decisions.DECISIONS)
    grade_year = forms.whole(body.get("grade_year"), "grade_year", lo=2000, hi=2100, required=False)
    ground = body.get("ground")
    if ground is not None and not isinstance(ground, str):
        raise bad_request("ground", "must be a code")
    note = forms.text(body, "note", max_len=4000)
    ends_on = forms.day(body.get("ends_on"), "ends_on", required=False)
    next_ends = forms.day(body.get("next_term_ends_on"), "next_term_ends_on", required=False)
    assert decision is not None
    async with db.write() as conn:
        d = await dispatch_row(conn, user, dispatch_id, lock=True)
        if d.status != "serving" or d.ends_on is not None:
            state = d.status if d.ends_on is None else f"ending on {d.ends_on.isoformat()}"
            raise ApiError(409, "decision", f"the dispatch is {state}: there is no term to decide")
        term = await current_term(conn, dispatch_id)
        year, grade = await _grade(conn, d.planner_id, grade_year, term.ends_on)
        year = year if year is not None else term.ends_on.year
        warning = await _absences(conn, d.planner_id, year, profile, settings.tz)
        try:
            outcome = decisions.decide(
                profile,
                decision,
                decisions.Term(term.starts_on, term.ends_on),
                today,
                grade=grade,
                grade_year=year,
                warning=warning,
                ground=ground,
                note=note,
                ends_on=ends_on,
                next_term_ends_on=next_ends,
            )
        except decisions.DecisionError as exc:
            raise ApiError(422, exc.field, exc.message) from None
        await conn.execute(
            dispatch_terms.update()
            .where(dispatch_terms.c.id == term.id)
            .values(
                decision=outcome.decision,
                decision_rule=outcome.rule_id,
                ground=outcome.ground,
                grade=grade,
                grade_year=year,
                decision_note=note,
                decided_by=user.id,
                decided_at=utcnow(),
            )
        )
        done: dict[str, Any] = {}
        if outcome.next_term is not None:
            nxt = outcome.next_term
            await conn.execute(
                dispatch_terms.insert().values(
                    dispatch_id=dispatch_id,
                    number=term.number + 1,
                    starts_on=nxt.starts_on,
                    ends_on=nxt.ends_on,
                )
            )
            assert d.planner_id is not None
            await write_profile(conn, user.id, d.planner_id, {"term_start": nxt.starts_on})
            done["next_term"] = {"starts_on": nxt.starts_on.isoformat(), "ends_on": nxt.ends_on.isoformat()}
        if outcome.pool_stage is not None:
            cand = (
                await conn.execute(sa.select(pool_candidates).where(pool_candidates.c.id == d.candidate_id))
            ).one()
            values: dict[str, Any] = {"stage": outcome.pool_stage, "updated_at": utcnow()}
            if outcome.pool_stage == "removed":
                values.update(
                    removed_on=outcome.service_ends_on,
                    removal_reason=outcome.ground,
                    removal_rule=outcome.rule_id,
                    removal_note=note,
                    removed_by=user.id,
                )
            await conn.execute(
                pool_candidates.update().where(pool_candidates.c.id == d.candidate_id).values(**values)
            )
            await audit(
                conn,
                user.id,
                "pool.status",
                "candidate",
                str(d.candidate_id),
                {"stage": cand.stage},
                {
                    "stage": outcome.pool_stage,
                    "rule_id": outcome.rule_id,
                    "ground": outcome.ground,
                    "dispatch_id": d.id,
                },
            )
        if outcome.service_ends_on is not None and outcome.end_reason is not None:
            done["service"] = await end_service(
                conn, user.id, d, outcome.service_ends_on, today, outcome.end_reason, outcome.rule_id, note
            )
        await audit(
            conn,
            user.id,
            "term.decision",
            "dispatch",
            str(dispatch_id),
            None,
            {
                "term": term.number,
                "decision": outcome.decision,
                "rule_id": outcome.rule_id,
                "ground": outcome.ground,
                "grade": grade,
                "grade_year": year,
                "note": note,
                **done,
            },
        )
        return await dispatch_answer(conn, profile, today, dispatch_id, user)


async def leave_early(
    db: Database, settings: Settings, user: CurrentUser, dispatch_id: int, body: Any
) -> dict[str, Any]:
    """PDS-11: a serving planner's written exit request; the service ends the day before ``leave_on`` and
    the district's seat is at once a replacement request, ranked like any other (PDS-7)."""
    require_role(user, *BUREAU)
    profile, today = settings.profile, local_today(settings.tz)
    filed_on, leave_on, reason = parse_exit_request(body)
    async with db.write() as conn:
        d = await dispatch_row(conn, user, dispatch_id, lock=True)
        if d.status != "serving" or d.ends_on is not None or d.planner_id is None:
            raise ApiError(
                409, "leave_on", f"the dispatch is {d.status}{'' if d.ends_on is None else ', ending'}"
            )
        if leave_on <= d.starts_on:
            raise bad_request("leave_on", f"must be after the service started ({d.starts_on.isoformat()})")
        exit_row = await insert_exit_request(conn, user.id, d.planner_id, filed_on, leave_on, reason)
        [(req, _)] = await load_requests(conn, request_ids=[d.request_id])
        replacement = await insert_request(
            conn,
            user.id,
            {
                "district_id": d.district_id,
                "specialties": list(req.specialties or []),
                "planners_needed": 1,
                "service_focus": req.service_focus,
                "responsibility_area": d.responsibility_area,
                "note": reason,
                "filed_on": min(filed_on, today),
                "replaces_dispatch_id": d.id,
            },
        )
        ended = await end_service(
            conn, user.id, d, leave_on - timedelta(days=1), today, "left_early", "PDS-11", reason
        )
        await audit(
            conn,
            user.id,
            "term.leave_early",
            "dispatch",
            str(dispatch_id),
            None,
            {
                "exit_request_id": exit_row.id,
                "replacement_request_id": replacement,
                **ended,
                "rule_id": "PDS-11",
            },
        )
        return {
            "dispatch": await dispatch_answer(conn, profile, today, dispatch_id, user),
            "exit_request": {**exit_json(exit_row), "alert": exit_request_alert(exit_row, profile)},
            "replacement_request": await request_answer(conn, replacement),
        }


async def close_service(
    db: Database, settings: Settings, user: CurrentUser, dispatch_id: int
) -> dict[str, Any]:
    """Close a service whose last day has come: the district link and the planner's term are taken away."""
    require_role(user, *BUREAU)
    profile, today = settings.profile, local_today(settings.tz)
    async with db.write() as conn:
        d = await dispatch_row(conn, user, dispatch_id, lock=True)
        if d.status != "serving" or d.ends_on is None:
            raise ApiError(
                409,
                "dispatch_id",
                f"the dispatch is {d.status}{'' if d.ends_on else ' with no last day decided'}",
            )
        if d.ends_on > today:
            raise ApiError(
                422,
                "dispatch_id",
                f"the service runs until {d.ends_on.isoformat()}: close it on or after that day",
            )
        await close_now(conn, user.id, d)
        return await dispatch_answer(conn, profile, today, dispatch_id, user)


async def list_terms(db: Database, settings: Settings, user: CurrentUser) -> dict[str, Any]:
    """Terms of the dispatches the user may see (the bureau all, staff their districts', a planner their
    own), each with the days left, the latest grade and, for the bureau, the suggested decision."""
    require_role(user, PLANNER, DISTRICT, *BUREAU)
    profile, today = settings.profile, local_today(settings.tz)
    query = (
        sa.select(dispatches).where(dispatches.c.status.in_(("serving", "ended"))).order_by(dispatches.c.id)
    )
    if user.role == DISTRICT:
        query = query.where(dispatches.c.district_id.in_(sorted(user.district_ids)))
    elif user.role == PLANNER:
        query = query.where(dispatches.c.planner_id == user.id)
    async with db.read() as conn:
        rows = list((await conn.execute(query)).all())
        answers = await dispatch_answers(conn, profile, today, rows)
        planners = sorted({d.planner_id for d in rows if d.planner_id is not None})
        grades: dict[int, list[tuple[int, str]]] = {}
        if planners:
            for g in await conn.execute(
                sa.select(final_grades.c.planner_id, final_grades.c.year, final_grades.c.grade)
                .where(final_grades.c.planner_id.in_(planners))
                .order_by(final_grades.c.year)
            ):
                grades.setdefault(g.planner_id, []).append((g.year, g.grade))
        out = []
        wanted: dict[int, list[int]] = {}  # year -> planners whose suggestion reads that year's absences
        for d, a in zip(rows, answers, strict=True):
            term = a["terms"][-1] if a["terms"] else None
            entry: dict[str, Any] = {
                "dispatch_id": d.id,
                "planner_id": d.planner_id,
                "name": a["name"],
                "district_id": d.district_id,
                "district_name": a["district_name"],
                "status": d.status,
                "service_ends_on": iso(d.ends_on),
                "close_due": a["close_due"],
                "term": term,
                "terms": len(a["terms"]),
                "latest_grade": None,
            }
            if term is not None:
                ends = date.fromisoformat(term["ends_on"])
                # The latest final grade of a year up to the term's last one (as a decision reads it).
                held = [g for g in grades.get(d.planner_id or 0, []) if g[0] <= ends.year]
                if held:
                    entry["latest_grade"] = {"year": held[-1][0], "grade": held[-1][1]}
                if user.sees_all and d.status == "serving" and term["decision"] is None and d.planner_id:
                    wanted.setdefault(held[-1][0] if held else ends.year, []).append(d.planner_id)
            out.append(entry)
        warnings: dict[tuple[int, int], AbsenceWarning | None] = {}
        for year, ids in wanted.items():
            records = await load_attendance(conn, sorted(set(ids)), year, settings.tz)
            for pid in ids:
                own = [r for r in records if r.planner_id == pid]
                warnings[(year, pid)] = planner_absence_warning(own, year, profile)
    for entry in out:
        term = entry["term"]
        if not (user.sees_all and entry["status"] == "serving" and term and term["decision"] is None):
            continue
        if entry["planner_id"] is None:
            continue
        g = entry["latest_grade"]
        year = g["year"] if g else date.fromisoformat(term["ends_on"]).year
        warning = warnings.get((year, entry["planner_id"]))
        entry["suggestion"] = decisions.suggestion(
            profile, g["grade"] if g else None, year if g else None, warning
        )
    return {"today": today.isoformat(), "term_years": profile.term_years, "terms": out}


async def district_gaps(
    db: Database, settings: Settings, user: CurrentUser, start: date | None, end: date | None
) -> dict[str, Any]:
    """Each district's days without a planner since it first asked for one (PDS-11), in ``[start, end]``
    (default: 1 January of this year to today), with its open seats."""
    require_role(user, DISTRICT, *BUREAU)
    today = local_today(settings.tz)
    end = end or today
    start = start or date(end.year, 1, 1)
    if start > end:
        raise bad_request("from", f"must be on or before {end.isoformat()}")
    if (end - start).days > 3660:
        raise bad_request("from", "the period may span at most ten years")
    async with db.read() as conn:
        names = await district_names(conn)
        scope = sorted(names) if user.sees_all else sorted(user.district_ids & set(names))
        requests = await load_requests(conn, scope)
        rows = list(
            (
                await conn.execute(
                    sa.select(dispatches).where(
                        dispatches.c.district_id.in_(scope), dispatches.c.status.in_(("serving", "ended"))
                    )
                )
            ).all()
        )
    out = []
    for district_id in scope:
        own = [r for r, _ in requests if r.district_id == district_id]
        first = min((r.filed_on for r in own), default=None)
        served = [(d.starts_on, d.ends_on) for d in rows if d.district_id == district_id and d.starts_on]
        g = gaps.district_gap(served, first, start, end)
        open_seats = sum(
            r.planners_needed - len(seated)
            for r, seated in requests
            if r.district_id == district_id and request_status(r, len(seated)) == "open"
        )
        serving = sum(
            1
            for d in rows
            if d.district_id == district_id and d.starts_on <= end and (d.ends_on is None or d.ends_on >= end)
        )
        out.append(
            {
                "district_id": district_id,
                "district_name": names[district_id],
                "needed_since": iso(first),
                "days_without_planner": g.days,
                "spans": [{"from": a.isoformat(), "to": b.isoformat()} for a, b in g.spans],
                "current_gap_days": g.current,
                "serving": serving,
                "open_seats": open_seats,
            }
        )
    return {"from": start.isoformat(), "to": end.isoformat(), "rule_id": "PDS-11", "districts": out}
