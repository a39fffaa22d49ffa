"""District staff's review queue, the flags on a visit (`server.review.exceptions`), the client config,
and reading a stored photo.

Flags are computed when asked, from the visit, the planner's responsibility area (`server.people`), the
photos the server holds and the profile's ``[exceptions]`` thresholds; when a visit is confirmed the flags
it had are stored in ``visit_review_flags`` and in the audit log with the reason code. The queue reads
``(district_id, review, seq)`` through its own index and pages with a cursor (the last seq seen).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from server.appraisal.data import visit_facts
from server.appraisal.model import Visit as VisitFacts
from server.core.access import require_role
from server.core.auth import BUREAU, DISTRICT, CurrentUser
from server.core.db import Database, utcnow
from server.core.errors import ApiError, bad_request, forbidden
from server.core.models import (
    Attachment,
    Feedback,
    User,
    Visit,
    table_of,
    visit_review_flags,
)
from server.core.parsing import is_record_id, parse_int
from server.core.settings import BUILTIN_TILE_URL, Settings, map_settings
from server.people.service import planner_profiles
from server.review import exceptions as ex
from shared.geo import Area, area_from_json
from shared.rules import REVIEW_STATES, hours

_visits, _feedback, _users, _attachments = (
    table_of(Visit),
    table_of(Feedback),
    table_of(User),
    table_of(Attachment),
)


MAX_QUEUE = 200


def client_config(settings: Settings) -> dict[str, Any]:
    p = settings.profile
    tile_url, crs = map_settings()
    return {
        "profile": {
            "name": p.name,
            "city": p.city,
            "planner_title": p.planner_title,
            "planner_title_en": p.planner_title_en,
            "grades": list(p.grades),
            "grades_en": list(p.grades_en),
            "visit_target": p.visit_target,
            "excellent_cap": p.excellent_cap,
            "absence_consecutive_limit": p.absence_consecutive_limit,
            "absence_yearly_limit": p.absence_yearly_limit,
            "term_years": p.term_years,
            "exit_notice_working_days": p.exit_notice_working_days,
            "exceptions": vars(p.exceptions),
            "bureau_name": p.bureau_name,
            "allowance_cny_per_year": p.allowance_cny_per_year,
            "report_period_months": settings.period_months,
            "term_warning_days": p.term_warning_days,
            "suggestions": {
                "failing_when": list(p.suggestions.failing_when),
                "excellent_min_quality": p.suggestions.excellent_min_quality,
            },
            "travel_claims": p.travel_claims,
            "work_funds": p.work_funds,
            "district_assessment_criteria": list(p.district_assessment_criteria),
            "hr_bureau": p.hr_bureau,
            "dismissal_grounds": [
                {
                    "code": g.code,
                    "rule_id": g.rule_id,
                    "zh": g.label,
                    "en": g.label_en,
                    "computed": g.computed,
                }
                for g in p.dismissal_grounds
            ],
        },
        "tz": settings.tz,
        "undo_minutes": settings.review_undo_minutes,
        "tile_url": tile_url,
        #: True when no tile service is configured and the maps show the server's plain tiles.
        "tile_builtin": tile_url == BUILTIN_TILE_URL,
        "map_crs": crs,
        "reason_codes": [
            {"code": r.code, "zh": r.label_zh, "en": r.label_en, "needs_note": r.needs_note}
            for r in ex.REASON_CODES
        ],
        "flag_labels": {code: {"zh": zh, "en": en} for code, (zh, en) in ex.FLAG_LABELS.items()},
    }


async def areas_of(conn: AsyncConnection, planner_ids: set[int]) -> dict[int, Area]:
    rows = await conn.execute(
        sa.select(planner_profiles.c.user_id, planner_profiles.c.responsibility_area).where(
            planner_profiles.c.user_id.in_(sorted(planner_ids)),
            planner_profiles.c.responsibility_area.is_not(None),
        )
    )
    # An area cleared (a dispatch without one, a closed service) may be stored as JSON null, which the
    # SQL filter above does not see: such a planner has no area, like one never given one.
    return {r.user_id: area_from_json(r.responsibility_area) for r in rows if r.responsibility_area}


async def held_digests(conn: AsyncConnection, digests: set[str]) -> set[str]:
    if not digests:
        return set()
    rows = await conn.execute(
        sa.select(_attachments.c.sha256).where(_attachments.c.sha256.in_(sorted(digests)))
    )
    return set(rows.scalars())


async def flag_rows(
    conn: AsyncConnection, settings: Settings, rows: list[Any]
) -> list[tuple[VisitFacts, tuple[ex.Flag, ...]]]:
    """Each visit row as facts with its flags (exceptions.visit_flag_details)."""
    areas = await areas_of(conn, {r.planner_id for r in rows})
    held = await held_digests(conn, {p for r in rows for p in (r.data or {}).get("photos") or ()})
    out = []
    for r in rows:
        facts = visit_facts(r, held)
        out.append((facts, ex.visit_flag_details(facts, settings.profile, areas.get(r.planner_id))))
    return out


async def check_confirmation(
    conn: AsyncConnection,
    settings: Settings,
    row: Any,
    reason_code: str | None,
    note: str | None,
    user_id: int,
) -> list[str]:
    """Refuse confirming a flagged visit without a valid reason code (exceptions.validate_confirmation);
    store the flags it had. Returns the flag codes. Raises ApiError 422 naming reason_code or note."""
    [(_, flags)] = await flag_rows(conn, settings, [row])
    codes = [f.code for f in flags]
    try:
        ex.validate_confirmation(codes, reason_code, note)
    except ex.ConfirmationError as exc:
        raise ApiError(422, exc.field, exc.message) from None
    values = {
        "flags": codes,
        "reason_code": reason_code,
        "note": note,
        "reviewed_by": user_id,
        "reviewed_at": utcnow(),
    }
    exists = (
        await conn.execute(
            sa.select(visit_review_flags.c.visit_id).where(visit_review_flags.c.visit_id == row.id)
        )
    ).first()
    if exists:
        await conn.execute(
            visit_review_flags.update().where(visit_review_flags.c.visit_id == row.id).values(**values)
        )
    else:
        await conn.execute(visit_review_flags.insert().values(visit_id=row.id, **values))
    return codes


def _iso(v: datetime | None) -> str | None:
    return None if v is None else v.isoformat()


ORDERS = ("oldest", "newest")
#: What ``flag`` may ask for besides one flag code: any flag at all, or none.
FLAG_FILTERS = ("any", "none")


@dataclass(frozen=True)
class QueueFilter:
    """Which visits of the queue a reviewer asks for, and in what order."""

    order: str = "oldest"
    planner_id: int | None = None
    since: date | None = None
    until: date | None = None
    flag: str | None = None

    def __post_init__(self) -> None:
        if self.order not in ORDERS:
            raise bad_request("order", f"must be one of {', '.join(ORDERS)}")
        if self.flag is not None and self.flag not in (*ex.FLAGS, *FLAG_FILTERS):
            raise bad_request("flag", f"must be one of {', '.join((*ex.FLAGS, *FLAG_FILTERS))}")
        if self.since is not None and self.until is not None and self.until < self.since:
            raise bad_request("until", "is before since")

    def keeps(self, flags: tuple[ex.Flag, ...]) -> bool:
        if self.flag is None:
            return True
        if self.flag == "any":
            return bool(flags)
        if self.flag == "none":
            return not flags
        return any(f.code == self.flag for f in flags)


def _local_midnight(day: date, tz: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(tz))


def _cursor_where(order: str, raw: str | None) -> sa.ColumnElement[bool] | None:
    """Where the next page starts: after the last seq seen (oldest first, as the visits arrived), or
    before the last visit's start time and id (newest first, as the visits happened)."""
    if raw is None or raw == "":
        return None
    if order == "oldest":
        seq = parse_int(raw, "cursor", required=False, lo=0, hi=2**62)
        return _visits.c.seq > (seq or 0)
    started, _, rid = raw.partition("|")
    try:
        at = datetime.fromisoformat(started)
    except ValueError:
        raise bad_request("cursor", "is not one this queue gave") from None
    if at.tzinfo is None or not is_record_id(rid):
        raise bad_request("cursor", "is not one this queue gave")
    return sa.or_(_visits.c.started_at < at, sa.and_(_visits.c.started_at == at, _visits.c.id < rid))


def _cursor_of(order: str, row: Any) -> str:
    if order == "oldest":
        return str(row.seq)
    return f"{row.started_at.isoformat()}|{row.id}"


async def review_queue(
    db: Database,
    settings: Settings,
    user: CurrentUser,
    district_id: int | None,
    status: str,
    limit: int,
    cursor: str | None,
    wanted: QueueFilter | None = None,
) -> dict[str, Any]:
    """One page of the queue. A flag filter is applied to the flags as computed now, so the pages are
    read in chunks until the page is full: every visit the filter keeps comes once, in order."""
    wanted = wanted or QueueFilter()
    require_role(user, DISTRICT, *BUREAU)
    if status not in (*REVIEW_STATES, "all"):
        raise bad_request("status", f"must be one of {', '.join((*REVIEW_STATES, 'all'))}")
    if district_id is not None and not user.sees_all and district_id not in user.district_ids:
        raise forbidden("district_id", "is not a district you work for")
    districts = [district_id] if district_id is not None else None
    if districts is None and not user.sees_all:
        districts = sorted(user.district_ids)
    query = (
        sa.select(_visits, _users.c.display_name.label("planner_name"))
        .join(_users, _users.c.id == _visits.c.planner_id)
        .where(_visits.c.deleted == sa.false())
    )
    if wanted.order == "oldest":
        query = query.order_by(_visits.c.seq)
    else:
        query = query.order_by(_visits.c.started_at.desc(), _visits.c.id.desc())
    if districts is not None:
        query = query.where(_visits.c.district_id.in_(districts))
    if status != "all":
        query = query.where(_visits.c.review == status)
    if wanted.planner_id is not None:
        query = query.where(_visits.c.planner_id == wanted.planner_id)
    if wanted.since is not None:
        query = query.where(_visits.c.started_at >= _local_midnight(wanted.since, settings.tz))
    if wanted.until is not None:
        next_day = _local_midnight(wanted.until, settings.tz) + timedelta(days=1)
        query = query.where(_visits.c.started_at < next_day)
    after = _cursor_where(wanted.order, cursor)
    kept: list[tuple[Any, tuple[VisitFacts, tuple[ex.Flag, ...]]]] = []
    async with db.read() as conn:
        while len(kept) <= limit:
            chunk_query = query if after is None else query.where(after)
            rows = (await conn.execute(chunk_query.limit(limit + 1))).all()
            if not rows:
                break
            for r, facts_flags in zip(rows, await flag_rows(conn, settings, list(rows)), strict=True):
                if wanted.keeps(facts_flags[1]):
                    kept.append((r, facts_flags))
            if len(rows) <= limit:
                break
            after = _cursor_where(wanted.order, _cursor_of(wanted.order, rows[-1]))
    page = [r for r, _ in kept[:limit]]
    flagged = [ff for _, ff in kept[:limit]]
    visits = []
    for r, (facts, flags) in zip(page, flagged, strict=True):
        data = r.data or {}
        visits.append(
            {
                "id": r.id,
                "version": r.version,
                "planner_id": r.planner_id,
                "planner_name": r.planner_name,
                "district_id": r.district_id,
                "site": data.get("site"),
                "purpose": data.get("purpose"),
                "started_at": data.get("started_at"),
                "ended_at": data.get("ended_at"),
                "hours": hours(r.duration_s),
                "lat": data.get("lat"),
                "lon": data.get("lon"),
                "accuracy_m": data.get("accuracy_m"),
                "participants": data.get("participants"),
                "notes": data.get("notes"),
                "photos": list(facts.photos),
                "photos_missing": list(facts.photos_missing),
                "flags": [f.code for f in flags],
                "flag_details": [{"code": f.code, "params": f.params} for f in flags],
                "received_at": _iso(r.received_at),
                "clock_offset_s": r.clock_offset_s,
                "review": r.review,
                "reject_reason": r.reject_reason,
                "reason_code": r.reason_code,
                "review_note": r.review_note,
            }
        )
    more = len(kept) > limit
    return {
        "visits": visits,
        "next_cursor": _cursor_of(wanted.order, page[-1]) if more else None,
        "has_more": more,
    }
