"""People: users (added, re-passworded, signed in under the throttle), districts, and planners' records.

The bureau keeps each planner's responsibility area (PDS-1), term start (PDS-10) and specialty (PDS-5), and
records exit requests (PDS-11; a short notice is answered with its alert, `server.people.exits`).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import anyio.to_thread
import sqlalchemy as sa
from litestar.security.jwt import JWTAuth, Token
from sqlalchemy.ext.asyncio import AsyncConnection

from server.core.access import load_planner_for, planner_districts, require_role
from server.core.audit import audit
from server.core.auth import (
    BUREAU,
    TOKEN_VERSION,
    CurrentUser,
    authenticate,
    find_credentials,
    hash_password,
)
from server.core.db import Database, lock_bureau, utcnow
from server.core.errors import ApiError, bad_request
from server.core.models import (
    ROLES,
    District,
    User,
    UserDistrict,
    dismissals,
    dispatches,
    exit_requests,
    planner_profiles,
    table_of,
)
from server.core.parsing import body_object, parse_date, parse_text
from server.core.throttle import Pause, SignInThrottle
from server.people.dismissal import GroundError, check_dismissal
from server.people.exits import exit_request_alert
from shared.geo import area_from_json, area_to_json
from shared.profiles import Profile
from shared.records import NUL_MESSAGE

_users, _links = table_of(User), table_of(UserDistrict)


def check_new_user(username: str, role: str, password: str, display_name: str = "") -> None:
    """Raise ValueError naming the field when these cannot make a user."""
    if role not in ROLES:
        raise ValueError(f"role: must be one of {', '.join(ROLES)}")
    if not username.strip():
        raise ValueError("username: is required")
    for field, text, longest in (("username", username, 100), ("display_name", display_name, 200)):
        if len(text) > longest:
            raise ValueError(f"{field}: is longer than {longest} characters")
    for field, text in (("username", username), ("display_name", display_name)):
        if "\x00" in text:
            raise ValueError(f"{field}: {NUL_MESSAGE}")
    check_password(password)


def check_password(password: str) -> None:
    if len(password) < 8:
        raise ValueError("password: needs at least 8 characters")
    if len(password) > 1000:
        raise ValueError("password: is longer than 1000 characters")
    if "\x00" in password:
        raise ValueError(f"password: {NUL_MESSAGE}")


async def insert_user(
    conn: AsyncConnection,
    username: str,
    role: str,
    pw_hash: str,
    display_name: str,
    district_ids: tuple[int, ...],
    by: int | None,
) -> int:
    """Add a checked user inside the caller's transaction (audited); ValueError when the name is taken."""
    await lock_bureau(conn)  # two additions of one name queue, and the second finds it taken
    taken = (await conn.execute(sa.select(_users.c.id).where(_users.c.username == username))).first()
    if taken:
        raise ValueError(f"username: {username!r} is taken")
    user_id = (
        await conn.execute(
            _users.insert()
            .values(
                username=username,
                password_hash=pw_hash,
                role=role,
                display_name=display_name or username,
                active=True,
                created_at=utcnow(),
            )
            .returning(_users.c.id)
        )
    ).scalar_one()
    if district_ids:
        await conn.execute(_links.insert(), [{"user_id": user_id, "district_id": d} for d in district_ids])
    await audit(
        conn,
        by,
        "user.add",
        "user",
        str(user_id),
        None,
        {"username": username, "role": role, "districts": list(district_ids)},
    )
    return int(user_id)


async def create_user(
    db: Database,
    username: str,
    role: str,
    password: str,
    *,
    display_name: str = "",
    district_ids: tuple[int, ...] = (),
    by: int | None = None,
) -> int:
    """Add a user (linked to ``district_ids``) and return the new id; raises ValueError naming the field.
    ``by``: the administrator who adds them, for the audit log (None: the command line)."""
    check_new_user(username, role, password, display_name)
    pw_hash = await anyio.to_thread.run_sync(hash_password, password)
    async with db.write() as conn:
        return await insert_user(conn, username, role, pw_hash, display_name, district_ids, by)


async def link_district(conn: AsyncConnection, by: int | None, user_id: int, district_id: int) -> bool:
    """Link a user to a district they serve (audited); False when the link existed."""
    where = sa.and_(_links.c.user_id == user_id, _links.c.district_id == district_id)
    if (await conn.execute(sa.select(_links.c.user_id).where(where))).first():
        return False
    await conn.execute(_links.insert().values(user_id=user_id, district_id=district_id))
    await audit(conn, by, "user.link", "user", str(user_id), None, {"district_id": district_id})
    return True


async def unlink_district(conn: AsyncConnection, by: int | None, user_id: int, district_id: int) -> bool:
    """Take a district from a user (audited); False when there was no link. Their records stay."""
    where = sa.and_(_links.c.user_id == user_id, _links.c.district_id == district_id)
    gone = (await conn.execute(_links.delete().where(where))).rowcount
    if gone:
        await audit(conn, by, "user.unlink", "user", str(user_id), {"district_id": district_id}, None)
    return bool(gone)


async def set_password(db: Database, username: str, password: str, by: int | None = None) -> int:
    """Give ``username`` a new password (an admin's reset) and sign out every device that holds a token
    issued before it; returns the user's id. Raises ValueError naming the field. ``by``: the administrator,
    for the audit log (None: the command line).

    A phone signed out this way keeps every unsynced record: its next sync asks for the new password.
    """
    check_password(password)
    pw_hash = await anyio.to_thread.run_sync(hash_password, password)
    async with db.write() as conn:
        user_id = (
            await conn.execute(
                _users.update()
                .where(_users.c.username == username)
                .values(password_hash=pw_hash, token_version=_users.c.token_version + 1)
                .returning(_users.c.id)
            )
        ).scalar_one_or_none()
        if user_id is None:
            raise ValueError(f"username: no user {username!r}")
        await audit(conn, by, "user.password", "user", str(user_id), None, {"username": username})
    return int(user_id)


_districts = table_of(District)


async def visible_districts(db: Database, user: CurrentUser) -> list[dict[str, Any]]:
    query = sa.select(_districts.c.id, _districts.c.name).order_by(_districts.c.id)
    if not user.sees_all:
        query = query.where(_districts.c.id.in_(sorted(user.district_ids)))
    async with db.read() as conn:
        return [{"id": r.id, "name": r.name} for r in await conn.execute(query)]


async def add_district(db: Database, name: str, by: int | None = None) -> int:
    """Add a district and return its id; raises ValueError naming the field. ``by``: for the audit log."""
    name = name.strip()
    if not name:
        raise ValueError("name: is required")
    if len(name) > 200:
        raise ValueError("name: is longer than 200 characters")
    if "\x00" in name:
        raise ValueError(f"name: {NUL_MESSAGE}")
    async with db.write() as conn:
        await lock_bureau(conn)  # concurrent changes of these rows queue, not collide
        if (await conn.execute(sa.select(_districts.c.id).where(_districts.c.name == name))).first():
            raise ValueError(f"name: a district called {name!r} exists")
        new_id = (
            await conn.execute(
                _districts.insert().values(name=name, created_at=utcnow()).returning(_districts.c.id)
            )
        ).scalar_one()
        await audit(conn, by, "district.add", "district", str(new_id), None, {"name": name})
    return int(new_id)


async def district_ids_by_name(db: Database, names: list[str]) -> list[int]:
    async with db.read() as conn:
        rows = dict(
            (
                await conn.execute(
                    sa.select(_districts.c.name, _districts.c.id).where(_districts.c.name.in_(names))
                )
            )
            .tuples()
            .all()
        )
    missing = [n for n in names if n not in rows]
    if missing:
        raise ValueError(f"district: no district called {missing[0]!r}; add it with `fieldlog district add`")
    return [rows[n] for n in names]


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


def dismissal_json(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "planner_id": row.planner_id,
        "ground": row.ground,
        "rule_id": row.rule_id,
        "reason": row.reason,
        "decided_on": row.decided_on.isoformat(),
        "recorded_by": row.recorded_by,
        "recorded_at": row.recorded_at.isoformat(),
    }


async def dismissals_of(conn: AsyncConnection, planner_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The recorded dismissals of these planners, oldest first."""
    out: dict[int, list[dict[str, Any]]] = {}
    for r in await conn.execute(
        sa.select(dismissals)
        .where(dismissals.c.planner_id.in_(planner_ids))
        .order_by(dismissals.c.decided_on, dismissals.c.id)
    ):
        out.setdefault(r.planner_id, []).append(dismissal_json(r))
    return out


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
        "active": row.active,
        "districts": districts,
        **profile_json(await _profile_row(conn, row.id)),
        "exit_requests": [exit_json(e) for e in exits],
        "dismissals": (await dismissals_of(conn, [row.id])).get(row.id, []),
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
                "active": r.active,
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
    async with db.write() as conn:
        row = await load_planner_for(conn, user, planner_id)
        if "term_start" in values and await _dispatched(conn, planner_id):
            raise ApiError(
                409, "term_start", "follows from the planner's dispatch: record the renewal or the end there"
            )
        await write_profile(conn, user.id, planner_id, values)
        return await planner_json(conn, row)


async def _dispatched(conn: AsyncConnection, planner_id: int) -> bool:
    """Whether a dispatch (server.term) holds the planner's term, so it is not typed here again."""
    query = sa.select(dispatches.c.id).where(
        dispatches.c.planner_id == planner_id, dispatches.c.status == "serving"
    )
    return (await conn.execute(query.limit(1))).first() is not None


async def write_profile(conn: AsyncConnection, by: int, planner_id: int, values: dict[str, Any]) -> None:
    """Set fields of a planner's profile (area, term start, specialty) inside the caller's transaction,
    audited as ``planner.update``; the row is made on first write."""
    now = utcnow()
    before_row = await _profile_row(conn, planner_id)
    before = profile_json(before_row)
    if before_row is None:
        await conn.execute(
            planner_profiles.insert().values(user_id=planner_id, updated_by=by, updated_at=now, **values)
        )
    elif values:
        await conn.execute(
            planner_profiles.update()
            .where(planner_profiles.c.user_id == planner_id)
            .values(updated_by=by, updated_at=now, **values)
        )
    after = profile_json(await _profile_row(conn, planner_id))
    await audit(conn, by, "planner.update", "planner", str(planner_id), before, after)


async def add_exit_request(
    db: Database, profile: Profile, user: CurrentUser, planner_id: int, body: Any
) -> dict[str, Any]:
    require_role(user, *BUREAU)
    filed_on, leave_on, reason = parse_exit_request(body)
    async with db.write() as conn:
        await load_planner_for(conn, user, planner_id)
        row = await insert_exit_request(conn, user.id, planner_id, filed_on, leave_on, reason)
    return {**exit_json(row), "alert": exit_request_alert(row, profile)}


def parse_exit_request(body: Any) -> tuple[date, date, str | None]:
    """PDS-11: the filing day, the first day no longer served, and the reason of an exit request."""
    body = body_object(body)
    filed_on = parse_date(body.get("filed_on"), "filed_on")
    leave_on = parse_date(body.get("leave_on"), "leave_on")
    assert filed_on is not None and leave_on is not None
    if leave_on <= filed_on:
        raise bad_request("leave_on", "must be after filed_on")
    return filed_on, leave_on, parse_text(body, "reason", required=False)


async def insert_exit_request(
    conn: AsyncConnection, by: int, planner_id: int, filed_on: date, leave_on: date, reason: str | None
) -> Any:
    """Store an exit request (PDS-11) inside the caller's transaction, audited; returns its row."""
    values = {
        "id": str(uuid.uuid4()),
        "planner_id": planner_id,
        "filed_on": filed_on,
        "leave_on": leave_on,
        "reason": reason,
        "created_by": by,
        "created_at": utcnow(),
    }
    await conn.execute(exit_requests.insert().values(**values))
    row = (await conn.execute(sa.select(exit_requests).where(exit_requests.c.id == values["id"]))).one()
    await audit(conn, by, "planner.exit_request", "exit_request", row.id, None, exit_json(row))
    return row


async def record_dismissal(
    db: Database, profile: Profile, user: CurrentUser, planner_id: int, body: Any
) -> dict[str, Any]:
    """CQ-11: record that a planner is dismissed, on one of the profile's grounds, with a written reason.

    It records the decision; what follows for the planner's account and term is the end of term's work.
    """
    require_role(user, *BUREAU)
    body = body_object(body)
    try:
        ground, reason = check_dismissal(profile, body.get("ground"), body.get("reason"))
    except GroundError as exc:
        status = 409 if exc.field == "ground" and not profile.dismissal_grounds else 400
        raise ApiError(status, exc.field, exc.message) from None
    decided_on = parse_date(body.get("decided_on"), "decided_on")
    async with db.write() as conn:
        await load_planner_for(conn, user, planner_id)
        new_id = (
            await conn.execute(
                dismissals.insert()
                .values(
                    planner_id=planner_id,
                    ground=ground.code,
                    rule_id=ground.rule_id,
                    reason=reason,
                    decided_on=decided_on,
                    recorded_by=user.id,
                    recorded_at=utcnow(),
                )
                .returning(dismissals.c.id)
            )
        ).scalar_one()
        row = (await conn.execute(sa.select(dismissals).where(dismissals.c.id == new_id))).one()
        result = dismissal_json(row)
        await audit(conn, user.id, "planner.dismissal", "dismissal", str(new_id), None, result)
    return result


def _paused(pause: Pause) -> ApiError:
    whom = "from this address" if pause.per_address else "for this username from this address"
    return ApiError(
        429,
        "password",
        f"too many failed sign-ins {whom}; try again in {pause.minutes} minutes",
        headers={"Retry-After": str(pause.retry_after_s)},
    )


async def sign_in(
    db: Database,
    throttle: SignInThrottle,
    jwt_auth: JWTAuth[CurrentUser, Token],
    username: str,
    password: str,
    address: str,
) -> dict[str, Any]:
    """Check a password under the sign-in throttle and return a bearer token with the user.

    401 for a wrong username or password; 429 with ``Retry-After`` once the throttle pauses the username at
    this address, or the address; a pause is audited once, when it starts.
    """
    credentials = await find_credentials(db, username)
    version = credentials.token_version if credentials else 0
    attempt = await throttle.begin(username, address, version)
    if isinstance(attempt, Pause):
        raise _paused(attempt)
    try:
        user = await authenticate(db, credentials, password)
    except Exception:
        await throttle.abandon(attempt)
        raise
    if user is None:
        pause = await throttle.failed(attempt)
        if pause is None:
            raise ApiError(401, "password", "wrong username or password")
        if pause.started:  # the bureau should see guessing: once per pause, not once per try
            async with db.write() as conn:
                after = {"username": username[:200], "address": address, "per_address": pause.per_address}
                await audit(conn, None, "auth.signin_paused", None, None, None, after)
        raise _paused(pause)
    await throttle.succeeded(attempt)
    extras = {TOKEN_VERSION: user.token_version}
    token = jwt_auth.create_token(identifier=str(user.id), token_extras=extras)
    return {"access_token": token, "token_type": "bearer", "user": user.public()}
