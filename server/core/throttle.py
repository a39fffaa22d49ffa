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

The counts live in a Litestar MemoryStore: a restart forgets them, which costs a
guesser nothing worth having (the pause is minutes) and needs nothing on disk.
"""

from __future__ import annotations

import dataclasses
import hashlib
import ipaddress
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import anyio
from litestar.stores.memory import MemoryStore

#: How often expired counts are dropped from the store (seconds): a guesser spraying usernames
#: would otherwise leave one entry per name behind until that name is tried again.
_SWEEP_EVERY_S = 60.0


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
        store: MemoryStore | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.max_failures_per_address = max_failures_per_address
        self.pause_s = pause_s
        self._store = store or MemoryStore()
        self._clock = clock
        # Each count is read, changed and written back; the lock keeps two attempts from both reading
        # the same count. It is held for store calls only, never while a password is checked.
        self._lock = anyio.Lock()
        self._swept = clock()

    @staticmethod
    def _keys(username: str, version: int, address: str) -> tuple[str, str]:
        address = client_network(address)
        # Hashed: a username can be any length the body allows, and the store keys stay uniform.
        pair = hashlib.sha256(f"{username}\x00{version}\x00{address}".encode()).hexdigest()
        return f"pair:{pair}", f"address:{address}"

    async def _marks(self, key: str, now: float) -> list[float]:
        raw = await self._store.get(key)
        marks: list[float] = json.loads(raw) if raw else []
        return [m for m in marks if m > now - self.pause_s]

    async def _save(self, key: str, marks: list[float]) -> None:
        if marks:
            await self._store.set(key, json.dumps(marks), expires_in=math.ceil(self.pause_s))
        else:
            await self._store.delete(key)

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
        async with self._lock:
            now = self._clock()
            if now - self._swept > _SWEEP_EVERY_S:
                self._swept = now
                await self._store.delete_expired()
            pair = await self._marks(pair_key, now)
            per_address = await self._marks(address_key, now)
            refusal = self._refusal(pair, per_address, now)
            if refusal is not None:
                return refusal
            await self._save(pair_key, [*pair, now])
            await self._save(address_key, [*per_address, now])
        return Attempt(pair_key, address_key, now)

    async def _drop_mark(self, key: str, at: float) -> None:
        marks = await self._marks(key, self._clock())
        if at in marks:
            marks.remove(at)
        await self._save(key, marks)

    async def succeeded(self, attempt: Attempt) -> None:
        """The password was right: the pair starts again from nothing, the address loses this mark."""
        async with self._lock:
            await self._store.delete(attempt.pair_key)
            await self._drop_mark(attempt.address_key, attempt.at)

    async def abandon(self, attempt: Attempt) -> None:
        """The attempt never got an answer (the server failed): it is not a failure of the person's."""
        async with self._lock:
            for key in (attempt.pair_key, attempt.address_key):
                await self._drop_mark(key, attempt.at)

    async def failed(self, attempt: Attempt) -> Pause | None:
        """After a wrong password: the pause now in force, if a count is full (``started`` when this
        failure began it, which happens once per pause however many attempts were under way)."""
        async with self._lock:
            now = self._clock()
            pair = await self._marks(attempt.pair_key, now)
            per_address = await self._marks(attempt.address_key, now)
            pause = self._refusal(pair, per_address, now)
            if pause is None:
                return None
            flag = f"paused:{attempt.address_key if pause.per_address else attempt.pair_key}"
            if await self._store.exists(flag):
                return pause
            await self._store.set(flag, b"1", expires_in=pause.retry_after_s)
            return dataclasses.replace(pause, started=True)
