"""Sign-in pauses after repeated failures, so a password cannot be guessed at the speed of argon2.

Two counts of failed sign-ins, each over a sliding window (``pause``):

* per username *and* address: after ``max_failures`` that pair is refused until its oldest failure in
  the window is ``pause`` old. The planner on another network (the phone's mobile data, the office)
  can still sign in, so a stranger who knows a username cannot lock its owner out. The pair also
  names the account's token version, so an admin's password reset starts its count afresh;
* per address: after ``max_failures_per_address`` failures for any usernames, that address is refused
  the same way, so one machine cannot try a few passwords on every account.

A refused attempt is answered without checking the password (no argon2 work for a guesser). An
attempt counts as a failure from the moment it starts, so concurrent guesses cannot all slip in before
the first one fails; a success takes its own mark back and clears its pair's count, and an attempt the
server could not finish (a database error) takes its mark back too.

The counts are kept where every worker process, on every host, sees the same ones (a guesser must not
get the allowance once per worker): in the database's ``signin_counts`` table (`DatabaseCounts`), or in
Redis when FIELDLOG_REDIS_URL is set (`RedisCounts`, Litestar's RedisStore). Each change of the counts
reads, decides and writes inside one *session* that excludes every other session for the same address,
in any process: a transaction holding a lock (PostgreSQL's advisory lock, SQLite's write lock) or a Redis
lock. Time is the store's clock (PostgreSQL's or Redis's), so hosts with slightly different clocks agree.
A password is never checked inside a session. `LocalCounts` (one process's MemoryStore) serves tests.
"""

from __future__ import annotations

import dataclasses
import hashlib
import ipaddress
import json
import math
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import anyio
import sqlalchemy as sa
from litestar.stores.base import Store
from litestar.stores.memory import MemoryStore
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from server.core.db import Database
from server.core.models import SignInCount, table_of

if TYPE_CHECKING:
    from redis.asyncio import Redis

#: How often expired counts are dropped from the store (seconds): a guesser spraying usernames
#: would otherwise leave one entry per name behind until that name is tried again.
_SWEEP_EVERY_S = 60.0
_REDIS_NAMESPACE = "fieldlog:signin"


class CountsSession(Protocol):
    """The counts as one session sees them, alone (see the module docstring)."""

    #: The store's clock when the session began, in seconds.
    now: float

    async def get(self, key: str) -> bytes | None: ...

    async def put(self, key: str, value: bytes, keep_s: float) -> None:
        """Keep ``value`` under ``key`` for at least ``keep_s`` seconds."""

    async def delete(self, key: str) -> None: ...


class Counts(Protocol):
    """Where the counts live: `session(address_key)` excludes every other session for that address."""

    def session(self, address_key: str) -> AbstractAsyncContextManager[CountsSession]: ...

    async def close(self) -> None: ...


@dataclass
class _StoreSession:
    store: Store
    now: float

    async def get(self, key: str) -> bytes | None:
        return await self.store.get(key)

    async def put(self, key: str, value: bytes, keep_s: float) -> None:
        await self.store.set(key, value, expires_in=max(1, math.ceil(keep_s)))

    async def delete(self, key: str) -> None:
        await self.store.delete(key)


class LocalCounts:
    """One process's counts, in a Litestar MemoryStore: right for one process only (tests, tools)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.store = MemoryStore()
        self._clock = clock
        self._lock = anyio.Lock()
        self._swept = clock()

    @asynccontextmanager
    async def session(self, address_key: str) -> AsyncIterator[CountsSession]:
        async with self._lock:
            now = self._clock()
            if now - self._swept > _SWEEP_EVERY_S:
                self._swept = now
                await self.store.delete_expired()
            yield _StoreSession(self.store, now)

    async def close(self) -> None:
        await self.store.delete_all()


class RedisCounts:
    """Counts in Redis (Litestar's RedisStore, namespace ``fieldlog:signin``), shared by every process that
    uses the same Redis; Redis expires them itself. A session holds a Redis lock on its address."""

    def __init__(self, url: str, namespace: str = _REDIS_NAMESPACE) -> None:
        from litestar.stores.redis import RedisStore
        from redis.asyncio import Redis

        self.redis: Redis = Redis.from_url(url, socket_connect_timeout=5, socket_timeout=5)
        self.namespace = namespace
        self.store = RedisStore(self.redis, namespace=namespace)

    @asynccontextmanager
    async def session(self, address_key: str) -> AsyncIterator[CountsSession]:
        # Expires by itself if the process holding it dies; a session lasts milliseconds.
        lock = self.redis.lock(f"{self.namespace}:lock:{address_key}", timeout=10, sleep=0.005)
        async with lock:
            seconds, micros = await self.redis.time()
            yield _StoreSession(self.store, seconds + micros / 1e6)

    async def close(self) -> None:
        await self.redis.aclose()


_counts = table_of(SignInCount)


@dataclass
class _DatabaseSession:
    conn: AsyncConnection
    now: float

    async def get(self, key: str) -> bytes | None:
        query = sa.select(_counts.c.value).where(_counts.c.key == key)
        value = (await self.conn.execute(query)).scalar_one_or_none()
        return None if value is None else value.encode()

    async def put(self, key: str, value: bytes, keep_s: float) -> None:
        text, expires_at = value.decode(), self.now + keep_s
        insert = (postgresql if self.conn.dialect.name == "postgresql" else sqlite).insert(_counts)
        stmt = insert.values(key=key, value=text, expires_at=expires_at).on_conflict_do_update(
            index_elements=[_counts.c.key], set_={"value": text, "expires_at": expires_at}
        )
        await self.conn.execute(stmt)

    async def delete(self, key: str) -> None:
        await self.conn.execute(_counts.delete().where(_counts.c.key == key))


class DatabaseCounts:
    """Counts in the ``signin_counts`` table of the server's database, shared by every worker on it.

    A session is one write transaction. On PostgreSQL it first takes a transaction-level advisory lock
    on its address (other addresses go on at the same time) and reads the database's clock; on SQLite
    the write transaction is already alone. Expired rows are swept now and then."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._swept = 0.0

    @asynccontextmanager
    async def session(self, address_key: str) -> AsyncIterator[CountsSession]:
        async with self.db.write() as conn:
            if conn.dialect.name == "postgresql":
                lock = sa.func.pg_advisory_xact_lock(sa.func.hashtextextended(f"signin:{address_key}", 0))
                clock = sa.func.extract("epoch", sa.func.clock_timestamp())
                row = (await conn.execute(sa.select(lock, clock))).one()
                now = float(row[1])
            else:
                now = time.time()
            if now - self._swept > _SWEEP_EVERY_S:
                self._swept = now
                await conn.execute(_counts.delete().where(_counts.c.expires_at < now))
            yield _DatabaseSession(conn, now)

    async def close(self) -> None:
        return None


def counts_for(db: Database, redis_url: str) -> Counts:
    """Redis when FIELDLOG_REDIS_URL is set, else the database."""
    return RedisCounts(redis_url) if redis_url else DatabaseCounts(db)


def client_network(address: str) -> str:
    """What counts as one address: an IPv4 address, or an IPv6 address's /64.

    One IPv6 subscriber usually holds a whole /64 and can change addresses within it at will.
    """
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


@dataclass(frozen=True)
class Pause:
    """Why an attempt was refused and how long until one may be made again."""

    per_address: bool
    retry_after_s: int
    #: From `SignInThrottle.failed`: this failure began the pause (each pause is reported once).
    started: bool = False

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.retry_after_s / 60))


@dataclass(frozen=True)
class Attempt:
    """An attempt under way: its mark in the counts, taken back if it succeeds."""

    pair_key: str
    address_key: str
    at: float


class SignInThrottle:
    def __init__(
        self,
        max_failures: int,
        max_failures_per_address: int,
        pause_s: float,
        *,
        counts: Counts | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        """``counts`` default to one process's (`LocalCounts`); a ``clock`` replaces the store's."""
        self.max_failures = max_failures
        self.max_failures_per_address = max_failures_per_address
        self.pause_s = pause_s
        self.counts: Counts = counts or LocalCounts(clock or time.monotonic)
        self._clock = clock

    @staticmethod
    def _keys(username: str, version: int, address: str) -> tuple[str, str]:
        address = client_network(address)
        # Hashed: a username can be any length the body allows, and the store keys stay uniform.
        pair = hashlib.sha256(f"{username}\x00{version}\x00{address}".encode()).hexdigest()
        return f"pair:{pair}", f"address:{address}"

    @asynccontextmanager
    async def _session(self, address_key: str) -> AsyncIterator[tuple[CountsSession, float]]:
        async with self.counts.session(address_key) as s:
            yield s, (self._clock() if self._clock is not None else s.now)

    async def _marks(self, s: CountsSession, key: str, now: float) -> list[float]:
        raw = await s.get(key)
        marks: list[float] = json.loads(raw) if raw else []
        return [m for m in marks if m > now - self.pause_s]

    async def _save(self, s: CountsSession, key: str, marks: list[float]) -> None:
        if marks:
            await s.put(key, json.dumps(marks).encode(), self.pause_s)
        else:
            await s.delete(key)

    def _refusal(self, pair: list[float], per_address: list[float], now: float) -> Pause | None:
        """The pause the counts call for: when both are full, the longer one (a shorter wait would fail)."""
        pauses = []
        for marks, limit, is_address in (
            (per_address, self.max_failures_per_address, True),
            (pair, self.max_failures, False),
        ):
            if len(marks) >= limit:
                # Free again when the failure that filled the count leaves the window.
                free_at = marks[-limit] + self.pause_s
                pauses.append(Pause(is_address, max(1, math.ceil(free_at - now))))
        return max(pauses, key=lambda p: p.retry_after_s, default=None)

    async def begin(self, username: str, address: str, version: int = 0) -> Attempt | Pause:
        """Count an attempt as a failure until it succeeds; or refuse it, saying for how long.

        ``version`` is the account's token version (0 for an unknown username)."""
        pair_key, address_key = self._keys(username, version, address)
        async with self._session(address_key) as (s, now):
            pair = await self._marks(s, pair_key, now)
            per_address = await self._marks(s, address_key, now)
            refusal = self._refusal(pair, per_address, now)
            if refusal is not None:
                return refusal
            await self._save(s, pair_key, [*pair, now])
            await self._save(s, address_key, [*per_address, now])
        return Attempt(pair_key, address_key, now)

    async def _drop_mark(self, s: CountsSession, key: str, at: float, now: float) -> None:
        marks = await self._marks(s, key, now)
        if at in marks:
            marks.remove(at)
        await self._save(s, key, marks)

    async def succeeded(self, attempt: Attempt) -> None:
        """The password was right: the pair starts again from nothing, the address loses this mark."""
        async with self._session(attempt.address_key) as (s, now):
            await s.delete(attempt.pair_key)
            await self._drop_mark(s, attempt.address_key, attempt.at, now)

    async def abandon(self, attempt: Attempt) -> None:
        """The attempt never got an answer (the server failed): it is not a failure of the person's."""
        async with self._session(attempt.address_key) as (s, now):
            for key in (attempt.pair_key, attempt.address_key):
                await self._drop_mark(s, key, attempt.at, now)

    async def failed(self, attempt: Attempt) -> Pause | None:
        """After a wrong password: the pause now in force, if a count is full (``started`` when this
        failure began it, which happens once per pause however many attempts were under way)."""
        async with self._session(attempt.address_key) as (s, now):
            pair = await self._marks(s, attempt.pair_key, now)
            per_address = await self._marks(s, attempt.address_key, now)
            pause = self._refusal(pair, per_address, now)
            if pause is None:
                return None
            # The pause's end, kept under its own key: a later failure in the same pause finds it.
            flag = f"paused:{attempt.address_key if pause.per_address else attempt.pair_key}"
            until = await s.get(flag)
            if until is not None and float(until) > now:
                return pause
            await s.put(flag, repr(now + pause.retry_after_s).encode(), pause.retry_after_s)
            return dataclasses.replace(pause, started=True)

    async def close(self) -> None:
        await self.counts.close()
