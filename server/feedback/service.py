"""PDS-2c: a planner collects residents' opinions and needs, analyses them and feeds them back to the bureau
and to the district government. This is the analysis of one planner's year of feedback (counts by category,
by place and by district) and the record of each time it was forwarded: when, to whom, with the analysis as
it was sent. The annual work report states that the feedback was fed back only when these records say so.

Who: the planner for themself, staff for the planners of their districts (counting only their districts'
feedback), the bureau for everyone. Table ``feedback_forwards``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from server.core.access import district_names, load_planner_for, planner_districts, require_role
from server.core.audit import audit
from server.core.auth import BUREAU, DISTRICT, PLANNER, CurrentUser
from server.core.db import Database, live, utcnow
from server.core.errors import bad_request
from server.core.models import Feedback, feedback_forwards, table_of
from server.core.parsing import body_object, parse_date, parse_text
from server.core.settings import Settings
from shared.profiles import Profile
from shared.records import FEEDBACK_CATEGORIES
from shared.rules import year_bounds

BUREAU_RECIPIENT: Final = "bureau"
DISTRICT_RECIPIENT: Final = "district"
RECIPIENTS: Final = (BUREAU_RECIPIENT, DISTRICT_RECIPIENT)

_feedback = table_of(Feedback)


async def analysis(
    conn: AsyncConnection, tz: str, year: int, planner_id: int, district_ids: list[int] | None = None
) -> dict[str, Any]:
    """The planner's live feedback of ``year`` (in ``district_ids`` when given): total and counts by category,
    place and district, largest first."""
    start, end = year_bounds(year, tz)
    where = [
        _feedback.c.planner_id == planner_id,
        live(_feedback),
        _feedback.c.collected_at >= start,
        _feedback.c.collected_at < end,
    ]
    if district_ids is not None:
        where.append(_feedback.c.district_id.in_(district_ids))
    category = _feedback.c.data["category"].as_string()
    place = _feedback.c.data["place"].as_string()

    async def counts(column: Any) -> list[tuple[Any, int]]:
        rows = await conn.execute(
            sa.select(column.label("k"), sa.func.count().label("n")).where(*where).group_by(column)
        )
        return sorted(((r.k, int(r.n)) for r in rows), key=lambda kv: (-kv[1], str(kv[0])))

    by_category = await counts(category)
    names = await district_names(conn)
    return {
        "total": sum(n for _, n in by_category),
        "by_category": [
            {"category": c if c in FEEDBACK_CATEGORIES else "other", "count": n} for c, n in by_category
        ],
        "by_place": [{"place": p or "", "count": n} for p, n in await counts(place)],
        "by_district": [
            {"district_id": d, "district_name": names.get(d, ""), "count": n}
            for d, n in await counts(_feedback.c.district_id)
        ],
    }


def forward_json(r: Any) -> dict[str, Any]:
    return {
        "id": r.id,
        "planner_id": r.planner_id,
        "year": r.year,
        "recipient": r.recipient,
        "recipient_name": r.recipient_name,
        "forwarded_on": r.forwarded_on.isoformat(),
        "note": r.note,
        "total": r.analysis.get("total", 0),
        "recorded_by": r.recorded_by,
        "recorded_at": r.recorded_at.isoformat(),
    }


async def forwards_of(conn: AsyncConnection, planner_id: int, year: int) -> list[dict[str, Any]]:
    """The times the planner's feedback of ``year`` was forwarded, in date order."""
    rows = await conn.execute(
        sa.select(feedback_forwards)
        .where(feedback_forwards.c.planner_id == planner_id, feedback_forwards.c.year == year)
        .order_by(feedback_forwards.c.forwarded_on, feedback_forwards.c.id)
    )
    return [forward_json(r) for r in rows]


async def _scope(conn: AsyncConnection, user: CurrentUser, planner_id: int) -> list[int] | None:
    """The districts whose feedback ``user`` may count for this planner (None: all); 404 out of scope."""
    require_role(user, PLANNER, DISTRICT, *BUREAU)
    await load_planner_for(conn, user, planner_id)
    if user.role == DISTRICT:
        served = (await planner_districts(conn, [planner_id])).get(planner_id, [])
        return sorted(set(served) & user.district_ids)
    return None


async def year_analysis(
    db: Database, settings: Settings, user: CurrentUser, year: int, planner_id: int
) -> dict[str, Any]:
    async with db.read() as conn:
        scope = await _scope(conn, user, planner_id)
        result = await analysis(conn, settings.tz, year, planner_id, scope)
        forwards = await forwards_of(conn, planner_id, year)
    return {
        "year": year,
        "planner_id": planner_id,
        **result,
        "forwards": forwards,
        "forwarded_to": {r: any(f["recipient"] == r for f in forwards) for r in RECIPIENTS},
    }


async def record_forward(
    db: Database, settings: Settings, user: CurrentUser, year: int, planner_id: int, body: Any
) -> dict[str, Any]:
    """Record that the year's analysis was forwarded to the bureau or the district (PDS-2c)."""
    profile: Profile = settings.profile
    body = body_object(body)
    unknown = sorted(set(body) - {"recipient", "recipient_name", "forwarded_on", "note"})
    if unknown:
        raise bad_request(unknown[0], "is not a field of a forwarding record")
    recipient = body.get("recipient")
    if recipient not in RECIPIENTS:
        raise bad_request("recipient", f"must be one of {', '.join(RECIPIENTS)}")
    forwarded_on = parse_date(body.get("forwarded_on"), "forwarded_on")
    assert forwarded_on is not None
    if forwarded_on < date(year, 1, 1):
        raise bad_request("forwarded_on", f"is before the year {year} it analyses")
    if forwarded_on > datetime.now(ZoneInfo(settings.tz)).date():
        raise bad_request("forwarded_on", "is in the future")
    name = parse_text(body, "recipient_name", required=False, max_len=200)
    note = parse_text(body, "note", required=False, max_len=2000)
    async with db.write() as conn:
        scope = await _scope(conn, user, planner_id)
        if name is None:
            if recipient == BUREAU_RECIPIENT:
                name = profile.bureau_name
            else:
                names = await district_names(conn)
                served = scope or (await planner_districts(conn, [planner_id])).get(planner_id, [])
                name = "、".join(names[d] for d in served if d in names) or "属地政府"
        snapshot = await analysis(conn, settings.tz, year, planner_id, scope)
        new_id = (
            await conn.execute(
                feedback_forwards.insert()
                .values(
                    planner_id=planner_id,
                    year=year,
                    recipient=recipient,
                    recipient_name=name,
                    forwarded_on=forwarded_on,
                    note=note,
                    analysis=snapshot,
                    recorded_by=user.id,
                    recorded_at=utcnow(),
                )
                .returning(feedback_forwards.c.id)
            )
        ).scalar_one()
        row = (await conn.execute(sa.select(feedback_forwards).where(feedback_forwards.c.id == new_id))).one()
        result = forward_json(row)
        await audit(conn, user.id, "feedback.forward", "feedback_forward", str(new_id), None, result)
    return result
