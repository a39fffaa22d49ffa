"""Administration without a shell (admin role): districts and users, disabling, password resets, district
links, and the roster import. Every change is audited with the administrator who made it.

A disabled user keeps every record and can no longer sign in; disabling bumps the user's token version, so
tokens issued before stop working at once and stay void if the user is enabled again. Nobody disables their
own account (the last administrator cannot lock everyone out).

The roster import (`server.admin.roster`) checks every row against the file and the database and imports
nothing until the file is clean; then all its people are added in one transaction. A password left empty
in the file is made here and shown once, in the answer.
"""

from __future__ import annotations

import secrets
from typing import Any

import anyio.to_thread
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from server.admin.roster import COLUMNS, SERVING_ROLES, Roster, RosterFileError, RowError, read_roster
from server.core.access import require_role
from server.core.audit import audit
from server.core.auth import ADMIN, CurrentUser, hash_password
from server.core.db import Database, lock_bureau, utcnow
from server.core.errors import ApiError, bad_request, not_found
from server.core.models import ROLES, District, User, UserDistrict, planner_profiles, table_of
from server.core.parsing import MAX_ROW_ID, body_object, parse_text
from server.people.service import add_district, check_new_user, check_password, insert_user, set_password
from shared.profiles import Profile

_users, _links, _districts = table_of(User), table_of(UserDistrict), table_of(District)


def _value_error(exc: ValueError) -> ApiError:
    """A people-service ValueError ("field: message") as a 400 (409 when a name is taken)."""
    field, _, message = str(exc).partition(": ")
    return ApiError(409 if "taken" in message or "exists" in message else 400, field, message)


async def _links_of(conn: AsyncConnection, user_ids: list[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {u: [] for u in user_ids}
    for r in await conn.execute(
        sa.select(_links.c.user_id, _links.c.district_id)
        .where(_links.c.user_id.in_(user_ids))
        .order_by(_links.c.user_id, _links.c.district_id)
    ):
        out[r.user_id].append(r.district_id)
    return out


def _user_json(row: Any, districts: list[int]) -> dict[str, Any]:
    return {
        "id": row.id,
        "username": row.username,
        "display_name": row.display_name,
        "role": row.role,
        "active": row.active,
        "districts": districts,
        "created_at": row.created_at.isoformat(),
    }


async def _user(conn: AsyncConnection, user_id: int) -> dict[str, Any]:
    row = (await conn.execute(sa.select(_users).where(_users.c.id == user_id))).one_or_none()
    if row is None:
        raise not_found("user_id", "no such user")
    return _user_json(row, (await _links_of(conn, [user_id]))[user_id])


async def list_users(db: Database, user: CurrentUser, role: str | None) -> dict[str, Any]:
    require_role(user, ADMIN)
    if role is not None and role not in ROLES:
        raise bad_request("role", f"must be one of {', '.join(ROLES)}")
    query = sa.select(_users).order_by(_users.c.id)
    if role is not None:
        query = query.where(_users.c.role == role)
    async with db.read() as conn:
        rows = (await conn.execute(query)).all()
        links = await _links_of(conn, [r.id for r in rows])
    return {"users": [_user_json(r, links[r.id]) for r in rows]}


async def get_user(db: Database, user: CurrentUser, user_id: int) -> dict[str, Any]:
    require_role(user, ADMIN)
    async with db.read() as conn:
        return await _user(conn, user_id)


def _district_ids(raw: Any, field: str = "district_ids") -> tuple[int, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or any(
        isinstance(d, bool) or not isinstance(d, int) or not 0 < d <= MAX_ROW_ID for d in raw
    ):
        raise bad_request(field, "must be a list of district ids")
    if len(raw) > 1000:
        raise bad_request(field, "has more than 1000 districts")
    return tuple(sorted(set(raw)))


async def _check_districts(conn: AsyncConnection, ids: tuple[int, ...], role: str) -> None:
    if ids and role not in SERVING_ROLES:
        raise bad_request("district_ids", "only planners and district staff serve districts")
    if not ids:
        return
    known = set((await conn.execute(sa.select(_districts.c.id).where(_districts.c.id.in_(ids)))).scalars())
    missing = [d for d in ids if d not in known]
    if missing:
        raise bad_request("district_ids", f"no district {missing[0]}")


def _text_field(body: dict[str, Any], name: str, *, required: bool, max_len: int) -> str:
    return parse_text(body, name, required=required, max_len=max_len) or ""


async def create(db: Database, user: CurrentUser, body: Any) -> dict[str, Any]:
    require_role(user, ADMIN)
    body = body_object(body)
    unknown = sorted(set(body) - {"username", "display_name", "role", "password", "district_ids"})
    if unknown:
        raise bad_request(unknown[0], "is not a field of a user")
    username = _text_field(body, "username", required=True, max_len=100)
    display_name = _text_field(body, "display_name", required=False, max_len=200)
    role = body.get("role")
    if role not in ROLES:
        raise bad_request("role", f"must be one of {', '.join(ROLES)}")
    password = body.get("password")
    if not isinstance(password, str):
        raise bad_request("password", "is required (at least 8 characters)")
    district_ids = _district_ids(body.get("district_ids"))
    try:
        check_new_user(username, role, password, display_name)
    except ValueError as exc:
        raise _value_error(exc) from None
    pw_hash = await anyio.to_thread.run_sync(hash_password, password)
    async with db.write() as conn:
        await _check_districts(conn, district_ids, role)
        try:
            new_id = await insert_user(conn, username, role, pw_hash, display_name, district_ids, user.id)
        except ValueError as exc:
            raise _value_error(exc) from None
        return await _user(conn, new_id)


async def _change_active(conn: AsyncConnection, user_id: int, active: bool, by: int | None) -> dict[str, Any]:
    before = await _user(conn, user_id)
    if before["active"] == active:
        return before
    values: dict[str, Any] = {"active": active}
    if not active:
        values["token_version"] = _users.c.token_version + 1
    await conn.execute(_users.update().where(_users.c.id == user_id).values(**values))
    action = "user.enable" if active else "user.disable"
    await audit(conn, by, action, "user", str(user_id), {"active": not active}, {"active": active})
    return await _user(conn, user_id)


async def set_active(db: Database, user: CurrentUser, user_id: int, active: bool) -> dict[str, Any]:
    """Enable or disable a user (see the module doc)."""
    require_role(user, ADMIN)
    if user_id == user.id and not active:
        raise ApiError(409, "user_id", "you cannot disable your own account")
    async with db.write() as conn:
        return await _change_active(conn, user_id, active, user.id)


async def set_active_by_name(db: Database, username: str, active: bool) -> dict[str, Any]:
    """The command line's enable and disable; raises ValueError naming ``username``."""
    async with db.write() as conn:
        user_id = (await conn.execute(sa.select(_users.c.id).where(_users.c.username == username))).scalar()
        if user_id is None:
            raise ValueError(f"username: no user {username!r}")
        return await _change_active(conn, int(user_id), active, None)


async def reset_password(db: Database, user: CurrentUser, user_id: int, body: Any) -> dict[str, Any]:
    """A new password for a user, signing out every device of theirs (`people.service.set_password`)."""
    require_role(user, ADMIN)
    body = body_object(body)
    password = body.get("password")
    if not isinstance(password, str):
        raise bad_request("password", "is required (at least 8 characters)")
    try:
        check_password(password)
    except ValueError as exc:
        raise _value_error(exc) from None
    async with db.read() as conn:
        target = await _user(conn, user_id)
    try:
        await set_password(db, target["username"], password, by=user.id)
    except ValueError as exc:
        raise _value_error(exc) from None
    async with db.read() as conn:
        return await _user(conn, user_id)


async def set_districts(db: Database, user: CurrentUser, user_id: int, body: Any) -> dict[str, Any]:
    """Replace the districts a planner or district staff member serves."""
    require_role(user, ADMIN)
    body = body_object(body)
    if "district_ids" not in body:
        raise bad_request("district_ids", "is required (a list of district ids, [] for none)")
    ids = _district_ids(body["district_ids"])
    async with db.write() as conn:
        await lock_bureau(conn)  # concurrent changes of these rows queue, not collide
        before = await _user(conn, user_id)
        await _check_districts(conn, ids, before["role"])
        await conn.execute(_links.delete().where(_links.c.user_id == user_id))
        if ids:
            await conn.execute(_links.insert(), [{"user_id": user_id, "district_id": d} for d in ids])
        after = await _user(conn, user_id)
        await audit(
            conn,
            user.id,
            "user.districts",
            "user",
            str(user_id),
            {"districts": before["districts"]},
            {"districts": after["districts"]},
        )
        return after


async def list_districts(db: Database, user: CurrentUser) -> dict[str, Any]:
    require_role(user, ADMIN)
    async with db.read() as conn:
        counts: dict[tuple[int, str], int] = {}
        for r in await conn.execute(
            sa.select(_links.c.district_id, _users.c.role, sa.func.count().label("n"))
            .join(_users, _users.c.id == _links.c.user_id)
            .where(_users.c.active.is_(True))
            .group_by(_links.c.district_id, _users.c.role)
        ):
            counts[(r.district_id, r.role)] = int(r.n)
        rows = (await conn.execute(sa.select(_districts).order_by(_districts.c.id))).all()
    return {
        "districts": [
            {
                "id": r.id,
                "name": r.name,
                "planners": counts.get((r.id, "planner"), 0),
                "staff": counts.get((r.id, "district"), 0),
                "created_at": r.created_at.isoformat(),
            }
            for r in rows
        ]
    }


async def create_district(db: Database, user: CurrentUser, body: Any) -> dict[str, Any]:
    require_role(user, ADMIN)
    body = body_object(body)
    name = _text_field(body, "name", required=True, max_len=200)
    try:
        new_id = await add_district(db, name, by=user.id)
    except ValueError as exc:
        raise _value_error(exc) from None
    return {"id": new_id, "name": name}


# --- the roster import ---------------------------------------------------------------------------------


def errors_answer(roster: Roster) -> dict[str, Any]:
    n = len({e.row for e in roster.errors})
    return {
        "status_code": 422,
        "detail": f"rows: {n} row(s) have problems; nothing was imported",
        "field": "rows",
        "errors": [e.json() for e in sorted_errors(roster)],
    }


def sorted_errors(roster: Roster) -> list[RowError]:
    """Row by row, in the order of the columns."""
    return sorted(roster.errors, key=lambda e: (e.row, list(COLUMNS).index(e.field)))


async def _check_against_database(conn: AsyncConnection, roster: Roster) -> dict[str, int]:
    """Add a row error for each username taken and each district unknown; district name -> id."""
    names = [r.username for r in roster.rows]
    taken = set(
        (await conn.execute(sa.select(_users.c.username).where(_users.c.username.in_(names)))).scalars()
    )
    districts = {r.name: r.id for r in await conn.execute(sa.select(_districts.c.name, _districts.c.id))}
    for r in roster.rows:
        if r.username in taken:
            roster.errors.append(
                RowError(r.row, roster.column("username"), "username", f"{r.username!r} exists already")
            )
        for d in r.districts:
            if d not in districts:
                roster.errors.append(
                    RowError(
                        r.row,
                        roster.column("districts"),
                        "districts",
                        f"no district called {d!r}; add it first",
                    )
                )
    return districts


async def check_roster(db: Database, profile: Profile, data: bytes) -> Roster:
    """The roster in ``data`` with every problem of every row, against the file and the database.

    Raises `RosterFileError` when the file as a whole cannot be read as a roster.
    """
    roster = await anyio.to_thread.run_sync(read_roster, data, (profile.planner_title,))
    async with db.read() as conn:
        await _check_against_database(conn, roster)
    return roster


async def apply_roster(db: Database, roster: Roster, by: int | None) -> list[dict[str, Any]]:
    """Add a clean roster's people in one transaction; [] and row errors on ``roster`` when a name was taken
    meanwhile. A person whose password the file left empty gets one made here (in the answer only)."""
    passwords = {r.row: r.password or secrets.token_urlsafe(9) for r in roster.rows}
    # argon2 spreads one hash over the cores already: two at once measured 0.82 of two in turn on two cores
    # (bench/roster.py), not worth twice argon2's memory, so they are hashed in turn, off the event loop.
    hashes = {n: await anyio.to_thread.run_sync(hash_password, pw) for n, pw in passwords.items()}
    now = utcnow()
    people: list[dict[str, Any]] = []
    async with db.write() as conn:
        # Checked again under the write lock: another import may have taken a name meanwhile.
        districts = await _check_against_database(conn, roster)
        if roster.errors:
            return []
        for r in roster.rows:
            ids = tuple(sorted({districts[d] for d in r.districts}))
            new_id = await insert_user(conn, r.username, r.role, hashes[r.row], r.display_name, ids, by)
            if r.specialty is not None or r.term_start is not None:
                await conn.execute(
                    planner_profiles.insert().values(
                        user_id=new_id,
                        specialty=r.specialty,
                        term_start=r.term_start,
                        updated_by=by,
                        updated_at=now,
                    )
                )
            person: dict[str, Any] = {
                "row": r.row,
                "id": new_id,
                "username": r.username,
                "display_name": r.display_name,
                "role": r.role,
                "districts": list(ids),
            }
            if r.password is None:
                person["password"] = passwords[r.row]  # made here; shown this once
            people.append(person)
        await audit(
            conn,
            by,
            "roster.import",
            "user",
            None,
            None,
            {"imported": len(people), "usernames": [p["username"] for p in people]},
        )
    return people


async def import_roster(
    db: Database, profile: Profile, user: CurrentUser, data: bytes, dry_run: bool
) -> tuple[int, dict[str, Any]]:
    """The roster in ``data`` checked and, when clean and not ``dry_run``, imported: (status, answer)."""
    require_role(user, ADMIN)
    try:
        roster = await check_roster(db, profile, data)
    except RosterFileError as exc:
        raise ApiError(exc.status, exc.field, exc.message) from None
    if roster.errors:
        return 422, errors_answer(roster)
    if dry_run:
        return 200, {"imported": 0, "valid": True, "rows": len(roster.rows)}
    people = await apply_roster(db, roster, user.id)
    if roster.errors:
        return 422, errors_answer(roster)
    return 201, {"imported": len(people), "users": people}
