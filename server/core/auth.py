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
from litestar.connection import ASGIConnection
from litestar.security.jwt import JWTAuth, Token
from sqlalchemy.ext.asyncio import AsyncConnection

from server.core.db import Database
from server.core.models import ROLES, User, UserDistrict, table_of

PLANNER, DISTRICT, COORDINATOR, ADMIN = ROLES
#: The bureau: coordinators and admins see every district.
BUREAU = (COORDINATOR, ADMIN)

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
        return self.role in BUREAU

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
        exclude=["^/health$", "^/api/auth/login$", "^/schema", "^/map/tiles/"],
        # Litestar lets HEAD through unsigned by default; a HEAD here tells what one user has uploaded.
        exclude_http_methods=["OPTIONS"],
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
