"""The async engine, and the two ways in: `Database.read()` and `Database.write()`.

SQLite runs in WAL mode with a busy timeout and foreign keys on. Its driver's own transaction handling is
switched off so that we issue ``BEGIN`` ourselves: writers use ``BEGIN IMMEDIATE``, which takes the write
lock up front, so two writers queue on the busy timeout instead of failing halfway with "database is locked".
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, cast

import msgspec
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler

from server.core.models import ChangeSeq, UTCDateTime, table_of

SQLITE_BUSY_TIMEOUT_MS = 30_000
CONNECT_TIMEOUT_S = 10
_IMMEDIATE = "fieldlog_immediate"

_encode_json = msgspec.json.Encoder().encode


def _json_dumps(value: Any) -> str:
    # msgspec writes the same JSON as json.dumps, several times faster (pushes serialise every record).
    return _encode_json(value).decode()


def _json_loads(text: str | bytes) -> Any:
    # And reads it several times faster than json.loads (pulls and exports read every record's data).
    return msgspec.json.decode(text)


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An engine for ``url``; on SQLite with the pragmas and the BEGIN handling described above."""
    kwargs.setdefault("json_serializer", _json_dumps)
    kwargs.setdefault("json_deserializer", _json_loads)
    u = make_url(url)
    if u.get_backend_name() != "sqlite":
        if "timeout" not in u.query:
            # asyncpg waits 60 s for a host that drops packets; an operator should hear sooner.
            kwargs["connect_args"] = {"timeout": CONNECT_TIMEOUT_S, **kwargs.get("connect_args", {})}
        return create_async_engine(url, pool_pre_ping=True, **kwargs)
    # LIFO: the connection used last is used next, with its page cache and memory map still warm.
    kwargs.setdefault("pool_use_lifo", True)
    engine = create_async_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys=ON")
        # The savepoint each push writes inside, and sorts, keep their journals in memory, not in temp files.
        cur.execute("PRAGMA temp_store=MEMORY")
        # FULL: an answered push survives a power cut, not only a killed process (the phone trusts answers).
        cur.execute("PRAGMA synchronous=FULL")
        # Reads of large indexes (the yearly summary) go through memory mapping instead of read() calls.
        cur.execute("PRAGMA mmap_size=1073741824")
        cur.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        immediate = conn.get_execution_options().get(_IMMEDIATE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


class Database:
    """Holds the engine; services ask it for a read or a write transaction."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self.is_sqlite = self.engine.dialect.name == "sqlite"

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        async with self.engine.connect() as conn, conn.begin():
            yield conn

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """One write transaction: committed when the block ends, rolled back when it raises."""
        async with self.engine.connect() as conn:
            if self.is_sqlite:
                await conn.execution_options(**{_IMMEDIATE: True})
            async with conn.begin():
                yield conn

    async def dispose(self) -> None:
        await self.engine.dispose()


_seq = table_of(ChangeSeq)


async def lock_writers(conn: AsyncConnection) -> None:
    """Queue behind every other writer before reading what this transaction will decide on.

    On SQLite ``BEGIN IMMEDIATE`` has done this already. On PostgreSQL the change-sequence row is locked
    (as `take_seq` will keep it), so two pushes of the same ops cannot both read "not seen yet".
    """
    if conn.dialect.name != "sqlite":
        await conn.execute(sa.select(_seq.c.value).where(_seq.c.id == 1).with_for_update())


async def take_seq(conn: AsyncConnection, n: int = 1) -> int:
    """Reserve ``n`` numbers of the change sequence; returns the *last* one (first = last - n + 1).

    The UPDATE holds the counter row's lock until this transaction commits, so a later writer waits and
    numbers become visible in commit order: a pull can never pass a number that commits later.
    """
    row = (
        await conn.execute(
            sa.update(_seq).where(_seq.c.id == 1).values(value=_seq.c.value + n).returning(_seq.c.value)
        )
    ).one()
    return int(row[0])


def one_of(
    conn: AsyncConnection, column: sa.ColumnElement[Any], values: Iterable[str]
) -> sa.ColumnElement[bool]:
    """``column IN values`` for a push's thousand ids.

    On SQLite the list travels as one JSON text read by ``json_each``: SQLAlchemy's expanding ``IN``
    renders and binds a parameter per value, three times the cost of the query itself for 1,000 ids.
    Elsewhere it is the ordinary ``IN``.
    """
    values = list(values)
    # json_each ends a text at a NUL character; the push refuses such ids, but another caller may not.
    if conn.dialect.name != "sqlite" or any("\x00" in v for v in values):
        return column.in_(values)
    listed = sa.func.json_each(sa.bindparam(None, _json_dumps(values), sa.String)).table_valued("value")
    return column.in_(sa.select(listed.c.value))


def utcnow() -> datetime:
    return datetime.now(UTC)


def sqlite_datetime(value: datetime | None) -> str | None:
    """An instant as SQLAlchemy's SQLite DATETIME stores it (naive UTC, always with microseconds)."""
    if value is None:
        return None
    # The UTC isoformat without its "+00:00": one call fewer than replace(tzinfo=None) on a hot path.
    return value.astimezone(UTC).isoformat(" ", "microseconds")[:26]


def _sqlite_column(column: sa.Column[Any], values: list[Any]) -> list[Any]:
    """One column of an executemany, converted to what SQLAlchemy's SQLite types would bind."""
    if isinstance(column.type, UTCDateTime):
        # A batch's rows share objects such as the receive time: convert each distinct object once.
        memo: dict[int, str | None] = {}
        out = []
        for v in values:
            key = id(v)
            if key not in memo:
                memo[key] = sqlite_datetime(v)
            out.append(memo[key])
        return out
    if isinstance(column.type, sa.JSON):
        return [None if v is None else _json_dumps(v) for v in values]
    if isinstance(column.type, sa.Boolean):
        return [None if v is None else int(v) for v in values]
    return values


async def insert_many(conn: AsyncConnection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """``INSERT`` of many rows with the same keys, as one executemany.

    On SQLite the values are converted here, a column at a time, and handed to the driver as tuples: for a
    1,000-record push this takes a quarter of the time of SQLAlchemy's per-value bind processing.
    Elsewhere it is Core's insert.
    """
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        await conn.execute(table.insert(), rows)
        return
    names = list(rows[0])
    quote = conn.dialect.identifier_preparer.quote
    columns = ", ".join(quote(n) for n in names)
    sql = f"INSERT INTO {quote(table.name)} ({columns}) VALUES ({', '.join('?' * len(names))})"
    columns_out = [_sqlite_column(table.c[n], [r[n] for r in rows]) for n in names]
    await conn.exec_driver_sql(sql, list(zip(*columns_out, strict=True)))


class InRange(sa.sql.expression.ColumnElement[bool]):
    """``start <= column < end`` for an instant column, spelt so the summary indexes serve it.

    PostgreSQL compares the timestamptz column; SQLite compares whole Unix seconds computed by the very
    expression its summary indexes are built on (`server.core.models.epoch_seconds_sql`). The bounds are whole
    seconds, so truncating a start's fraction never moves it across a bound.
    """

    # No Boolean type: SQLite would render a boolean expression in WHERE as ``(...) = 1``.
    type = cast("sa.types.TypeEngine[bool]", sa.types.NullType())
    inherit_cache = False

    def __init__(self, column: sa.ColumnElement[Any], start: datetime, end: datetime) -> None:
        self.column, self.start, self.end = column, start, end


@compiles(InRange)
def _in_range(element: InRange, compiler: SQLCompiler, **kw: Any) -> str:
    c = element.column
    return "(" + compiler.process(sa.and_(c >= element.start, c < element.end), **kw) + ")"


@compiles(InRange, "sqlite")
def _in_range_sqlite(element: InRange, compiler: SQLCompiler, **kw: Any) -> str:
    seconds = sa.cast(sa.func.strftime(sa.literal_column("'%s'"), element.column), sa.Integer)
    start, end = int(element.start.timestamp()), int(element.end.timestamp())
    return "(" + compiler.process(sa.and_(seconds >= start, seconds < end), **kw) + ")"


def live(t: sa.Table) -> sa.ColumnElement[bool]:
    # Rendered as a literal (``deleted = 0`` / ``= false``) so the planner can match the partial indexes.
    return t.c.deleted == sa.false()
