"""Checks the CLI runs before it works: the data directory, the database, Redis; each failure is one line.

A configuration or environment mistake (no database, an unreachable or unmigrated one, a data directory
that cannot be written, a Redis that does not answer) becomes a `SetupError` whose message names the
setting and what to do. The CLI prints it and exits non-zero; no traceback reaches the operator.
"""

from __future__ import annotations

import os
import socket
import tempfile
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from server.core.db import Database
from server.core.migrate import NotMigratedError, check_migrated
from server.core.settings import Settings, display_url, redacted


class SetupError(Exception):
    """A mistake in the configuration or the environment; the message names the setting."""


def check_data_dir(settings: Settings) -> None:
    """The data directory exists (it is made if it can be) and this user may write files in it."""
    d = settings.data_dir
    try:
        d.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=d, prefix=".write-check-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise SetupError(
            f"FIELDLOG_DATA_DIR: cannot write in {d} ({exc.strerror or exc}); point it at a directory"
            " this user may write, or create it"
        ) from None


def _sqlite_path(settings: Settings) -> Path | None:
    if not settings.is_sqlite:
        return None
    database = make_url(settings.database_url).database
    return Path(database) if database else None


def _where(settings: Settings) -> str:
    u = make_url(settings.database_url)
    if settings.is_sqlite:
        return str(_sqlite_path(settings))
    return f"{u.host or 'localhost'}:{u.port or 5432}"


def explain(exc: BaseException, settings: Settings) -> SetupError | None:
    """The one line for a failure to reach or use the database, or None when ``exc`` is no such failure."""
    name = settings.database_setting
    where = _where(settings)
    if isinstance(exc, SetupError):
        return exc
    if isinstance(exc, NotMigratedError):
        return SetupError(f"{name}: {exc} (the database: {display_url(settings.database_url)})")
    orig = getattr(exc, "orig", None)
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    detail = str(getattr(orig, "__cause__", None) or orig or exc).strip().splitlines()[0] if str(exc) else ""
    u = make_url(settings.database_url)
    if code == "3D000":
        return SetupError(
            f"{name}: PostgreSQL at {where} has no database {u.database!r}; create it"
            f" (createdb -h {u.host or 'localhost'} {u.database}) or fix the name"
        )
    if code in ("28000", "28P01"):
        return SetupError(
            f"{name}: PostgreSQL at {where} refused the sign-in ({detail}); check the user and password"
        )
    if code == "53300":
        return SetupError(
            f"{name}: PostgreSQL at {where} has no free connections ({detail}); raise its max_connections"
            " or lower FIELDLOG_DB_POOL_SIZE or the number of workers"
        )
    if isinstance(exc, TypeError) and "unexpected keyword argument" in str(exc):
        param = str(exc).rsplit(" ", 1)[-1]
        return SetupError(f"{name}: the PostgreSQL driver does not take the parameter {param}; remove it")
    if isinstance(exc, socket.gaierror):
        return SetupError(f"{name}: cannot find the database host {u.host!r} ({exc.strerror}); fix the host")
    if isinstance(exc, OSError | TimeoutError):
        reason = type(exc).__name__
        if isinstance(exc, OSError) and (exc.errno or exc.strerror):
            reason = os.strerror(exc.errno) if exc.errno else str(exc.strerror)
        return SetupError(
            f"{name}: cannot reach PostgreSQL at {where} ({reason}); check the host and port and that it runs"
        )
    if isinstance(exc, sa.exc.DBAPIError):
        text = str(orig or exc).strip().splitlines()[0]
        if settings.is_sqlite and "unable to open database file" in text:
            return SetupError(
                f"{name}: cannot open the SQLite database {where} (its directory is missing or not"
                " writable); fix the path or run `fieldlog db upgrade` to create it"
            )
        if settings.is_sqlite and "not a database" in text:
            return SetupError(
                f"{name}: {where} is not a SQLite database ({text}); point the setting at the right file"
            )
        if isinstance(exc, sa.exc.OperationalError | sa.exc.InterfaceError):
            return SetupError(f"{name}: the database at {display_url(settings.database_url)} failed: {text}")
    return None


async def check_database(db: Database, settings: Settings, *, migrated: bool = True) -> None:
    """The database answers and, when ``migrated``, is at this server's revision; else a `SetupError`.

    When ``migrated`` is False (``db upgrade``) a missing SQLite file is made, in an existing directory."""
    path = _sqlite_path(settings)
    if path is not None:
        if migrated and not path.exists():
            raise SetupError(
                f"{settings.database_setting}: there is no database at {path}; run `fieldlog db upgrade`"
                " to create it, or point the setting at the deployment's data"
            )
        if not path.parent.is_dir():
            raise SetupError(
                f"{settings.database_setting}: the directory {path.parent} of the SQLite database does not"
                " exist; create it or fix the path"
            )
    try:
        async with db.read() as conn:
            await conn.execute(sa.text("SELECT 1"))
        if migrated:
            await check_migrated(db)
    except Exception as exc:
        explained = explain(exc, settings)
        if explained is None:
            raise
        raise explained from None


async def check_redis(settings: Settings) -> None:
    """FIELDLOG_REDIS_URL, when set, names a Redis that answers."""
    if not settings.redis_url:
        return
    from redis.asyncio import Redis
    from redis.exceptions import RedisError

    client = Redis.from_url(settings.redis_url, socket_connect_timeout=5, socket_timeout=5)
    try:
        await client.ping()
    except (RedisError, OSError, ValueError) as exc:
        raise SetupError(
            f"FIELDLOG_REDIS_URL: Redis at {redacted(settings.redis_url)} does not answer ({exc});"
            " check the URL and that Redis runs, or unset it to keep the sign-in counts in the database"
        ) from None
    finally:
        await client.aclose()
