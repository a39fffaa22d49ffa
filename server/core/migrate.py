"""Run Alembic programmatically, and check that a database is at the newest revision before serving."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Connection

from server.core.db import Database

MIGRATIONS = Path(__file__).parent.parent / "migrations"


def include_object(dialect: str) -> Callable[[Any, str | None, str, bool, Any], bool]:
    """Autogenerate's filter for ``dialect``: an index made only on another dialect (``ddl_if``) is not
    this database's, so its absence is no difference."""

    def include(obj: Any, _name: str | None, type_: str, _reflected: bool, _compare_to: Any) -> bool:
        only_on = getattr(obj, "_ddl_if", None)
        return not (type_ == "index" and only_on is not None and only_on.dialect not in (None, dialect))

    return include


class NotMigratedError(RuntimeError):
    """The database is missing tables or is older than this server."""


def alembic_config(url: str = "") -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def upgrade(db: Database, revision: str = "head") -> None:
    """Bring the database up to ``revision`` in one transaction (DDL is transactional on both engines)."""

    def run(conn: Connection) -> None:
        cfg = alembic_config(db.url)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)

    async with db.write() as conn:
        await conn.run_sync(run)


async def current_revision(db: Database) -> str | None:
    def run(conn: Connection) -> str | None:
        return MigrationContext.configure(conn).get_current_revision()

    async with db.read() as conn:
        return await conn.run_sync(run)


async def check_migrated(db: Database) -> None:
    """Raise `NotMigratedError` (telling the operator what to run) unless the database is at head."""
    current, head = await current_revision(db), head_revision()
    if current != head:
        if current is not None and not known_revision(current):
            raise NotMigratedError(
                f"the database is at revision {current}, which this fieldlog does not know (a newer"
                " fieldlog migrated it); run that version, or restore a backup made before it"
            )
        state = "has no fieldlog tables" if current is None else f"is at revision {current}"
        raise NotMigratedError(
            f"the database {state}, this server needs revision {head}: run `fieldlog db upgrade` first"
        )


def known_revision(revision: str) -> bool:
    try:
        return ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None
    except CommandError:
        return False


async def check_upgradable(db: Database) -> None:
    """Raise `NotMigratedError` when the database is at a revision this fieldlog cannot upgrade from."""
    current = await current_revision(db)
    if current is not None and not known_revision(current):
        await check_migrated(db)
