"""Who may see what in the issue-4 endpoints: role checks, planners' districts, and request parsing helpers.

Out of scope is a 404 when the record exists but the user may not see it (its existence is not revealed),
and a 403 naming ``role`` when the user's role never may use the endpoint.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

import sqlalchemy as sa
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.records import MAX_ID, NUL_MESSAGE

from .auth import ADMIN, COORDINATOR, DISTRICT, PLANNER, CurrentUser
from .errors import bad_request, forbidden, not_found
from .models import District, User, UserDistrict, table_of

_users, _links, _districts = table_of(User), table_of(UserDistrict), table_of(District)

BUREAU = (COORDINATOR, ADMIN)

#: A database id in a path: a number past what the column holds is a 400 naming it, never a 500.
IdPath = Annotated[int, Parameter(gt=0, le=MAX_ID)]


def require_role(user: CurrentUser, *roles: str) -> None:
    if user.role not in roles:
        raise forbidden("role", f"needs one of the roles {', '.join(roles)}")


def staff_of(user: CurrentUser, district_id: int) -> bool:
    return user.role == DISTRICT and district_id in user.district_ids


def sees_district(user: CurrentUser, district_id: int) -> bool:
    return user.sees_all or (user.role in (DISTRICT, PLANNER) and district_id in user.district_ids)


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


def parse_int(raw: Any, field: str, *, required: bool = True, lo: int = 1, hi: int = 2**31 - 1) -> int | None:
    if raw is None or raw == "":
        if required:
            raise bad_request(field, "is required")
        return None
    if isinstance(raw, bool):
        raise bad_request(field, "must be a whole number")
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise bad_request(field, "must be a whole number") from None
    if isinstance(raw, float) and raw != value:
        raise bad_request(field, "must be a whole number")
    if not lo <= value <= hi:
        raise bad_request(field, f"must be between {lo} and {hi}")
    return value


def parse_date(raw: Any, field: str, *, required: bool = True) -> date | None:
    if raw is None or raw == "":
        if required:
            raise bad_request(field, "is required (YYYY-MM-DD)")
        return None
    if not isinstance(raw, str):
        raise bad_request(field, "must be a date YYYY-MM-DD")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise bad_request(field, "must be a date YYYY-MM-DD") from None


#: A UUID as `str(uuid.UUID(...))` writes it, the only form in which the push stores record ids.
_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def is_record_id(value: str) -> bool:
    """Whether ``value`` can name a record (a path id that cannot is a 404 without a query: PostgreSQL
    cannot even compare some text, such as a NUL)."""
    return _CANONICAL_UUID.fullmatch(value) is not None


def parse_text(body: Any, field: str, *, required: bool, max_len: int = 2000) -> str | None:
    if not isinstance(body, dict):
        raise bad_request("body", "must be a JSON object")
    value = body.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise bad_request(field, "is required and may not be empty")
        return None
    if not isinstance(value, str):
        raise bad_request(field, "must be text")
    if len(value) > max_len:
        raise bad_request(field, f"is longer than {max_len} characters")
    if "\x00" in value:
        raise bad_request(field, NUL_MESSAGE)
    return value.strip()


def body_object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise bad_request("body", "must be a JSON object")
    return body
