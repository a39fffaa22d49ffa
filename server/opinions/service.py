"""Opinion follow-up by district staff: whether the design unit adopted the opinion, and its quality (1-5).

The appraisal reads both (CQ-9 quality of opinions, PDS-2b guiding the revision). One row per opinion in
``opinion_followups``; a later follow-up replaces the earlier one, and both are in the audit log.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from server.core.audit import audit
from server.core.auth import CurrentUser
from server.core.db import Database, utcnow
from server.core.errors import bad_request, forbidden, not_found
from server.core.models import Opinion, User, opinion_followups, table_of
from server.core.parsing import body_object, is_record_id, parse_text
from server.core.settings import Settings
from shared.rules import ADOPTION, year_bounds

_opinions, _users = table_of(Opinion), table_of(User)
MAX_LIST = 500


def followup_json(row: Any | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {
        "opinion_id": row.opinion_id,
        "adoption": row.adoption,
        "quality": row.quality,
        "note": row.note,
        "recorded_by": row.recorded_by,
        "recorded_at": row.recorded_at.isoformat(),
    }


async def record_followup(db: Database, user: CurrentUser, opinion_id: str, body: Any) -> dict[str, Any]:
    if not is_record_id(opinion_id):
        raise not_found("id", "no such opinion")
    body = body_object(body)
    adoption = body.get("adoption")
    if adoption not in ADOPTION:
        raise bad_request("adoption", f"must be one of {', '.join(ADOPTION)}")
    quality = body.get("quality")
    if isinstance(quality, bool) or not isinstance(quality, int) or not 1 <= quality <= 5:
        raise bad_request("quality", "must be a whole number from 1 to 5")
    note = parse_text(body, "note", required=False)
    now = utcnow()
    async with db.write() as conn:
        op = (
            await conn.execute(
                sa.select(_opinions.c.planner_id, _opinions.c.district_id).where(
                    _opinions.c.id == opinion_id, _opinions.c.deleted.is_(False)
                )
            )
        ).one_or_none()
        visible = op is not None and (
            user.sees_all
            or (user.role == "planner" and op.planner_id == user.id)
            or (user.role == "district" and op.district_id in user.district_ids)
        )
        if not visible:
            raise not_found("id", "no such opinion")
        if user.role != "district":
            raise forbidden("role", "only district staff of the opinion's district record follow-up")
        sel = sa.select(opinion_followups).where(opinion_followups.c.opinion_id == opinion_id)
        before = (await conn.execute(sel)).one_or_none()
        values = {
            "adoption": adoption,
            "quality": quality,
            "note": note,
            "recorded_by": user.id,
            "recorded_at": now,
        }
        if before is None:
            await conn.execute(opinion_followups.insert().values(opinion_id=opinion_id, **values))
        else:
            await conn.execute(
                opinion_followups.update()
                .where(opinion_followups.c.opinion_id == opinion_id)
                .values(**values)
            )
        after = (await conn.execute(sel)).one()
        await audit(
            conn,
            user.id,
            "opinion.follow_up",
            "opinion",
            opinion_id,
            followup_json(before),
            followup_json(after),
        )
    result = followup_json(after)
    assert result is not None
    return result


async def list_opinions(
    db: Database,
    settings: Settings,
    user: CurrentUser,
    district_id: int | None,
    year: int | None,
    limit: int,
    cursor: int,
) -> dict[str, Any]:
    """Opinions the user may see (staff: their districts; planner: their own), oldest change first, with
    the follow-up recorded so far; paged by ``cursor`` (the last seq seen)."""
    query = (
        sa.select(_opinions, _users.c.display_name, opinion_followups)
        .select_from(
            _opinions.join(_users, _users.c.id == _opinions.c.planner_id).outerjoin(
                opinion_followups, opinion_followups.c.opinion_id == _opinions.c.id
            )
        )
        .where(_opinions.c.deleted == sa.false(), _opinions.c.seq > cursor)
        .order_by(_opinions.c.seq)
        .limit(limit + 1)
    )
    if district_id is not None:
        if not user.sees_all and district_id not in user.district_ids:
            raise forbidden("district_id", "is not a district you work for")
        query = query.where(_opinions.c.district_id == district_id)
    if user.role == "planner":
        query = query.where(_opinions.c.planner_id == user.id)
    elif user.role == "district":
        query = query.where(_opinions.c.district_id.in_(sorted(user.district_ids)))
    elif not user.sees_all:
        raise forbidden("role", "may not list opinions")
    if year is not None:
        start, end = year_bounds(year, settings.tz)
        query = query.where(_opinions.c.issued_at >= start, _opinions.c.issued_at < end)
    async with db.read() as conn:
        rows = (await conn.execute(query)).all()
    page = rows[:limit]
    return {
        "opinions": [
            {
                "id": r.id,
                "planner_id": r.planner_id,
                "planner_name": r.display_name,
                "district_id": r.district_id,
                **{k: (r.data or {}).get(k) for k in ("subject", "opinion_kind", "body", "suggestions")},
                **{k: (r.data or {}).get(k) for k in ("required_changes", "dissent", "issued_at")},
                "follow_up": followup_json(r) if r.adoption is not None else None,
            }
            for r in page
        ],
        "next_cursor": str(page[-1].seq) if len(rows) > limit else None,
        "has_more": len(rows) > limit,
    }
