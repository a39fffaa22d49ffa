"""Rows of the term's tables to the plain inputs of its rules, in one place: a candidate's facts (for
eligibility), objections and standing, the dispatch they are on, their latest grade; requests with their
dispatches. A pool is small (hundreds of people): the views load it whole and compute in Python.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from server.core.access import district_names, planner_districts
from server.core.models import (
    User,
    dispatch_contracts,
    dispatch_requests,
    dispatch_terms,
    dispatches,
    final_grades,
    pool_candidates,
    pool_objections,
    table_of,
)
from server.term import eligibility, status
from shared.profiles import Profile

_users = table_of(User)

#: Dispatches that hold a candidate: being appointed or serving (not yet closed).
HOLDING = ("proposed", "serving")


def facts(row: Any) -> eligibility.Facts:
    return eligibility.Facts(
        degree=row.degree,
        degree_field=row.degree_field,
        title=row.title,
        registered_planner=bool(row.registered_planner),
        practising_qualification=row.practising_qualification,
        years_in_field=int(row.years_in_field),
        violations=len(row.violations or []),
        exception_reason=row.exception_reason,
    )


def standing(row: Any, objections: Iterable[Any], today: date) -> status.Standing:
    return status.standing(
        row.stage,
        today,
        row.reviewed_on,
        row.notice_ends_on,
        [status.Objection(o.status, o.decided_on) for o in objections],
    )


@dataclass
class CandidateView:
    row: Any
    objections: list[Any]
    standing: status.Standing
    assessment: eligibility.Assessment
    #: Every dispatch of the candidate, oldest first; ``holding`` is the one not yet closed, if any.
    dispatches: list[Any] = field(default_factory=list)
    holding: Any | None = None
    #: The latest final grade of the candidate's account: (year, grade).
    grade: tuple[int, str] | None = None


@dataclass
class Pool:
    candidates: dict[int, CandidateView]
    districts: dict[int, str]
    #: Account id -> the districts it is linked to (a planner's service as ``user_districts`` has it).
    links: dict[int, list[int]] = field(default_factory=dict)


async def user_names(conn: AsyncConnection, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    rows = await conn.execute(sa.select(_users.c.id, _users.c.display_name).where(_users.c.id.in_(wanted)))
    return {r.id: r.display_name for r in rows}


async def latest_grades(conn: AsyncConnection, user_ids: Iterable[int]) -> dict[int, tuple[int, str]]:
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    out: dict[int, tuple[int, str]] = {}
    rows = await conn.execute(
        sa.select(final_grades.c.planner_id, final_grades.c.year, final_grades.c.grade)
        .where(final_grades.c.planner_id.in_(ids))
        .order_by(final_grades.c.year)
    )
    for r in rows:
        out[r.planner_id] = (r.year, r.grade)
    return out


async def load_pool(
    conn: AsyncConnection, profile: Profile, today: date, candidate_ids: Iterable[int] | None = None
) -> Pool:
    query = sa.select(pool_candidates).order_by(pool_candidates.c.id)
    if candidate_ids is not None:
        query = query.where(pool_candidates.c.id.in_(sorted(set(candidate_ids))))
    rows = list((await conn.execute(query)).all())
    ids = [r.id for r in rows]
    objections: dict[int, list[Any]] = {}
    held: dict[int, list[Any]] = {}
    if ids:
        for o in await conn.execute(
            sa.select(pool_objections)
            .where(pool_objections.c.candidate_id.in_(ids))
            .order_by(pool_objections.c.filed_on, pool_objections.c.id)
        ):
            objections.setdefault(o.candidate_id, []).append(o)
        for d in await conn.execute(
            sa.select(dispatches).where(dispatches.c.candidate_id.in_(ids)).order_by(dispatches.c.id)
        ):
            held.setdefault(d.candidate_id, []).append(d)
    grades = await latest_grades(conn, [r.user_id for r in rows if r.user_id is not None])
    out: dict[int, CandidateView] = {}
    for r in rows:
        own = held.get(r.id, [])
        holding = next((d for d in own if d.status in HOLDING), None)
        out[r.id] = CandidateView(
            row=r,
            objections=objections.get(r.id, []),
            standing=standing(r, objections.get(r.id, []), today),
            assessment=eligibility.assess(facts(r), profile.eligibility),
            dispatches=own,
            holding=holding,
            grade=grades.get(r.user_id) if r.user_id is not None else None,
        )
    accounts = [r.user_id for r in rows if r.user_id is not None]
    links = await planner_districts(conn, accounts) if accounts else {}
    return Pool(out, await district_names(conn), links)


async def terms_of(conn: AsyncConnection, dispatch_ids: Iterable[int]) -> dict[int, list[Any]]:
    """Dispatch id -> its terms, first first."""
    ids = sorted(set(dispatch_ids))
    out: dict[int, list[Any]] = {}
    if not ids:
        return out
    for t in await conn.execute(
        sa.select(dispatch_terms)
        .where(dispatch_terms.c.dispatch_id.in_(ids))
        .order_by(dispatch_terms.c.dispatch_id, dispatch_terms.c.number)
    ):
        out.setdefault(t.dispatch_id, []).append(t)
    return out


async def contracts_of(conn: AsyncConnection, term_ids: Iterable[int]) -> dict[int, Any]:
    ids = sorted(set(term_ids))
    if not ids:
        return {}
    rows = await conn.execute(sa.select(dispatch_contracts).where(dispatch_contracts.c.term_id.in_(ids)))
    return {r.term_id: r for r in rows}


async def request_dispatches(conn: AsyncConnection, request_ids: Iterable[int]) -> dict[int, list[Any]]:
    """Request id -> its dispatches that took a seat (every one but the withdrawn)."""
    ids = sorted(set(request_ids))
    out: dict[int, list[Any]] = {}
    if not ids:
        return out
    for d in await conn.execute(
        sa.select(dispatches)
        .where(dispatches.c.request_id.in_(ids), dispatches.c.status != "withdrawn")
        .order_by(dispatches.c.id)
    ):
        out.setdefault(d.request_id, []).append(d)
    return out


def request_status(row: Any, seated: int) -> str:
    if row.withdrawn_on is not None:
        return "withdrawn"
    return "filled" if seated >= row.planners_needed else "open"


async def load_requests(
    conn: AsyncConnection, district_ids: Iterable[int] | None = None, request_ids: Iterable[int] | None = None
) -> list[tuple[Any, list[Any]]]:
    """Requests (of ``district_ids`` or by id; all when both are None), each with its seated dispatches."""
    query = sa.select(dispatch_requests).order_by(dispatch_requests.c.filed_on, dispatch_requests.c.id)
    if district_ids is not None:
        query = query.where(dispatch_requests.c.district_id.in_(sorted(set(district_ids))))
    if request_ids is not None:
        query = query.where(dispatch_requests.c.id.in_(sorted(set(request_ids))))
    rows = list((await conn.execute(query)).all())
    seated = await request_dispatches(conn, [r.id for r in rows])
    return [(r, seated.get(r.id, [])) for r in rows]
