"""Planner administration by the bureau: responsibility area (PDS-1), term start (PDS-10), specialty (PDS-5),
and exit requests (PDS-11, whose short notice becomes an alert in `server.dashboard`).

Tables ``planner_profiles`` (one row per planner, made on first edit) and ``exit_requests``.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from litestar import Controller, Request, get, post, put
from litestar.params import JSONBody
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.geo import area_from_json, area_to_json
from shared.profiles import Profile

from .audit import audit
from .auth import CurrentUser
from .db import Database, utcnow
from .errors import bad_request
from .models import Base, JSONType, User, UTCDateTime, table_of
from .scope import (
    BUREAU,
    IdPath,
    body_object,
    load_planner_for,
    parse_date,
    parse_text,
    planner_districts,
    require_role,
)

_users = table_of(User)

planner_profiles = sa.Table(
    "planner_profiles",
    Base.metadata,
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("responsibility_area", JSONType, nullable=True),
    sa.Column("term_start", sa.Date, nullable=True),
    sa.Column("specialty", sa.String(200), nullable=True),
    sa.Column("updated_by", sa.ForeignKey("users.id"), nullable=True),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
)

exit_requests = sa.Table(
    "exit_requests",
    Base.metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("planner_id", sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("filed_on", sa.Date, nullable=False),
    sa.Column("leave_on", sa.Date, nullable=False),
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("created_by", sa.ForeignKey("users.id"), nullable=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
)


def profile_json(row: Any | None) -> dict[str, Any]:
    return {
        "responsibility_area": None if row is None else row.responsibility_area,
        "term_start": None if row is None or row.term_start is None else row.term_start.isoformat(),
        "specialty": None if row is None else row.specialty,
    }


def exit_json(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "planner_id": row.planner_id,
        "filed_on": row.filed_on.isoformat(),
        "leave_on": row.leave_on.isoformat(),
        "reason": row.reason,
        "created_at": row.created_at.isoformat(),
    }


async def _profile_row(conn: AsyncConnection, planner_id: int) -> Any | None:
    return (
        await conn.execute(sa.select(planner_profiles).where(planner_profiles.c.user_id == planner_id))
    ).one_or_none()


async def planner_json(conn: AsyncConnection, row: Any) -> dict[str, Any]:
    districts = (await planner_districts(conn, [row.id])).get(row.id, [])
    exits = await conn.execute(
        sa.select(exit_requests)
        .where(exit_requests.c.planner_id == row.id)
        .order_by(exit_requests.c.filed_on)
    )
    return {
        "planner_id": row.id,
        "username": row.username,
        "display_name": row.display_name,
        "districts": districts,
        **profile_json(await _profile_row(conn, row.id)),
        "exit_requests": [exit_json(e) for e in exits],
    }


async def list_planners(db: Database, user: CurrentUser) -> dict[str, Any]:
    require_role(user, "district", *BUREAU)
    async with db.read() as conn:
        served = await planner_districts(conn)
        ids = [p for p, ds in served.items() if user.sees_all or set(ds) & user.district_ids]
        rows = (await conn.execute(sa.select(_users).where(_users.c.id.in_(ids)).order_by(_users.c.id))).all()
        profiles = {
            r.user_id: r
            for r in await conn.execute(
                sa.select(planner_profiles).where(planner_profiles.c.user_id.in_(ids))
            )
        }
    return {
        "planners": [
            {
                "planner_id": r.id,
                "username": r.username,
                "display_name": r.display_name,
                "districts": served[r.id],
                **profile_json(profiles.get(r.id)),
            }
            for r in rows
        ]
    }


async def get_planner(db: Database, user: CurrentUser, planner_id: int) -> dict[str, Any]:
    require_role(user, "district", *BUREAU)
    async with db.read() as conn:
        row = await load_planner_for(conn, user, planner_id)
        return await planner_json(conn, row)


async def update_planner(db: Database, user: CurrentUser, planner_id: int, body: Any) -> dict[str, Any]:
    require_role(user, *BUREAU)
    body = body_object(body)
    unknown = sorted(set(body) - {"responsibility_area", "term_start", "specialty"})
    if unknown:
        raise bad_request(unknown[0], "is not a field of a planner")
    values: dict[str, Any] = {}
    if "responsibility_area" in body:
        raw = body["responsibility_area"]
        if raw is None:
            values["responsibility_area"] = None
        else:
            try:
                values["responsibility_area"] = area_to_json(area_from_json(raw))
            except ValueError as exc:
                field = str(exc).split(":", 1)[0]
                raise bad_request(
                    f"responsibility_area.{field}", str(exc).split(":", 1)[-1].strip()
                ) from None
    if "term_start" in body:
        values["term_start"] = parse_date(body["term_start"], "term_start", required=False)
    if "specialty" in body:
        values["specialty"] = parse_text(body, "specialty", required=False, max_len=200)
    now = utcnow()
    async with db.write() as conn:
        row = await load_planner_for(conn, user, planner_id)
        before_row = await _profile_row(conn, planner_id)
        before = profile_json(before_row)
        if before_row is None:
            await conn.execute(
                planner_profiles.insert().values(
                    user_id=planner_id, updated_by=user.id, updated_at=now, **values
                )
            )
        elif values:
            await conn.execute(
                planner_profiles.update()
                .where(planner_profiles.c.user_id == planner_id)
                .values(updated_by=user.id, updated_at=now, **values)
            )
        after = profile_json(await _profile_row(conn, planner_id))
        await audit(conn, user.id, "planner.update", "planner", str(planner_id), before, after)
        return await planner_json(conn, row)


async def add_exit_request(
    db: Database, profile: Profile, user: CurrentUser, planner_id: int, body: Any
) -> dict[str, Any]:
    require_role(user, *BUREAU)
    body = body_object(body)
    filed_on = parse_date(body.get("filed_on"), "filed_on")
    leave_on = parse_date(body.get("leave_on"), "leave_on")
    assert filed_on is not None and leave_on is not None
    if leave_on <= filed_on:
        raise bad_request("leave_on", "must be after filed_on")
    reason = parse_text(body, "reason", required=False)
    values = {
        "id": str(uuid.uuid4()),
        "planner_id": planner_id,
        "filed_on": filed_on,
        "leave_on": leave_on,
        "reason": reason,
        "created_by": user.id,
        "created_at": utcnow(),
    }
    async with db.write() as conn:
        await load_planner_for(conn, user, planner_id)
        await conn.execute(exit_requests.insert().values(**values))
        row = (await conn.execute(sa.select(exit_requests).where(exit_requests.c.id == values["id"]))).one()
        await audit(conn, user.id, "planner.exit_request", "exit_request", row.id, None, exit_json(row))
    from .dashboard import exit_request_alert  # the PDS-11 check, shown with the answer

    return {**exit_json(row), "alert": exit_request_alert(row, profile)}


class PlannerController(Controller):
    path = "/api/planners"
    tags = ("planners",)

    @get("", summary="Planners the user may see, with area, term start and specialty")
    async def list_(self, request: Request[CurrentUser, Any, Any]) -> dict[str, Any]:
        return await list_planners(request.app.state.db, request.user)

    @get("/{planner_id:int}", summary="One planner with profile and exit requests")
    async def one(self, request: Request[CurrentUser, Any, Any], planner_id: IdPath) -> dict[str, Any]:
        return await get_planner(request.app.state.db, request.user, planner_id)

    @put("/{planner_id:int}", summary="Set responsibility area, term start, specialty (coordinator, admin)")
    async def update(
        self, request: Request[CurrentUser, Any, Any], planner_id: IdPath, data: JSONBody[Any]
    ) -> dict[str, Any]:
        return await update_planner(request.app.state.db, request.user, planner_id, data)

    @post("/{planner_id:int}/exit-requests", status_code=201, summary="Record an exit request (PDS-11)")
    async def exit_request(
        self, request: Request[CurrentUser, Any, Any], planner_id: IdPath, data: JSONBody[Any]
    ) -> dict[str, Any]:
        return await add_exit_request(
            request.app.state.db, request.app.state.settings.profile, request.user, planner_id, data
        )
