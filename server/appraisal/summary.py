"""The yearly per-planner summary: confirmed and pending visits, hours, opinions, feedback, absences.

`summary_query` reads the per-planner yearly totals that every write keeps (`server.sync.totals`), joined to
the planners in scope and their unexcused absences: a few thousand rows whatever the number of visits.

`records_totals_query` computes the same totals from the records, one row per planner and district: the
reference the kept totals are rebuilt from and checked against (``fieldlog db totals``), not a hot path.
Its visit branches keep the literal WHERE of the partial indexes (`server.core.models.summary_indexes`), so
only visits that count are read.
A visit belongs to the year it started in the deployment's time zone, so the year is turned into UTC
bounds (`shared.rules.year_bounds`) and compared with the stored UTC start.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from server.core.auth import DISTRICT, PLANNER, CurrentUser
from server.core.db import Database, InRange, live
from server.core.errors import bad_request
from server.core.models import (
    TOTALS_COLUMNS,
    Activity,
    Attendance,
    Feedback,
    Opinion,
    PlannerYearTotals,
    User,
    UserDistrict,
    Visit,
    table_of,
)
from server.core.settings import Settings
from server.opinions.service import opinion_followups
from shared.rules import UNEXCUSED, hours_from_hundredths, year_bounds

_users, _links = table_of(User), table_of(UserDistrict)
_visits, _opinions, _feedback = table_of(Visit), table_of(Opinion), table_of(Feedback)
_activities, _attendance = table_of(Activity), table_of(Attendance)
_totals = table_of(PlannerYearTotals)


def parse_year(raw: str | None) -> int:
    if raw is None or not raw.strip():
        raise bad_request("year", "is required (for example 2025)")
    try:
        year = int(raw)
    except ValueError:
        raise bad_request("year", "must be a year such as 2025") from None
    if not 2000 <= year <= 2100:
        raise bad_request("year", "must be between 2000 and 2100")
    return year


def _absences(start: datetime, end: datetime) -> sa.Subquery:
    return (
        sa.select(_attendance.c.planner_id, sa.func.count().label("n"))
        .select_from(_attendance.join(_activities, _activities.c.id == _attendance.c.activity_id))
        .where(
            _attendance.c.status == UNEXCUSED, _activities.c.starts_at >= start, _activities.c.starts_at < end
        )
        .group_by(_attendance.c.planner_id)
        .subquery("a")
    )


def _in_scope(query: sa.Select[Any], user: CurrentUser) -> sa.Select[Any]:
    query = query.where(_users.c.role == PLANNER).order_by(_users.c.id)
    if user.role == PLANNER:
        return query.where(_users.c.id == user.id)
    if user.role == DISTRICT:
        served = sa.select(_links.c.user_id).where(_links.c.district_id.in_(sorted(user.district_ids)))
        return query.where(_users.c.id.in_(served))
    return query if user.sees_all else query.where(sa.false())


def year_totals(year: int, by: str) -> sa.Subquery:
    """The kept totals of ``year`` (`server.sync.totals`) summed per ``by``: planner_id or district_id."""
    t = _totals
    return (
        sa.select(t.c[by], *(sa.func.sum(t.c[c]).label(c) for c in TOTALS_COLUMNS))
        .where(t.c.year == year)
        .group_by(t.c[by])
        .subquery(f"totals_by_{by}")
    )


def summary_query(year: int, tz: str, user: CurrentUser) -> sa.Select[Any]:
    """The summary as one statement: the planners in scope, their kept totals for ``year`` summed over
    their districts, and their unexcused absences. ``tz`` must be the zone the totals were built for."""
    start, end = year_bounds(year, tz)
    t = year_totals(year, "planner_id")
    a = _absences(start, end)
    query = sa.select(
        _users.c.id,
        _users.c.username,
        _users.c.display_name,
        sa.func.coalesce(t.c.visits_confirmed, 0).label("confirmed"),
        sa.func.coalesce(t.c.visits_pending, 0).label("pending"),
        sa.func.coalesce(t.c.confirmed_hundredths, 0).label("hundredths"),
        sa.func.coalesce(t.c.opinions, 0).label("opinions"),
        sa.func.coalesce(t.c.feedback, 0).label("feedback"),
        sa.func.coalesce(a.c.n, 0).label("absences"),
    ).select_from(
        _users.outerjoin(t, t.c.planner_id == _users.c.id).outerjoin(a, a.c.planner_id == _users.c.id)
    )
    return _in_scope(query, user)


def opinion_totals_query(year: int, tz: str) -> sa.Select[Any]:
    """Live opinions of the year per planner and adoption (None: no follow-up yet): how many, how many rated
    and their quality total (CQ-9), and how many keep a dissent on record (CQ-6, a non-empty ``dissent``)."""
    fu = opinion_followups
    start, end = year_bounds(year, tz)
    dissent = sa.func.coalesce(_opinions.c.data["dissent"].as_string(), "") != ""
    return (
        sa.select(
            _opinions.c.planner_id,
            fu.c.adoption,
            sa.func.count().label("n"),
            sa.func.count(fu.c.quality).label("rated"),
            sa.func.coalesce(sa.func.sum(fu.c.quality), 0).label("quality_total"),
            sa.func.sum(sa.case((dissent, 1), else_=0)).label("dissents"),
        )
        .select_from(_opinions.outerjoin(fu, fu.c.opinion_id == _opinions.c.id))
        .where(live(_opinions), InRange(_opinions.c.issued_at, start, end))
        .group_by(_opinions.c.planner_id, fu.c.adoption)
    )


def attendance_totals_query(year: int, tz: str) -> sa.Select[Any]:
    """Recorded attendance at the year's activities per planner and status (attended/excused/unexcused)."""
    start, end = year_bounds(year, tz)
    return (
        sa.select(_attendance.c.planner_id, _attendance.c.status, sa.func.count().label("n"))
        .select_from(_attendance.join(_activities, _activities.c.id == _attendance.c.activity_id))
        .where(
            _attendance.c.status.is_not(None), _activities.c.starts_at >= start, _activities.c.starts_at < end
        )
        .group_by(_attendance.c.planner_id, _attendance.c.status)
    )


async def planner_summary(db: Database, settings: Settings, user: CurrentUser, year: int) -> dict[str, Any]:
    target = settings.profile.visit_target
    async with db.read() as conn:
        rows = (await conn.execute(summary_query(year, settings.tz, user))).all()
    return {
        "year": year,
        "profile": settings.profile_name,
        "planners": [
            {
                "planner_id": r.id,
                "username": r.username,
                "display_name": r.display_name,
                "visits_confirmed": int(r.confirmed),
                "visits_pending": int(r.pending),
                "hours_confirmed": hours_from_hundredths(int(r.hundredths)),
                "opinions": int(r.opinions),
                "feedback": int(r.feedback),
                "absences_unexcused": int(r.absences),
                "visit_target": target,
            }
            for r in rows
        ],
    }
