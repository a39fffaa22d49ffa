"""Opinion follow-up by district staff: whether the design unit adopted the opinion, and its quality (1-5).

The appraisal reads both (CQ-9 quality of opinions, PDS-2b guiding the revision). One row per opinion in
``opinion_followups``; a later follow-up replaces the earlier one, and both are in the audit log.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from litestar import Controller, Request, post
from litestar.params import FromPath, JSONBody

from .appraisal.model import ADOPTION
from .audit import audit
from .auth import CurrentUser
from .db import Database, utcnow
from .errors import bad_request, forbidden, not_found
from .models import Base, Opinion, UTCDateTime, table_of
from .scope import body_object, parse_text

_opinions = table_of(Opinion)

opinion_followups = sa.Table(
    "opinion_followups",
    Base.metadata,
    sa.Column("opinion_id", sa.ForeignKey("opinions.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("adoption", sa.String(20), nullable=False),
    sa.Column("quality", sa.Integer, nullable=False),
    sa.Column("note", sa.Text, nullable=True),
    sa.Column("recorded_by", sa.ForeignKey("users.id"), nullable=True),
    sa.Column("recorded_at", UTCDateTime(), nullable=False),
)


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


class FollowUpController(Controller):
    path = "/api/opinions"
    tags = ("review",)

    @post(
        "/{opinion_id:str}/follow-up", status_code=200, summary="Adoption and quality of an opinion (staff)"
    )
    async def follow_up(
        self, request: Request[CurrentUser, Any, Any], opinion_id: FromPath[str], data: JSONBody[Any]
    ) -> dict[str, Any]:
        return await record_followup(request.app.state.db, request.user, opinion_id, data)
