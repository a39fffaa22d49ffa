"""Who may see what: role checks, the districts each planner serves, and the visibility of planners.

Out of scope is a 404 when the record exists but the user may not see it (its existence is not revealed),
and a 403 naming ``role`` when the user's role never may use the endpoint.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from server.core.auth import DISTRICT, PLANNER, CurrentUser
from server.core.errors import forbidden, not_found
from server.core.models import District, User, UserDistrict, table_of

_users, _links, _districts = table_of(User), table_of(UserDistrict), table_of(District)


def require_role(user: CurrentUser, *roles: str) -> None:
    if user.role not in roles:
        raise forbidden("role", f"needs one of the roles {', '.join(roles)}")


async def planner_districts(
    conn: AsyncConnection, planner_ids: list[int] | None = None
) -> dict[int, list[int]]:
    """Planner id -> the districts they serve (sorted); every active planner, or those named."""
    query = (
        sa.select(_users.c.id, _links.c.district_id)
        .select_from(_users.outerjoin(_links, _links.c.user_id == _users.c.id))
        .where(_users.c.role == PLANNER)
        .order_by(_users.c.id, _links.c.district_id)
    )
    if planner_ids is not None:
        query = query.where(_users.c.id.in_(planner_ids))
    out: dict[int, list[int]] = {}
    for r in await conn.execute(query):
        out.setdefault(r.id, [])
        if r.district_id is not None:
            out[r.id].append(r.district_id)
    return out


async def load_planner_for(conn: AsyncConnection, user: CurrentUser, planner_id: int) -> Any:
    """The planner's user row when ``user`` may see them (bureau, staff of their districts, themself)."""
    row = (
        await conn.execute(sa.select(_users).where(_users.c.id == planner_id, _users.c.role == PLANNER))
    ).one_or_none()
    if row is None:
        raise not_found("planner_id", "no such planner")
    if user.sees_all or (user.role == PLANNER and user.id == planner_id):
        return row
    if user.role == DISTRICT:
        served = (await planner_districts(conn, [planner_id])).get(planner_id, [])
        if set(served) & user.district_ids:
            return row
    raise not_found("planner_id", "no such planner")


async def district_names(conn: AsyncConnection) -> dict[int, str]:
    return {r.id: r.name for r in await conn.execute(sa.select(_districts.c.id, _districts.c.name))}
