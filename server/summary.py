"""The yearly per-planner summary: confirmed and pending visits, hours, opinions, feedback, absences.

`summary_query` reads the per-planner yearly totals that every write keeps (`server.totals`), joined to
the planners in scope and their unexcused absences: a few thousand rows whatever the number of visits.

`records_totals_query` computes the same totals from the records, one row per planner and district: the
reference the kept totals are rebuilt from and checked against (``fieldlog db totals``), not a hot path.
Its visit branches keep the literal WHERE of the partial indexes (`server.models.summary_indexes`), so
only visits that count are read.
A visit belongs to the year it started in the deployment's time zone, so the year is turned into UTC
bounds (`shared.rules.year_bounds`) and compared with the stored UTC start.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from litestar import Controller, Request, get
from litestar.params import FromQuery
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler

from shared.rules import CONFIRMED, PENDING, UNEXCUSED, hours_from_hundredths, year_bounds

from .auth import DISTRICT, PLANNER, CurrentUser
from .db import Database
from .errors import bad_request
from .followup import opinion_followups
from .models import (
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
from .settings import Settings

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


class InRange(sa.sql.expression.ColumnElement[bool]):
    """``start <= column < end`` for an instant column, spelt so the summary indexes serve it.

    PostgreSQL compares the timestamptz column; SQLite compares whole Unix seconds computed by the very
    expression its summary indexes are built on (`server.models.epoch_seconds_sql`). The bounds are whole
    seconds, so truncating a start's fraction never moves it across a bound.
    """

    # No Boolean type: SQLite would render a boolean expression in WHERE as ``(...) = 1``.
    type = cast("sa.types.TypeEngine[bool]", sa.types.NullType())
    inherit_cache = False

    def __init__(self, column: sa.ColumnElement[Any], start: datetime, end: datetime) -> None:
        self.column, self.start, self.end = column, start, end


@compiles(InRange)
def _in_range(element: InRange, compiler: SQLCompiler, **kw: Any) -> str:
    c = element.column
    return "(" + compiler.process(sa.and_(c >= element.start, c < element.end), **kw) + ")"


@compiles(InRange, "sqlite")
def _in_range_sqlite(element: InRange, compiler: SQLCompiler, **kw: Any) -> str:
    seconds = sa.cast(sa.func.strftime(sa.literal_column("'%s'"), element.column), sa.Integer)
    start, end = int(element.start.timestamp()), int(element.end.timestamp())
    return "(" + compiler.process(sa.and_(seconds >= start, seconds < end), **kw) + ")"


def _live(t: sa.Table) -> sa.ColumnElement[bool]:
    # Rendered as a literal (``deleted = 0`` / ``= false``) so the planner can match the partial indexes.
    return t.c.deleted == sa.false()


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
    """The kept totals of ``year`` (`server.totals`) summed per ``by``: ``planner_id`` or ``district_id``."""
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


def records_totals_query(year: int, tz: str) -> sa.Select[Any]:
    """The totals of ``year`` aggregated from the records themselves, one row per planner and district:
    the reference that `server.totals` rebuilds from and is checked against."""
    start, end = year_bounds(year, tz)
    in_year = InRange(_visits.c.started_at, start, end)
    one = sa.literal(1)

    def part(t: sa.Table, where: list[Any], **values: Any) -> sa.Select[Any]:
        # Labelled, so the union's columns line up by name (repeated literals would be merged into one).
        columns = [values.get(c, sa.literal(0)).label(c) for c in TOTALS_COLUMNS]
        return sa.select(t.c.planner_id, t.c.district_id, *columns).where(_live(t), *where)

    # Literal values, not parameters: a partial index is used only when the query visibly implies its WHERE.
    confirmed = _visits.c.review == sa.literal_column(f"'{CONFIRMED}'")
    pending = _visits.c.review == sa.literal_column(f"'{PENDING}'")
    parts = (
        part(
            _visits,
            [confirmed, _visits.c.ended_at.is_not(None), in_year],
            visits_confirmed=one,
            # Each visit's hours rounded to hundredths (half up), then summed, as shared.rules.visit_hours
            # says hours are shown and summed: the dashboard's hours then equal the reports' and dossiers'.
            confirmed_hundredths=(_visits.c.duration_s * 100 + 1800) // 3600,
        ),
        part(_visits, [pending, in_year], visits_pending=one),
        part(_opinions, [InRange(_opinions.c.issued_at, start, end)], opinions=one),
        part(_feedback, [InRange(_feedback.c.collected_at, start, end)], feedback=one),
    )
    u = sa.union_all(*parts).subquery("parts")
    return (
        sa.select(u.c.planner_id, u.c.district_id, *(sa.func.sum(u.c[c]).label(c) for c in TOTALS_COLUMNS))
        .group_by(u.c.planner_id, u.c.district_id)
        .order_by(u.c.planner_id, u.c.district_id)
    )


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
        .where(_live(_opinions), InRange(_opinions.c.issued_at, start, end))
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


class SummaryController(Controller):
    path = "/api/summary"
    tags = ("summary",)

    @get("/planners", summary="Per-planner yearly numbers (visits, hours, opinions, feedback, absences)")
    async def planners(
        self, request: Request[CurrentUser, Any, Any], year: FromQuery[str | None] = None
    ) -> dict[str, Any]:
        return await planner_summary(
            request.app.state.db, request.app.state.settings, request.user, parse_year(year)
        )
