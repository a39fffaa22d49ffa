"""Consultation activities (CQ-11): district staff create one in their district and invite its planners; the
bureau creates its own meetings and trainings (no district) and invites any planners. Planners answer
through sync; whoever holds the activity (the district's staff, or the bureau) records each planner's
attendance, and CQ-11 counts absences from both kinds.

An invitation is one row of ``attendance`` (its ``response`` and attendance ``status``/``reason``) plus one
row of ``invitations`` carrying what sync needs: the change sequence number and a version. The phone pulls
it as kind ``invitation`` with a stable id (`invitation_id`) and answers offline by pushing an
``invitation_response`` op with that id (shared.records); the last answer wins. Every write bumps the
invitation's seq, so the phone pulls the new state.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from server.core.access import require_role
from server.core.audit import audit
from server.core.auth import BUREAU, DISTRICT, PLANNER, CurrentUser
from server.core.db import Database, after_position, lock_planner, position_order, take_stamps, utcnow
from server.core.errors import bad_request, forbidden, not_found
from server.core.models import (
    Activity,
    Attendance,
    User,
    UserDistrict,
    invitations,
    table_of,
)
from server.core.parsing import MAX_ROW_ID, body_object, parse_int, parse_text
from shared.protocol import Position
from shared.records import RecordError, parse_time
from shared.rules import ATTENDANCE, EXCUSED, year_bounds

_activities, _attendance = table_of(Activity), table_of(Attendance)
_users, _links = table_of(User), table_of(UserDistrict)

INVITATION = "invitation"
_NS = uuid.UUID("6f1c2f0e-4c1a-4d59-9a4e-5f0e1d2c3b4a")


def invitation_id(activity_id: int, planner_id: int) -> str:
    """The invitation's id on the phone: a UUID derived from activity and planner, so it never changes."""
    return str(uuid.uuid5(_NS, f"invitation:{activity_id}:{planner_id}"))


def _activity_json(a: Any, people: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    out = {
        "id": a.id,
        "district_id": a.district_id,
        "held_by": "district" if a.district_id is not None else "bureau",
        "topic": a.topic,
        "place": a.place,
        "starts_at": a.starts_at.isoformat(),
        "created_by": a.created_by,
        "created_at": a.created_at.isoformat(),
    }
    if people is not None:
        out["invitations"] = people
    return out


async def _people(conn: AsyncConnection, activity_id: int) -> list[dict[str, Any]]:
    rows = await conn.execute(
        sa.select(_attendance, _users.c.display_name, invitations.c.note, invitations.c.responded_at)
        .select_from(
            _attendance.join(_users, _users.c.id == _attendance.c.planner_id).outerjoin(
                invitations,
                sa.and_(
                    invitations.c.activity_id == _attendance.c.activity_id,
                    invitations.c.planner_id == _attendance.c.planner_id,
                ),
            )
        )
        .where(_attendance.c.activity_id == activity_id)
        .order_by(_attendance.c.planner_id)
    )
    return [
        {
            "planner_id": r.planner_id,
            "planner_name": r.display_name,
            "response": r.response,
            "response_note": r.note,
            "responded_at": r.responded_at.isoformat() if r.responded_at else None,
            "status": r.status,
            "reason": r.reason,
            "recorded_at": r.recorded_at.isoformat() if r.recorded_at else None,
        }
        for r in rows
    ]


async def _visible_activity(conn: AsyncConnection, user: CurrentUser, activity_id: int) -> Any:
    row = (await conn.execute(sa.select(_activities).where(_activities.c.id == activity_id))).one_or_none()
    if row is None or not (user.sees_all or (user.role == DISTRICT and row.district_id in user.district_ids)):
        raise not_found("id", "no such activity")
    return row


async def create_activity(db: Database, user: CurrentUser, body: Any) -> dict[str, Any]:
    """A district's activity (its staff, ``district_id`` given) or the bureau's own (no ``district_id``)."""
    require_role(user, DISTRICT, *BUREAU)
    body = body_object(body)
    district_id: int | None
    if user.sees_all:
        if body.get("district_id") is not None:
            raise forbidden(
                "district_id",
                "district staff hold a district's activities; the bureau's own have no district",
            )
        district_id = None
    else:
        district_id = parse_int(body.get("district_id"), "district_id")
        if district_id not in user.district_ids:
            raise forbidden("district_id", "is not a district you work for")
    topic = parse_text(body, "topic", required=True, max_len=200)
    place = parse_text(body, "place", required=False, max_len=200) or ""
    raw_start = body.get("starts_at")
    if not isinstance(raw_start, str):
        raise bad_request("starts_at", "is required (ISO 8601 with an offset)")
    try:
        starts_at = parse_time(raw_start)
    except ValueError as exc:
        raise bad_request("starts_at", f"must be ISO 8601 with an offset ({exc})") from None
    raw_ids = body.get("planner_ids", [])
    if not isinstance(raw_ids, list) or any(
        isinstance(p, bool) or not isinstance(p, int) or not 0 < p <= MAX_ROW_ID for p in raw_ids
    ):
        raise bad_request("planner_ids", "must be a list of planner ids")
    planner_ids = sorted(set(raw_ids))
    now = utcnow()
    async with db.write() as conn:
        if planner_ids and district_id is None:
            known = set(
                (
                    await conn.execute(
                        sa.select(_users.c.id).where(_users.c.role == PLANNER, _users.c.id.in_(planner_ids))
                    )
                ).scalars()
            )
            unknown = [p for p in planner_ids if p not in known]
            if unknown:
                raise bad_request("planner_ids", f"{unknown[0]} is not a planner")
        elif planner_ids:
            serving = set(
                (
                    await conn.execute(
                        sa.select(_links.c.user_id)
                        .join(_users, _users.c.id == _links.c.user_id)
                        .where(
                            _links.c.district_id == district_id,
                            _users.c.role == PLANNER,
                            _users.c.id.in_(planner_ids),
                        )
                    )
                ).scalars()
            )
            outside = [p for p in planner_ids if p not in serving]
            if outside:
                raise bad_request(
                    "planner_ids", f"planner {outside[0]} does not serve district {district_id}"
                )
        activity_id = (
            await conn.execute(
                _activities.insert()
                .values(
                    district_id=district_id,
                    topic=topic,
                    place=place,
                    starts_at=starts_at,
                    created_by=user.id,
                    created_at=now,
                )
                .returning(_activities.c.id)
            )
        ).scalar_one()
        if planner_ids:
            stamps = await take_stamps(conn, len(planner_ids))
            await conn.execute(
                _attendance.insert(), [{"activity_id": activity_id, "planner_id": p} for p in planner_ids]
            )
            await conn.execute(
                invitations.insert(),
                [
                    {"activity_id": activity_id, "planner_id": p, **stamps.at(i), "version": 1}
                    for i, p in enumerate(planner_ids)
                ],
            )
        row = (await conn.execute(sa.select(_activities).where(_activities.c.id == activity_id))).one()
        result = _activity_json(row, await _people(conn, activity_id))
        await audit(conn, user.id, "activity.create", "activity", str(activity_id), None, result)
    return result


async def list_activities(
    db: Database, settings: Any, user: CurrentUser, district_id: int | None, year: int | None
) -> dict[str, Any]:
    require_role(user, DISTRICT, *BUREAU)
    query = sa.select(_activities).order_by(_activities.c.starts_at, _activities.c.id)
    if district_id is not None:
        if not user.sees_all and district_id not in user.district_ids:
            raise forbidden("district_id", "is not a district you work for")
        query = query.where(_activities.c.district_id == district_id)
    elif not user.sees_all:
        query = query.where(_activities.c.district_id.in_(sorted(user.district_ids)))
    if year is not None:
        start, end = year_bounds(year, settings.tz)
        query = query.where(_activities.c.starts_at >= start, _activities.c.starts_at < end)
    async with db.read() as conn:
        rows = (await conn.execute(query)).all()
        return {"activities": [_activity_json(r, await _people(conn, r.id)) for r in rows]}


async def get_activity(db: Database, user: CurrentUser, activity_id: int) -> dict[str, Any]:
    require_role(user, DISTRICT, *BUREAU)
    async with db.read() as conn:
        row = await _visible_activity(conn, user, activity_id)
        return _activity_json(row, await _people(conn, activity_id))


def _att_json(r: Any | None) -> dict[str, Any] | None:
    if r is None:
        return None
    return {"status": r.status, "reason": r.reason, "response": r.response, "recorded_by": r.recorded_by}


async def record_attendance(db: Database, user: CurrentUser, activity_id: int, body: Any) -> dict[str, Any]:
    body = body_object(body)
    planner_id = parse_int(body.get("planner_id"), "planner_id")
    assert planner_id is not None  # required
    status = body.get("status")
    if status not in ATTENDANCE:
        raise bad_request("status", f"must be one of {', '.join(ATTENDANCE)}")
    reason = parse_text(body, "reason", required=status == EXCUSED)
    now = utcnow()
    async with db.write() as conn:
        activity = await _visible_activity(conn, user, activity_id) if user.role != PLANNER else None
        # Whoever holds the activity records its attendance: the district's staff, or the bureau.
        holds = activity is not None and (
            user.role == DISTRICT if activity.district_id is not None else user.sees_all
        )
        if activity is None or not holds:
            raise forbidden(
                "role",
                "only whoever holds the activity (its district's staff, or the bureau) records attendance",
            )
        where = sa.and_(_attendance.c.activity_id == activity_id, _attendance.c.planner_id == planner_id)
        # The planner's invitation changes: queued with the planner's pushes (an answer sent meanwhile).
        stamps = await lock_planner(conn, planner_id, stamps=1)
        before = (await conn.execute(sa.select(_attendance).where(where))).one_or_none()
        if before is None:
            raise bad_request("planner_id", "was not invited to this activity")
        await conn.execute(
            _attendance.update()
            .where(where)
            .values(status=status, reason=reason, recorded_by=user.id, recorded_at=now)
        )
        await conn.execute(
            invitations.update()
            .where(invitations.c.activity_id == activity_id, invitations.c.planner_id == planner_id)
            .values(**stamps.at(), version=invitations.c.version + 1)
        )
        after = (await conn.execute(sa.select(_attendance).where(where))).one()
        await audit(
            conn,
            user.id,
            "activity.attendance",
            "attendance",
            f"activity-{activity_id}:{planner_id}",
            _att_json(before),
            _att_json(after),
        )
        return _activity_json(activity, await _people(conn, activity_id))


async def invitation_changes(
    conn: AsyncConnection, user: CurrentUser, after: Position, horizon: int | None, limit: int
) -> list[tuple[Position, dict[str, Any]]]:
    """The planner's invitations changed after ``after`` (below ``horizon``, `server.core.db.pull_horizon`),
    as pull changes ``(position, change)``."""
    if user.role != PLANNER:
        return []
    rows = await conn.execute(
        sa.select(
            invitations,
            _activities.c.district_id,
            _activities.c.topic,
            _activities.c.place,
            _activities.c.starts_at,
            _attendance.c.response,
            _attendance.c.status,
            _attendance.c.reason,
        )
        .select_from(
            invitations.join(_activities, _activities.c.id == invitations.c.activity_id).join(
                _attendance,
                sa.and_(
                    _attendance.c.activity_id == invitations.c.activity_id,
                    _attendance.c.planner_id == invitations.c.planner_id,
                ),
            )
        )
        .where(invitations.c.planner_id == user.id, *after_position(invitations, after, horizon))
        .order_by(*position_order(invitations, horizon))
        .limit(limit)
    )
    out = []
    for r in rows:
        data = {
            "activity_id": r.activity_id,
            "district_id": r.district_id,
            "topic": r.topic,
            "title": r.topic,
            "place": r.place,
            "starts_at": r.starts_at.isoformat(),
            "response": r.response,
            "attendance": r.status,
        }
        state = {"response_note": r.note, "attendance_reason": r.reason, "seq": r.seq}
        change = {
            "kind": INVITATION,
            "id": invitation_id(r.activity_id, r.planner_id),
            "version": r.version,
            "deleted": False,
            "data": data,
            "state": state,
        }
        out.append((Position(int(r.txid), int(r.seq)), change))
    return out


async def apply_response(
    conn: AsyncConnection, user: CurrentUser, record_id: str, clean: dict[str, Any], now: datetime
) -> tuple[int | None, str | None]:
    """Store a planner's answer; returns ``(new version, None)`` or ``(None, error naming the field)``."""
    activity_id = clean["activity_id"]
    if record_id != invitation_id(activity_id, user.id):
        return None, "id: must be the id of your invitation to this activity"
    row = (
        await conn.execute(
            sa.select(invitations.c.version).where(
                invitations.c.activity_id == activity_id, invitations.c.planner_id == user.id
            )
        )
    ).one_or_none()
    if row is None:
        return None, "activity_id: you are not invited to this activity"
    stamps = await take_stamps(conn)
    version = int(row.version) + 1
    await conn.execute(
        invitations.update()
        .where(invitations.c.activity_id == activity_id, invitations.c.planner_id == user.id)
        .values(**stamps.at(), version=version, note=clean.get("note"), responded_at=now)
    )
    await conn.execute(
        _attendance.update()
        .where(_attendance.c.activity_id == activity_id, _attendance.c.planner_id == user.id)
        .values(response=clean["response"])
    )
    return version, None


__all__ = ["RecordError"]
