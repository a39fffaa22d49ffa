"""Review of visits by district staff: confirm (which locks the visit) or reject with a reason, and undo.

Only staff (role ``district``) linked to the visit's district may review it; coordinators and admins see
visits but do not confirm them, and planners never review, not even their own. A visit the user may not
see is a 404, so its existence is not revealed. Each review bumps the visit's version and gives it a new
position in the order of changes, so the planner's phone pulls it, and is written to the audit log with
the visit before and after.

Undo re-opens a decision a reviewer has just made by mistake: the same person, within
``review_undo_minutes`` of deciding, and only while the visit is still as that decision left it (the
version it answered). The visit is pending again, in the queue as before; nothing is erased: the undo is
a new change the phone pulls, a new audit entry (``visit.undo``) beside the decision's own, and the yearly
totals move back in the same transaction. Later, a decision is changed by deciding again.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from server.core.audit import audit
from server.core.auth import DISTRICT, PLANNER, CurrentUser
from server.core.db import Database, lock_planner, utcnow
from server.core.errors import ApiError, forbidden, not_found
from server.core.models import Visit, table_of, visit_review_flags
from server.core.parsing import is_record_id
from server.core.settings import Settings
from server.review.queue import check_confirmation
from server.sync import totals
from server.sync.service import change_of
from server.sync.totals import Tally, counted_from_row
from shared.records import VISIT
from shared.rules import CONFIRMED, PENDING, REJECTED

_visits = table_of(Visit)


def _snapshot(row: Any) -> dict[str, Any]:
    return {
        "version": row.version,
        "review": row.review,
        "reject_reason": row.reject_reason,
        "reason_code": row.reason_code,
        "review_note": row.review_note,
        "reviewed_by": row.reviewed_by,
        "reviewed_at": row.reviewed_at.isoformat() if row.reviewed_at else None,
    }


async def review_visit(
    db: Database,
    settings: Settings,
    user: CurrentUser,
    visit_id: str,
    decision: str,
    *,
    reason: str | None = None,
    reason_code: str | None = None,
    note: str | None = None,
) -> dict[str, Any]:
    """Confirm or reject ``visit_id`` as ``user``; returns the visit as a pull change."""
    if not is_record_id(visit_id):  # also keeps text PostgreSQL cannot compare (a NUL) out of the query
        raise not_found("id", "no such visit")
    now = utcnow()
    async with db.write() as conn:
        owner = (
            await conn.execute(sa.select(_visits.c.planner_id).where(_visits.c.id == visit_id))
        ).scalar_one_or_none()
        stamps = None
        if owner is not None:
            # Queued with the planner's pushes, then read: an edit under way is judged before or after us.
            stamps = await lock_planner(conn, owner, stamps=1)
        row = (
            await conn.execute(
                sa.select(_visits).where(_visits.c.id == visit_id, _visits.c.deleted.is_(False))
            )
        ).one_or_none()
        visible = row is not None and (
            user.sees_all
            or (user.role == PLANNER and row.planner_id == user.id)
            or (user.role == DISTRICT and row.district_id in user.district_ids)
        )
        if row is None or not visible:
            raise not_found("id", "no such visit")
        if user.role != DISTRICT:
            raise forbidden("role", "only district staff of the visit's district review visits")
        if decision == CONFIRMED:
            if row.ended_at is None:
                raise ApiError(
                    409, "ended_at", "the visit is still open (no check-out); it cannot be confirmed"
                )
            if row.review == CONFIRMED:
                return change_of(VISIT, row, settings, now)
            # A flagged visit needs a reason code (422 naming reason_code); the flags are stored and audited.
            flags: list[str] | None = await check_confirmation(
                conn, settings, row, reason_code, note, user.id
            )
            values: dict[str, Any] = {
                "review": CONFIRMED,
                "reject_reason": None,
                "reason_code": reason_code,
                "review_note": note,
            }
        else:
            flags = None
            values = {"review": REJECTED, "reject_reason": reason, "reason_code": None, "review_note": note}
        assert stamps is not None  # the visit exists: its planner was locked
        values.update(version=row.version + 1, reviewed_by=user.id, reviewed_at=now, updated_at=now)
        values.update(stamps.at())
        await conn.execute(_visits.update().where(_visits.c.id == visit_id).values(**values))
        after = (await conn.execute(sa.select(_visits).where(_visits.c.id == visit_id))).one()
        tally = Tally(settings.tz)
        tally.change(counted_from_row(VISIT, row), counted_from_row(VISIT, after))
        await totals.apply(conn, tally)
        await audit(
            conn,
            user.id,
            f"visit.{'confirm' if decision == CONFIRMED else 'reject'}",
            VISIT,
            visit_id,
            _snapshot(row),
            {**_snapshot(after), "flags": flags} if flags is not None else _snapshot(after),
        )
    return change_of(VISIT, after, settings, now)


async def undo_review(
    db: Database, settings: Settings, user: CurrentUser, visit_id: str, version: int
) -> dict[str, Any]:
    """Re-open ``user``'s own decision on ``visit_id`` (the one that left it at ``version``); returns the
    visit as a pull change. Refused with 409 naming the field when it is no longer that decision's to undo."""
    if not is_record_id(visit_id):
        raise not_found("id", "no such visit")
    now = utcnow()
    async with db.write() as conn:
        owner = (
            await conn.execute(sa.select(_visits.c.planner_id).where(_visits.c.id == visit_id))
        ).scalar_one_or_none()
        stamps = None
        if owner is not None:
            # Queued with the planner's pushes, then read: the version compared is the one the undo writes on.
            stamps = await lock_planner(conn, owner, stamps=1)
        row = (
            await conn.execute(
                sa.select(_visits).where(_visits.c.id == visit_id, _visits.c.deleted.is_(False))
            )
        ).one_or_none()
        visible = row is not None and (
            user.sees_all
            or (user.role == PLANNER and row.planner_id == user.id)
            or (user.role == DISTRICT and row.district_id in user.district_ids)
        )
        if row is None or not visible:
            raise not_found("id", "no such visit")
        if user.role != DISTRICT:
            raise forbidden("role", "only district staff of the visit's district review visits")
        if row.version != version:
            raise ApiError(
                409,
                "version",
                f"the visit changed since that decision (now version {row.version}, not {version})",
            )
        if row.review not in (CONFIRMED, REJECTED):
            raise ApiError(409, "review", "the visit is not decided: there is nothing to undo")
        if row.reviewed_by != user.id:
            raise forbidden("reviewed_by", "only the person who decided may undo it; decide again instead")
        window = timedelta(minutes=settings.review_undo_minutes)
        if row.reviewed_at is None or now - row.reviewed_at > window:
            raise ApiError(
                409,
                "reviewed_at",
                f"the decision is older than {settings.review_undo_minutes} minutes; decide again instead",
            )
        assert stamps is not None  # the visit exists: its planner was locked
        values = {
            "review": PENDING,
            "reject_reason": None,
            "reason_code": None,
            "review_note": None,
            "reviewed_by": None,
            "reviewed_at": None,
            "version": row.version + 1,
            "updated_at": now,
            **stamps.at(),
        }
        await conn.execute(_visits.update().where(_visits.c.id == visit_id).values(**values))
        # The flags kept for a confirmation belong to that confirmation (the audit log keeps them).
        await conn.execute(visit_review_flags.delete().where(visit_review_flags.c.visit_id == visit_id))
        after = (await conn.execute(sa.select(_visits).where(_visits.c.id == visit_id))).one()
        tally = Tally(settings.tz)
        tally.change(counted_from_row(VISIT, row), counted_from_row(VISIT, after))
        await totals.apply(conn, tally)
        await audit(conn, user.id, "visit.undo", VISIT, visit_id, _snapshot(row), _snapshot(after))
    return change_of(VISIT, after, settings, now)
