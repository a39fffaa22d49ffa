"""The async engine, and the two ways in: `Database.read()` and `Database.write()`.

SQLite runs in WAL mode with a busy timeout and foreign keys on. Its driver's own transaction handling is
switched off so that we issue ``BEGIN`` ourselves: writers use ``BEGIN IMMEDIATE``, which takes the write
lock up front, so two writers queue on the busy timeout instead of failing halfway with "database is locked".
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
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
from shared.protocol import Position

SQLITE_BUSY_TIMEOUT_MS = 30_000
CONNECT_TIMEOUT_S = 10
#: How long a request waits for a free connection of the pool before it fails (a 500 the phone retries).
POOL_TIMEOUT_S = 60
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
        # A fixed set of connections, none opened and closed per request: under load, overflow
        # connections beyond the pool were each a new PostgreSQL backend, closed again at check-in.
        kwargs.setdefault("max_overflow", 0)
        kwargs.setdefault("pool_timeout", POOL_TIMEOUT_S)
        # No ping before each use (a round trip per request, with PostgreSQL on the same cores a context
        # switch too): a connection the database dropped fails one request (a 500 the phone retries),
        # and SQLAlchemy then replaces every connection of the pool.
        return create_async_engine(url, **kwargs)
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
        # PostgreSQL reads in READ COMMITTED see a fresh snapshot per statement inside a transaction or
        # not, so they run without one: no BEGIN and COMMIT round trips around every read. SQLite's read
        # transaction is one snapshot for all its statements (what the reports rely on), and stays.
        self._reader = (
            self.engine if self.is_sqlite else self.engine.execution_options(isolation_level="AUTOCOMMIT")
        )

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        async with self._reader.connect() as conn, conn.begin():
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
#: The key spaces of the advisory locks (the first key; the second says what in that space is locked).
#: One planner's records, by the planner's id:
_PLANNER_LOCKS = 1
#: One district's curated sites, by the district's id:
_SITE_LOCKS = 2
#: The bureau's own rows (money, administration, appraisal parts, hand-overs), one lock for all:
_BUREAU_LOCKS = 3

#: The tables whose writers `lock_writers` keeps out, in the order every writer first touches them.
_WRITTEN = ("visits", "opinions", "feedback", "invitations", "planner_year_totals")


@dataclass(frozen=True)
class Stamps:
    """Positions in the order of changes (`shared.protocol.Position`) for the rows one transaction writes."""

    txid: int
    seqs: list[int]

    def at(self, i: int = 0) -> dict[str, int]:
        """The columns that place the ``i``-th row written: ``seq`` and ``txid``."""
        return {"seq": self.seqs[i], "txid": self.txid}


async def take_stamps(conn: AsyncConnection, n: int = 1) -> Stamps:
    """``n`` positions for this transaction's changes, in increasing order (see shared/protocol.py).

    SQLite: the next ``n`` numbers of the counter row; the write transaction is the only one, so numbers
    become visible in commit order (txid 0). PostgreSQL: this transaction's id and ``n`` numbers of the
    ``change_numbers`` sequence, in one round trip; nothing is locked, and pulls stop below the oldest
    transaction still running, so the order of commits does not matter.
    """
    if conn.dialect.name == "sqlite":
        last = (
            await conn.execute(
                sa.update(_seq).where(_seq.c.id == 1).values(value=_seq.c.value + n).returning(_seq.c.value)
            )
        ).scalar_one()
        return Stamps(0, list(range(int(last) - n + 1, int(last) + 1)))
    rows = (
        await conn.execute(
            sa.text(
                "SELECT pg_current_xact_id()::text::bigint, nextval('change_numbers')"
                " FROM generate_series(1, :n)"
            ),
            {"n": n},
        )
    ).all()
    return Stamps(int(rows[0][0]), sorted(int(r[1]) for r in rows))


#: One past the last transaction id whose changes a pull may return (PostgreSQL): the snapshot's xmax (no
#: id at or above it had completed), or lower, the oldest transaction still running *in this database*
#: (``pg_stat_activity``, read after the snapshot: a transaction of ours missing from it had ended, and its
#: changes are visible to the statements that follow). Transactions of other databases on the same server
#: then do not hold our pulls back, as the snapshot's own xmin would. Should this database have a session
#: whose transaction we may not see (another role's, without pg_read_all_stats), the xmin it is.
_HORIZON = sa.text(
    "WITH s AS (SELECT pg_current_snapshot() AS snap),"
    " ours AS (SELECT backend_xid, pg_has_role(usesysid, 'USAGE') AS visible FROM pg_stat_activity"
    "   WHERE datname = current_database() AND backend_type = 'client backend')"
    " SELECT (CASE WHEN pg_has_role('pg_read_all_stats', 'USAGE') OR NOT EXISTS ("
    "     SELECT 1 FROM ours WHERE NOT coalesce(visible, false))"
    "   THEN LEAST(pg_snapshot_xmax(s.snap), ("
    "     SELECT min(x) FROM pg_snapshot_xip(s.snap) AS x"
    "     WHERE x::xid IN (SELECT backend_xid FROM ours WHERE backend_xid IS NOT NULL)))"
    "   ELSE pg_snapshot_xmin(s.snap) END)::text::bigint FROM s"
)


async def pull_horizon(conn: AsyncConnection) -> int | None:
    """The transaction id below which every transaction writing this database has ended (PostgreSQL), so
    a pull may return what they wrote; None on SQLite, whose positions are visible in order already.
    Read before the changes, in the same transaction."""
    if conn.dialect.name == "sqlite":
        return None
    return int((await conn.execute(_HORIZON)).scalar_one())


def after_position(t: sa.Table, after: Position, horizon: int | None) -> list[sa.ColumnElement[bool]]:
    """The rows of ``t`` (with ``txid`` and ``seq``) a pull from ``after`` may return, below ``horizon``."""
    if horizon is None:  # SQLite: every txid is 0, and the numbers alone are in commit order
        return [t.c.seq > after.seq]
    return [sa.tuple_(t.c.txid, t.c.seq) > sa.tuple_(after.txid, after.seq), t.c.txid < horizon]


def position_order(t: sa.Table, horizon: int | None) -> list[sa.ColumnElement[Any]]:
    return [t.c.seq] if horizon is None else [t.c.txid, t.c.seq]


async def lock_planner(conn: AsyncConnection, planner_id: int, stamps: int = 0) -> Stamps:
    """Queue behind every other transaction changing ``planner_id``'s records, until this one ends; and
    take ``stamps`` positions for its changes (`take_stamps`) in the same round trip.

    SQLite: ``BEGIN IMMEDIATE`` has queued behind every writer already. PostgreSQL: a transaction-level
    advisory lock on the planner, so writers of other planners go on at the same time.
    """
    return await _advisory_lock(conn, _PLANNER_LOCKS, planner_id, stamps)


async def lock_district_sites(conn: AsyncConnection, district_id: int, stamps: int = 0) -> Stamps:
    """Queue behind every other transaction curating ``district_id``'s sites, as `lock_planner` does for a
    planner's records: curators of other districts, and pushes, go on at the same time."""
    return await _advisory_lock(conn, _SITE_LOCKS, district_id, stamps)


async def lock_bureau(conn: AsyncConnection) -> None:
    """Queue behind every other writer of the bureau's own rows (allowance settlements, claims, work funds,
    users and districts, appraisal parts, report hand-overs) until this transaction ends, so two changes
    of one row are judged one after the other.

    SQLite: ``BEGIN IMMEDIATE`` has done it. PostgreSQL: one advisory lock, which no push or pull takes,
    so these writers never hold up the phones.
    """
    await _advisory_lock(conn, _BUREAU_LOCKS, 0, 0)


async def _advisory_lock(conn: AsyncConnection, space: int, key: int, stamps: int) -> Stamps:
    """A transaction-level advisory lock on ``(space, key)`` on PostgreSQL, with ``stamps`` positions
    taken in the same round trip; on SQLite only the positions."""
    if conn.dialect.name == "sqlite":
        return await take_stamps(conn, stamps) if stamps else Stamps(0, [])
    if not stamps:
        await conn.execute(sa.select(sa.func.pg_advisory_xact_lock(space, key)))
        return Stamps(0, [])
    rows = (
        await conn.execute(
            sa.text(
                "WITH locked AS (SELECT pg_advisory_xact_lock(:space, :key))"
                " SELECT pg_current_xact_id()::text::bigint, nextval('change_numbers')"
                " FROM locked, generate_series(1, :n)"
            ),
            {"space": space, "key": key, "n": stamps},
        )
    ).all()
    return Stamps(int(rows[0][0]), sorted(int(r[1]) for r in rows))


async def lock_writers(conn: AsyncConnection) -> None:
    """Keep out every writer of records and totals until this transaction ends (rebuilding the totals).

    SQLite: ``BEGIN IMMEDIATE`` has done it. PostgreSQL: the tables they write, locked in one statement
    in a mode that lets reads go on and makes writers (and another such transaction) wait.
    """
    if conn.dialect.name != "sqlite":
        await conn.execute(sa.text(f"LOCK TABLE {', '.join(_WRITTEN)} IN SHARE ROW EXCLUSIVE MODE"))


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
