"""Rows to the appraisal's plain inputs (server/appraisal/model.py): planners, a year's records, attendance,
exit requests. One place maps the database to the domain, so the appraisal, reports and alerts read the
same facts. The appraisal list reads only numbers (`year_values`, SQL aggregates); a dossier, the records.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from server.appraisal import model as m
from server.appraisal.attendance import planner_absence_warning
from server.appraisal.grading import Values
from server.appraisal.summary import attendance_totals_query, opinion_totals_query, summary_query
from server.core.access import district_names, planner_districts
from server.core.auth import CurrentUser
from server.core.models import Activity, Attendance, Feedback, Opinion, User, Visit, table_of
from server.opinions.service import opinion_followups
from server.people.exits import ExitRequest
from server.people.service import exit_requests, planner_profiles
from shared import rules
from shared.geo import area_from_json
from shared.profiles import Profile
from shared.rules import ATTENDED, EXCUSED, UNEXCUSED, hours_from_hundredths, year_bounds

_users, _visits, _opinions, _feedback = table_of(User), table_of(Visit), table_of(Opinion), table_of(Feedback)
_activities, _attendance = table_of(Activity), table_of(Attendance)


@dataclass
class YearFacts:
    year: int
    planners: list[m.Planner]
    visits: list[m.Visit] = field(default_factory=list)
    opinions: list[m.Opinion] = field(default_factory=list)
    feedback: list[m.Feedback] = field(default_factory=list)
    attendance: list[m.Attendance] = field(default_factory=list)
    exit_requests: list[ExitRequest] = field(default_factory=list)
    #: planner id -> every district served (Planner.district_id is the first).
    districts: dict[int, list[int]] = field(default_factory=dict)


async def load_planners(conn: AsyncConnection, planner_ids: Iterable[int] | None = None) -> list[m.Planner]:
    served = await planner_districts(conn, None if planner_ids is None else sorted(planner_ids))
    names = await district_names(conn)
    if not served:
        return []
    users = {
        r.id: r
        for r in await conn.execute(
            sa.select(_users.c.id, _users.c.display_name, _users.c.active).where(
                _users.c.id.in_(sorted(served))
            )
        )
    }
    profiles = {
        r.user_id: r
        for r in await conn.execute(
            sa.select(planner_profiles).where(planner_profiles.c.user_id.in_(sorted(served)))
        )
    }
    out = []
    for pid in sorted(served):
        if pid not in users or not users[pid].active:
            continue
        first = served[pid][0] if served[pid] else 0
        prof = profiles.get(pid)
        area = prof.responsibility_area if prof is not None else None
        out.append(
            m.Planner(
                id=pid,
                name=users[pid].display_name,
                district_id=first,
                district_name=names.get(first, ""),
                area=area_from_json(area) if area else None,
                term_start=prof.term_start if prof is not None else None,
            )
        )
    return out


def visit_facts(r: Any, held: set[str] | None = None) -> m.Visit:
    """A visit row as the appraisal and the review see it; ``held`` is the photo digests the server has
    (None when the caller does not ask which photos are missing)."""
    d = getattr(r, "data", None) or {}
    photos = tuple(d.get("photos") or ())
    return m.Visit(
        id=r.id,
        planner_id=r.planner_id,
        district_id=r.district_id,
        started_at=r.started_at,
        ended_at=r.ended_at,
        site=d.get("site") or "",
        purpose=d.get("purpose") or "",
        lat=d.get("lat"),
        lon=d.get("lon"),
        accuracy_m=d.get("accuracy_m"),
        photos=photos,
        photos_missing=() if held is None else tuple(p for p in photos if p not in held),
        received_at=getattr(r, "received_at", None),
        clock_offset_s=getattr(r, "clock_offset_s", None),
        review=r.review,
        reason_code=r.reason_code,
    )


async def load_year(
    conn: AsyncConnection,
    year: int,
    tz: str,
    planner_ids: Iterable[int] | None = None,
    *,
    confirmed_only: bool = False,
) -> YearFacts:
    """Everything the appraisal of ``year`` reads for the planners named (all planners when None)."""
    planners = await load_planners(conn, planner_ids)
    ids = [p.id for p in planners]
    start, end = year_bounds(year, tz)
    facts = YearFacts(year, planners, districts=await planner_districts(conn, ids))
    if not ids:
        return facts
    vq = sa.select(_visits).where(
        _visits.c.planner_id.in_(ids),
        _visits.c.deleted == sa.false(),
        _visits.c.started_at >= start,
        _visits.c.started_at < end,
    )
    if confirmed_only:
        vq = vq.where(_visits.c.review == "confirmed")
    facts.visits = [visit_facts(r) for r in await conn.execute(vq)]
    oq = (
        sa.select(_opinions, opinion_followups.c.adoption, opinion_followups.c.quality)
        .select_from(_opinions.outerjoin(opinion_followups, opinion_followups.c.opinion_id == _opinions.c.id))
        .where(
            _opinions.c.planner_id.in_(ids),
            _opinions.c.deleted == sa.false(),
            _opinions.c.issued_at >= start,
            _opinions.c.issued_at < end,
        )
    )
    for r in await conn.execute(oq):
        d = r.data or {}
        facts.opinions.append(
            m.Opinion(
                id=r.id,
                planner_id=r.planner_id,
                district_id=r.district_id,
                subject=d.get("subject") or "",
                opinion_kind=d.get("opinion_kind") or "other",
                body=d.get("body") or "",
                issued_at=r.issued_at,
                suggestions=d.get("suggestions"),
                required_changes=d.get("required_changes"),
                dissent=d.get("dissent"),
                quality=r.quality,
                adoption=r.adoption,
            )
        )
    fq = sa.select(_feedback).where(
        _feedback.c.planner_id.in_(ids),
        _feedback.c.deleted == sa.false(),
        _feedback.c.collected_at >= start,
        _feedback.c.collected_at < end,
    )
    for r in await conn.execute(fq):
        d = r.data or {}
        facts.feedback.append(
            m.Feedback(
                id=r.id,
                planner_id=r.planner_id,
                district_id=r.district_id,
                place=d.get("place") or "",
                category=d.get("category") or "other",
                content=d.get("content") or "",
                collected_at=r.collected_at,
            )
        )
    facts.attendance = await load_attendance(conn, ids, year, tz)
    eq = (
        sa.select(exit_requests).where(exit_requests.c.planner_id.in_(ids)).order_by(exit_requests.c.filed_on)
    )
    facts.exit_requests = [
        ExitRequest(id=r.id, planner_id=r.planner_id, filed_on=r.filed_on, leave_on=r.leave_on)
        for r in await conn.execute(eq)
    ]
    return facts


async def load_attendance(
    conn: AsyncConnection, planner_ids: list[int], year: int, tz: str
) -> list[m.Attendance]:
    """Recorded attendance (status set) at activities of ``year``, dated by the activity's local day."""
    start, end = year_bounds(year, tz)
    zone = ZoneInfo(tz)
    rows = await conn.execute(
        sa.select(
            _attendance.c.activity_id,
            _attendance.c.planner_id,
            _attendance.c.status,
            _activities.c.district_id,
            _activities.c.starts_at,
            _activities.c.topic,
        )
        .join(_activities, _activities.c.id == _attendance.c.activity_id)
        .where(
            _attendance.c.planner_id.in_(planner_ids),
            _attendance.c.status.is_not(None),
            _activities.c.starts_at >= start,
            _activities.c.starts_at < end,
        )
        .order_by(_activities.c.starts_at, _activities.c.id)
    )
    return [
        m.Attendance(
            activity_id=r.activity_id,
            planner_id=r.planner_id,
            district_id=r.district_id,
            on=r.starts_at.astimezone(zone).date(),
            status=r.status,
            topic=r.topic,
        )
        for r in rows
    ]


async def year_values(
    conn: AsyncConnection, planners: list[m.Planner], year: int, profile: Profile, tz: str, user: CurrentUser
) -> list[Values]:
    """Each planner's dossier numbers for ``year`` from grouped SQL (the dashboard's statements in
    `server.appraisal.summary`), without reading records: what `grading.build_dossier(...).values()` gives,
    for everyone at the cost of a few indexed aggregates. Only CQ-11 reads records, the attendance of the
    planners with at least as many unexcused absences as the smaller CQ-11 limit (no one else can reach it).
    """
    ids = {p.id for p in planners}
    sums = {r.id: r for r in await conn.execute(summary_query(year, tz, user)) if r.id in ids}
    ops: dict[int, dict[str | None, Any]] = {}
    for r in await conn.execute(opinion_totals_query(year, tz)):
        ops.setdefault(r.planner_id, {})[r.adoption] = r
    att: dict[int, dict[str, int]] = {}
    for r in await conn.execute(attendance_totals_query(year, tz)):
        att.setdefault(r.planner_id, {})[r.status] = int(r.n)
    limits = [n for n in (profile.absence_consecutive_limit, profile.absence_yearly_limit) if n is not None]
    at_risk = [p for p in sorted(ids) if limits and att.get(p, {}).get(UNEXCUSED, 0) >= min(limits)]
    records: dict[int, list[m.Attendance]] = {}
    for a in await load_attendance(conn, at_risk, year, tz) if at_risk else []:
        records.setdefault(a.planner_id, []).append(a)
    out = []
    for p in planners:
        s = sums.get(p.id)
        by_adoption = ops.get(p.id, {})
        rated = sum(int(r.rated) for r in by_adoption.values())
        total = sum(int(r.quality_total) for r in by_adoption.values())
        statuses = att.get(p.id, {})

        def adopted(a: str, counts: dict[str | None, Any] = by_adoption) -> int:
            return int(counts[a].n) if a in counts else 0

        out.append(
            Values(
                planner_id=p.id,
                visit_target=profile.visit_target,
                confirmed_visits=int(s.confirmed) if s is not None else 0,
                hours=hours_from_hundredths(int(s.hundredths)) if s is not None else 0.0,
                opinions=int(s.opinions) if s is not None else 0,
                opinion_quality=round(total / rated, 2) if rated else None,
                adopted=adopted(rules.ADOPTED),
                partly_adopted=adopted(rules.PARTLY),
                not_adopted=adopted(rules.NOT_ADOPTED),
                dissents=sum(int(r.dissents) for r in by_adoption.values()),
                feedback=int(s.feedback) if s is not None else 0,
                activities_attended=statuses.get(ATTENDED, 0),
                absences_excused=statuses.get(EXCUSED, 0),
                absences_unexcused=statuses.get(UNEXCUSED, 0),
                absence_warning=planner_absence_warning(records[p.id], year, profile)
                if p.id in records
                else None,
            )
        )
    return out


def local_today(tz: str) -> date:
    from datetime import datetime

    return datetime.now(ZoneInfo(tz)).date()
