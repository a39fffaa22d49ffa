"""The coordinator's year at a glance: numbers per planner and per district, pace, alerts, a map of visits.

Numbers come from SQL aggregates: the per-planner summary statement of `server.appraisal.summary` (its partial
indexes make it fast on a million visits), its grouped opinion totals for quality (the appraisal list reads
the same statements) and one statement per record kind for district totals. Hours are each confirmed
visit's hours rounded to hundredths (half up) and summed, as shared.rules.visit_hours prescribes, so they
equal the dossiers' and the reports'.

Pace and alerts call server/appraisal/alerts.py: the expected count is ``alerts.pace`` on the dashboard's
day (``as_of``: today in the current year, 31 December for a past year, 1 January for a future one),
compared with the SQL count of confirmed visits; CQ-11, PDS-10 and PDS-11 come from
``alerts.planner_alerts`` over the (small) attendance and exit-request tables.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa

from server.appraisal import alerts as al
from server.appraisal.data import load_attendance, load_planners, local_today
from server.appraisal.summary import opinion_totals_query, summary_query, year_totals
from server.core.access import district_names, planner_districts, require_role
from server.core.auth import BUREAU, DISTRICT, CurrentUser
from server.core.db import Database
from server.core.errors import forbidden
from server.core.models import TOTALS_COLUMNS, Feedback, Opinion, User, Visit, table_of
from server.core.settings import Settings, map_settings
from server.people.exits import ExitRequest
from server.people.service import exit_requests
from shared.geo import wgs84_to_gcj02
from shared.rules import hours_from_hundredths, year_bounds

_visits, _opinions, _feedback, _users = table_of(Visit), table_of(Opinion), table_of(Feedback), table_of(User)

MAX_POINTS = 20_000
_NONE = dict.fromkeys(TOTALS_COLUMNS, 0)


def as_of(year: int, tz: str) -> date:
    today = local_today(tz)
    if year < today.year:
        return date(year, 12, 31)
    if year > today.year:
        return date(year, 1, 1)
    return today


def alert_json(a: al.Alert, names: dict[int, str]) -> dict[str, Any]:
    return {
        "code": a.code,
        "planner_id": a.planner_id,
        "planner_name": names.get(a.planner_id, ""),
        "rule_id": a.rule_id,
        "params": a.params,
    }


async def _alerts(
    conn: Any,
    settings: Settings,
    year: int,
    day: date,
    pace_by: dict[int, al.Pace],
    planner_ids: list[int],
    unexcused: dict[int, int],
) -> list[al.Alert]:
    """Every open alert for these planners; behind pace from the SQL counts in ``pace_by``."""
    profile = settings.profile
    planners = await load_planners(conn, planner_ids)
    # CQ-11 can only fire for a planner with at least the smaller limit of unexcused absences this year.
    limits = [n for n in (profile.absence_consecutive_limit, profile.absence_yearly_limit) if n is not None]
    at_risk = [p for p in planner_ids if limits and unexcused.get(p, 0) >= min(limits)]
    attendance = await load_attendance(conn, at_risk, year, settings.tz) if at_risk else []
    exits = [
        ExitRequest(r.id, r.planner_id, r.filed_on, r.leave_on)
        for r in await conn.execute(
            sa.select(exit_requests)
            .where(exit_requests.c.planner_id.in_(planner_ids))
            .order_by(exit_requests.c.filed_on)
        )
        if r.filed_on.year == year or r.leave_on.year == year
    ]
    # Each planner gets only their own records: planner_alerts filters its inputs, which over every
    # planner's records would cost planners x records.
    att_by: dict[int, list[Any]] = {}
    for rec in attendance:
        att_by.setdefault(rec.planner_id, []).append(rec)
    exits_by: dict[int, list[ExitRequest]] = {}
    for e in exits:
        exits_by.setdefault(e.planner_id, []).append(e)
    out: list[al.Alert] = []
    for p in planners:
        out.extend(
            al.planner_alerts(
                p,
                profile,
                day,
                attendance=att_by.get(p.id, ()),
                exit_requests=exits_by.get(p.id, ()),
                tz=settings.tz,
                counted=pace_by.get(p.id),
            )
        )
    return out


async def dashboard(db: Database, settings: Settings, user: CurrentUser, year: int) -> dict[str, Any]:
    require_role(user, DISTRICT, *BUREAU)
    profile = settings.profile
    day = as_of(year, settings.tz)
    async with db.read() as conn:
        rows = (await conn.execute(summary_query(year, settings.tz, user))).all()
        ids = [r.id for r in rows]
        served = await planner_districts(conn, ids) if ids else {}
        quality: dict[int, tuple[int, int]] = {}
        for r in await conn.execute(opinion_totals_query(year, settings.tz)):
            n, total = quality.get(r.planner_id, (0, 0))
            quality[r.planner_id] = (n + int(r.rated), total + int(r.quality_total))
        names = await district_names(conn)
        district_ids = sorted(names) if user.sees_all else sorted(user.district_ids)

        sums = year_totals(year, "district_id")
        by_district = {
            r.district_id: r._mapping
            for r in await conn.execute(sa.select(sums).where(sums.c.district_id.in_(district_ids)))
        }
        pace_by: dict[int, al.Pace] = {r.id: al.pace_of(int(r.confirmed), profile, day) for r in rows}
        unexcused = {r.id: int(r.absences) for r in rows}
        alerts = await _alerts(conn, settings, year, day, pace_by, ids, unexcused) if ids else []
    display = {r.id: r.display_name for r in rows}
    by_planner: dict[int, list[dict[str, Any]]] = {}
    for a in alerts:
        by_planner.setdefault(a.planner_id, []).append(alert_json(a, display))
    planners = []
    for r in rows:
        p = pace_by[r.id]
        n, total = quality.get(r.id, (0, 0))
        planners.append(
            {
                "planner_id": r.id,
                "username": r.username,
                "display_name": r.display_name,
                "districts": served.get(r.id, []),
                "visits_confirmed": int(r.confirmed),
                "visits_pending": int(r.pending),
                "visit_target": profile.visit_target,
                "pace": {"expected": p.expected, "status": p.status, "behind_by": p.behind_by},
                "hours_confirmed": round(int(r.hundredths) / 100, 2),
                "opinions": int(r.opinions),
                "opinions_rated": n,
                "opinion_quality_mean": round(total / n, 2) if n else None,
                "feedback": int(r.feedback),
                "absences_unexcused": int(r.absences),
                "alerts": by_planner.get(r.id, []),
            }
        )
    planner_count: dict[int, int] = {}
    for ds in served.values():
        for d in ds:
            planner_count[d] = planner_count.get(d, 0) + 1
    districts = [
        {
            "district_id": d,
            "name": names.get(d, ""),
            "planners": planner_count.get(d, 0),
            "visits_confirmed": int(by_district.get(d, _NONE)["visits_confirmed"]),
            "hours_confirmed": hours_from_hundredths(int(by_district.get(d, _NONE)["confirmed_hundredths"])),
            "opinions": int(by_district.get(d, _NONE)["opinions"]),
            "feedback": int(by_district.get(d, _NONE)["feedback"]),
        }
        for d in district_ids
    ]
    return {
        "year": year,
        "profile": profile.name,
        "as_of": day.isoformat(),
        "planners": planners,
        "districts": districts,
        "alerts": [alert_json(a, display) for a in alerts],
    }


async def alerts_for(db: Database, settings: Settings, user: CurrentUser, year: int) -> dict[str, Any]:
    result = await dashboard(db, settings, user, year)
    return {"year": year, "as_of": result["as_of"], "alerts": result["alerts"]}


async def visit_map(
    db: Database, settings: Settings, user: CurrentUser, year: int, district_id: int | None, limit: int
) -> dict[str, Any]:
    require_role(user, DISTRICT, *BUREAU)
    if district_id is not None and not user.sees_all and district_id not in user.district_ids:
        raise forbidden("district_id", "is not a district you work for")
    _, crs = map_settings()
    start, end = year_bounds(year, settings.tz)
    query = (
        sa.select(_visits.c.id, _visits.c.planner_id, _visits.c.review, _visits.c.district_id, _visits.c.data)
        .where(_visits.c.deleted == sa.false(), _visits.c.started_at >= start, _visits.c.started_at < end)
        .order_by(_visits.c.started_at)
        .limit(limit + 1)
    )
    if district_id is not None:
        query = query.where(_visits.c.district_id == district_id)
    elif not user.sees_all:
        query = query.where(_visits.c.district_id.in_(sorted(user.district_ids)))
    points = []
    async with db.read() as conn:
        rows = (await conn.execute(query)).all()
    for r in rows[:limit]:
        d = r.data or {}
        lat, lon = d.get("lat"), d.get("lon")
        if lat is None or lon is None:
            continue
        if crs == "gcj02":
            lat, lon = wgs84_to_gcj02(lat, lon)
        points.append(
            {
                "visit_id": r.id,
                "lat": lat,
                "lon": lon,
                "planner_id": r.planner_id,
                "district_id": r.district_id,
                "review": r.review,
            }
        )
    return {"crs": crs, "year": year, "points": points, "truncated": len(rows) > limit}
