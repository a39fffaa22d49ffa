"""Rows to the appraisal's plain inputs (server/appraisal/model.py): planners, a year's records, attendance,
exit requests. One place maps the database to the domain, so the appraisal, reports and alerts read the
same facts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.geo import area_from_json
from shared.profiles import Profile
from shared.rules import year_bounds

from .appraisal import model as m
from .appraisal.grading import Dossier, build_dossier
from .followup import opinion_followups
from .models import Activity, Attendance, Feedback, Opinion, User, Visit, table_of
from .planners import exit_requests, planner_profiles
from .scope import district_names, planner_districts

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
    exit_requests: list[m.ExitRequest] = field(default_factory=list)
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


def _visit(r: Any) -> m.Visit:
    d = getattr(r, "data", None) or {}
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
        photos=tuple(d.get("photos") or ()),
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
    counts_only: bool = False,
) -> YearFacts:
    """Everything the appraisal of ``year`` reads for the planners named (all planners when None).

    ``counts_only`` leaves out what only documents show (a visit's JSON: site, purpose, position, photos),
    which is most of the cost of reading a year of visits for everyone.
    """
    planners = await load_planners(conn, planner_ids)
    ids = [p.id for p in planners]
    start, end = year_bounds(year, tz)
    facts = YearFacts(year, planners, districts=await planner_districts(conn, ids))
    if not ids:
        return facts
    light = [
        _visits.c[c]
        for c in ("id", "planner_id", "district_id", "started_at", "ended_at", "review", "reason_code")
    ]
    vq = (sa.select(*light) if counts_only else sa.select(_visits)).where(
        _visits.c.planner_id.in_(ids),
        _visits.c.deleted == sa.false(),
        _visits.c.started_at >= start,
        _visits.c.started_at < end,
    )
    if confirmed_only:
        vq = vq.where(_visits.c.review == "confirmed")
    facts.visits = [_visit(r) for r in await conn.execute(vq)]
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
        m.ExitRequest(id=r.id, planner_id=r.planner_id, filed_on=r.filed_on, leave_on=r.leave_on)
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


def dossiers(facts: YearFacts, profile: Profile, tz: str) -> list[Dossier]:
    """`grading.build_dossier` for every planner, each given only their own records (the function filters
    its inputs by planner, which over everyone's records would cost planners x records)."""
    mine: dict[int, dict[str, list[Any]]] = {
        p.id: {"v": [], "o": [], "f": [], "a": []} for p in facts.planners
    }
    for key, records in (
        ("v", facts.visits),
        ("o", facts.opinions),
        ("f", facts.feedback),
        ("a", facts.attendance),
    ):
        for r in records:
            if r.planner_id in mine:
                mine[r.planner_id][key].append(r)
    return [
        build_dossier(
            p, facts.year, profile, mine[p.id]["v"], mine[p.id]["o"], mine[p.id]["f"], mine[p.id]["a"], tz
        )
        for p in facts.planners
    ]


def local_today(tz: str) -> date:
    from datetime import datetime

    return datetime.now(ZoneInfo(tz)).date()
