"""Sign-in and the current user: argon2 password hashes, Litestar's JWTAuth bearer tokens, four roles.

Roles: ``planner`` (makes records), ``district`` (district staff: confirm or reject visits in their
districts), ``coordinator`` (sees everything), ``admin``. ``user_districts`` links planners *and* staff to
the districts they serve.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import anyio.to_thread
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from litestar import Controller, Request, post
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, TooManyRequestsException
from litestar.params import JSONBody
from litestar.security.jwt import JWTAuth, Token
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.records import NUL_MESSAGE

from .audit import audit
from .db import Database, utcnow
from .errors import ApiError, bad_request
from .models import ROLES, User, UserDistrict, table_of
from .throttle import Pause, SignInThrottle

PLANNER, DISTRICT, COORDINATOR, ADMIN = ROLES
STAFF_ROLES = (DISTRICT,)
SEE_ALL_ROLES = (COORDINATOR, ADMIN)

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not a password anyone has")
_users = table_of(User)
_links = table_of(UserDistrict)


@dataclass(frozen=True)
class CurrentUser:
    id: int
    username: str
    role: str
    display_name: str
    district_ids: frozenset[int]
    #: The version this user's tokens must carry; a password reset bumps it.
    token_version: int = 0

    @property
    def sees_all(self) -> bool:
        return self.role in SEE_ALL_ROLES

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "username": self.username,
            "role": self.role,
            "display_name": self.display_name,
        }


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _verify(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


async def load_user(
    conn: AsyncConnection, user_id: int, token_version: int | None = None
) -> CurrentUser | None:
    """The active user ``user_id``; with ``token_version`` (a token's), None too if a reset voided it."""
    query = (
        sa.select(
            _users.c.id,
            _users.c.username,
            _users.c.role,
            _users.c.display_name,
            _users.c.token_version,
            _links.c.district_id,
        )
        .select_from(_users.outerjoin(_links, _links.c.user_id == _users.c.id))
        .where(_users.c.id == user_id, _users.c.active.is_(True))
    )
    if token_version is not None:
        query = query.where(_users.c.token_version == token_version)
    rows = (await conn.execute(query)).all()
    if not rows:
        return None
    first = rows[0]
    districts = frozenset(r.district_id for r in rows if r.district_id is not None)
    return CurrentUser(
        first.id, first.username, first.role, first.display_name, districts, first.token_version
    )


#: The token claim that carries the user's token version.
TOKEN_VERSION = "tv"


def token_version(token: Token) -> int:
    """The user's token version the token was issued at; -1 (never valid) if the claim is not a number."""
    # Tokens from before token versions existed carry none: they are version 0.
    value = token.extras.get(TOKEN_VERSION, 0)
    return value if isinstance(value, int) and not isinstance(value, bool) else -1


async def retrieve_user(token: Token, connection: ASGIConnection[Any, Any, Any, Any]) -> CurrentUser | None:
    try:
        user_id = int(token.sub)
    except ValueError:
        return None
    db: Database = connection.app.state.db
    async with db.read() as conn:
        return await load_user(conn, user_id, token_version(token))


def make_jwt_auth(secret: str, ttl_hours: int) -> JWTAuth[CurrentUser, Token]:
    return JWTAuth[CurrentUser, Token](
        retrieve_user_handler=retrieve_user,
        token_secret=secret,
        default_token_expiration=timedelta(hours=ttl_hours),
        exclude=["^/health$", "^/api/auth/login$", "^/schema"],
    )


@dataclass(frozen=True)
class Credentials:
    user_id: int
    password_hash: str
    token_version: int


async def find_credentials(db: Database, username: str) -> Credentials | None:
    """The active account named ``username``, as sign-in checks it."""
    if "\x00" in username:  # no user has one (create_user refuses it), and PostgreSQL cannot compare it
        return None
    async with db.read() as conn:
        row = (
            await conn.execute(
                sa.select(_users.c.id, _users.c.password_hash, _users.c.token_version).where(
                    _users.c.username == username, _users.c.active.is_(True)
                )
            )
        ).one_or_none()
    return None if row is None else Credentials(row.id, row.password_hash, row.token_version)


async def authenticate(db: Database, credentials: Credentials | None, password: str) -> CurrentUser | None:
    """The user if ``password`` is right for ``credentials``; the hash check runs off the event loop."""
    # The same work for an unknown username: no timing oracle.
    stored = credentials.password_hash if credentials else _DUMMY_HASH
    ok = await anyio.to_thread.run_sync(_verify, stored, password)
    if not ok or credentials is None:
        return None
    async with db.read() as conn:
        user = await load_user(conn, credentials.user_id)
    # A reset between reading the hash and now voids this sign-in as it voids tokens.
    return user if user is not None and user.token_version == credentials.token_version else None


async def create_user(
    db: Database,
    username: str,
    role: str,
    password: str,
    *,
    display_name: str = "",
    district_ids: tuple[int, ...] = (),
) -> int:
    """Add a user (linked to ``district_ids``) and return the new id; raises ValueError naming the field."""
    if role not in ROLES:
        raise ValueError(f"role: must be one of {', '.join(ROLES)}")
    if not username.strip():
        raise ValueError("username: is required")
    for field, text in (("username", username), ("display_name", display_name)):
        if "\x00" in text:
            raise ValueError(f"{field}: {NUL_MESSAGE}")
    if len(password) < 8:
        raise ValueError("password: needs at least 8 characters")
    pw_hash = await anyio.to_thread.run_sync(hash_password, password)
    async with db.write() as conn:
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
            await conn.execute(
                _links.insert(), [{"user_id": user_id, "district_id": d} for d in district_ids]
            )
        await audit(
            conn,
            None,
            "user.add",
            "user",
            str(user_id),
            None,
            {"username": username, "role": role, "districts": list(district_ids)},
        )
    return int(user_id)


def _paused(pause: Pause) -> ApiError:
    whom = "from this address" if pause.per_address else "for this username from this address"
    return ApiError(
        429,
        "password",
        f"too many failed sign-ins {whom}; try again in {pause.minutes} minutes",
        headers={"Retry-After": str(pause.retry_after_s)},
    )


async def set_password(db: Database, username: str, password: str) -> int:
    """Give ``username`` a new password (an admin's reset) and sign out every device that holds a token
    issued before it; returns the user's id. Raises ValueError naming the field.

    A phone signed out this way keeps every unsynced record: its next sync asks for the new password.
    """
    if len(password) < 8:
        raise ValueError("password: needs at least 8 characters")
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
        await audit(conn, None, "user.password", "user", str(user_id), None, {"username": username})
    return int(user_id)


class AuthController(Controller):
    path = "/api/auth"
    tags = ("auth",)

    @post(
        "/login",
        status_code=200,
        summary="Sign in; returns a bearer token",
        description="Repeated failures pause sign-in for that username and address (429, Retry-After).",
        raises=[NotAuthorizedException, TooManyRequestsException],
    )
    async def login(self, request: Request[Any, Any, Any], data: JSONBody[dict[str, Any]]) -> dict[str, Any]:
        for name in ("username", "password"):
            if not isinstance(data.get(name), str) or not data[name]:
                raise bad_request(name, "is required")
        db: Database = request.app.state.db
        throttle: SignInThrottle = request.app.state.sign_in
        username, address = data["username"], request.client.host if request.client else "unknown"
        credentials = await find_credentials(db, username)
        version = credentials.token_version if credentials else 0
        attempt = await throttle.begin(username, address, version)
        if isinstance(attempt, Pause):
            raise _paused(attempt)
        try:
            user = await authenticate(db, credentials, data["password"])
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
        jwt_auth: JWTAuth[CurrentUser, Token] = request.app.state.jwt_auth
        extras = {TOKEN_VERSION: user.token_version}
        token = jwt_auth.create_token(identifier=str(user.id), token_extras=extras)
        return {"access_token": token, "token_type": "bearer", "user": user.public()}
