"""Sign-in pauses after repeated failures (server/core/throttle.py): over the real app, and on each store
the counts can live in (one process's memory, Redis, the database on SQLite and PostgreSQL), with several
throttles sharing a store as several worker processes do."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

import server.core.auth
import server.people.service
from server.core.db import Database
from server.core.migrate import upgrade
from server.core.models import AuditLog, table_of
from server.core.throttle import (
    Attempt,
    Counts,
    DatabaseCounts,
    LocalCounts,
    Pause,
    RedisCounts,
    SignInThrottle,
    client_network,
)
from server.people.service import set_password
from tests.conftest import DEFAULT_PASSWORD, PG_ENV, REDIS_URL, create_pg_database, drop_pg_database
from tests.server.conftest import Api

OFFICE = "10.0.0.7"
#: The stores every worker shares; "local" is one process's own.
SHARED_STORES = ["redis", "sqlite", *(["postgresql"] if os.environ.get(PG_ENV) else [])]


def _store_url(kind: str, tmp_path: Path) -> Iterator[str]:
    """Where a store of ``kind`` keeps its counts: a migrated database, Redis, or nothing (local)."""
    if kind in ("local", "redis"):
        yield REDIS_URL if kind == "redis" else ""
        return
    if kind == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'counts.sqlite3'}"
    else:
        url = create_pg_database(os.environ[PG_ENV])

    async def migrate() -> None:
        db = Database(url)
        await upgrade(db)
        await db.dispose()

    asyncio.run(migrate())
    try:
        yield url
    finally:
        if kind == "postgresql":
            drop_pg_database(os.environ[PG_ENV], url)


@pytest.fixture(params=["local", *SHARED_STORES])
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    for url in _store_url(request.param, tmp_path):
        yield request.param, url


@pytest.fixture(params=SHARED_STORES)
def shared_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    for url in _store_url(request.param, tmp_path):
        yield request.param, url


async def _workers(store: tuple[str, str]) -> AsyncIterator[Callable[[], Counts]]:
    """Makes the counts as another worker process would have them: its own connections to the store."""
    kind, url = store
    made: list[Counts] = []
    dbs: list[Database] = []
    namespace = f"fieldlog-test:{uuid.uuid4().hex}"
    local = LocalCounts()

    def make() -> Counts:
        counts: Counts
        if kind == "local":
            return local
        if kind == "redis":
            counts = RedisCounts(url, namespace=namespace)
        else:
            dbs.append(Database(url))
            counts = DatabaseCounts(dbs[-1])
        made.append(counts)
        return counts

    yield make
    for counts in made:
        if isinstance(counts, RedisCounts):
            await counts.store.delete_all()
        await counts.close()
    for db in dbs:
        await db.dispose()


@pytest.fixture
async def counts_of_any_store(any_store: tuple[str, str]) -> AsyncIterator[Callable[[], Counts]]:
    async for make in _workers(any_store):
        yield make


@pytest.fixture
async def shared_counts(shared_store: tuple[str, str]) -> AsyncIterator[Callable[[], Counts]]:
    async for make in _workers(shared_store):
        yield make


async def _sign_in(api: Api, username: str, password: str, address: str = OFFICE) -> httpx.Response:
    return await api.client(address=address).post(
        "/api/auth/login", json={"username": username, "password": password}
    )


async def test_after_five_wrong_passwords_even_the_right_one_waits_with_retry_after(api: Api) -> None:
    await api.add_user("planner1", "planner")
    for _ in range(4):
        assert (await _sign_in(api, "planner1", "guess-123")).status_code == 401
    fifth = await _sign_in(api, "planner1", "guess-123")
    assert fifth.status_code == 429  # the failure that fills the count says so at once
    refused = await _sign_in(api, "planner1", DEFAULT_PASSWORD)
    assert refused.status_code == 429
    body = refused.json()
    assert body["field"] == "password"
    assert body["detail"] == (
        "password: too many failed sign-ins for this username from this address; try again in 15 minutes"
    )
    assert 14 * 60 < int(refused.headers["Retry-After"]) <= 15 * 60
    assert "access_token" not in body


async def test_the_owner_signs_in_from_another_network_while_a_guesser_is_paused(api: Api) -> None:
    await api.add_user("planner1", "planner")
    for _ in range(5):
        await _sign_in(api, "planner1", "guess-123", address="203.0.113.9")
    assert (await _sign_in(api, "planner1", DEFAULT_PASSWORD, address="203.0.113.9")).status_code == 429
    assert (await _sign_in(api, "planner1", DEFAULT_PASSWORD, address=OFFICE)).status_code == 200


async def test_a_right_password_clears_the_mistypes_before_it(api: Api) -> None:
    await api.add_user("planner1", "planner")
    for _ in range(4):
        assert (await _sign_in(api, "planner1", "typo-1234")).status_code == 401
    assert (await _sign_in(api, "planner1", DEFAULT_PASSWORD)).status_code == 200
    for _ in range(4):
        assert (await _sign_in(api, "planner1", "typo-1234")).status_code == 401
    assert (await _sign_in(api, "planner1", DEFAULT_PASSWORD)).status_code == 200


async def test_one_address_trying_many_usernames_is_paused(api: Api) -> None:
    api.app.state.sign_in = SignInThrottle(5, 8, 900, counts=api.app.state.sign_in.counts)
    answers = [(await _sign_in(api, f"user{i}", "guess-123")).status_code for i in range(8)]
    assert answers == [401] * 7 + [429]
    await api.add_user("planner1", "planner")
    refused = await _sign_in(api, "planner1", DEFAULT_PASSWORD)
    assert refused.status_code == 429
    assert refused.json()["detail"].startswith("password: too many failed sign-ins from this address")
    assert (await _sign_in(api, "planner1", DEFAULT_PASSWORD, address="10.0.0.8")).status_code == 200


async def test_a_pause_is_written_to_the_audit_log_once(api: Api) -> None:
    await api.add_user("planner1", "planner")
    for _ in range(7):
        await _sign_in(api, "planner1", "guess-123")
    log = table_of(AuditLog)
    async with api.db.read() as conn:
        rows = (
            await conn.execute(sa.select(log.c.action, log.c.after).where(log.c.action.like("auth.%")))
        ).all()
    assert [(r.action, r.after) for r in rows] == [
        ("auth.signin_paused", {"username": "planner1", "address": OFFICE, "per_address": False})
    ]


async def test_the_pause_ends_when_the_first_failure_leaves_the_window(
    counts_of_any_store: Callable[[], Counts],
) -> None:
    now = [1_000_000.0]
    throttle = SignInThrottle(3, 50, 900, counts=counts_of_any_store(), clock=lambda: now[0])
    for _ in range(3):
        assert isinstance(await throttle.begin("planner1", OFFICE), Attempt)
        now[0] += 60
    paused = await throttle.begin("planner1", OFFICE)
    assert isinstance(paused, Pause) and paused.retry_after_s == 900 - 180
    now[0] += 900 - 180
    assert isinstance(await throttle.begin("planner1", OFFICE), Attempt)


async def test_concurrent_guesses_get_five_password_checks_and_one_audited_pause(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    await api.add_user("planner1", "planner")
    checks = []
    real = server.core.auth._verify

    def counting(stored: str, password: str) -> bool:
        checks.append(password)
        return real(stored, password)

    monkeypatch.setattr(server.core.auth, "_verify", counting)
    answers = await asyncio.gather(*(_sign_in(api, "planner1", f"guess-{i:03}") for i in range(20)))
    assert len(checks) == 5
    codes = [r.status_code for r in answers]
    # Fifteen never reach the check; of the five that do, those failing once the count is full say so.
    assert codes.count(429) >= 15 and set(codes) <= {401, 429}
    assert await _audited_pauses(api) == 1


async def _audited_pauses(api: Api) -> int:
    log = table_of(AuditLog)
    async with api.db.read() as conn:
        query = sa.select(sa.func.count()).where(log.c.action == "auth.signin_paused")
        return int((await conn.execute(query)).scalar_one())


async def test_an_admin_reset_lets_the_owner_sign_in_at_once_from_the_same_address(api: Api) -> None:
    await api.add_user("planner1", "planner")
    for _ in range(5):
        await _sign_in(api, "planner1", "forgotten-1")
    assert (await _sign_in(api, "planner1", DEFAULT_PASSWORD)).status_code == 429
    await set_password(api.db, "planner1", "a-new-password-1")
    assert (await _sign_in(api, "planner1", "a-new-password-1")).status_code == 200


async def test_a_server_failure_during_sign_in_is_not_counted_as_a_wrong_password(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    await api.add_user("planner1", "planner")

    async def database_down(*_args: object) -> None:
        raise OSError("database unreachable")  # a fault injected on purpose

    monkeypatch.setattr(server.people.service, "authenticate", database_down)
    for _ in range(8):
        assert (await _sign_in(api, "planner1", DEFAULT_PASSWORD)).status_code == 500
    monkeypatch.undo()
    assert (await _sign_in(api, "planner1", DEFAULT_PASSWORD)).status_code == 200


async def test_when_both_counts_are_full_the_wait_given_is_the_longer_one(
    counts_of_any_store: Callable[[], Counts],
) -> None:
    now = [0.0]
    throttle = SignInThrottle(2, 3, 900, counts=counts_of_any_store(), clock=lambda: now[0])
    await throttle.begin("planner2", OFFICE)  # fills the address count first, at 0 s
    now[0] = 300
    await throttle.begin("planner1", OFFICE)
    now[0] = 600
    await throttle.begin("planner1", OFFICE)
    pause = await throttle.begin("planner1", OFFICE)
    # The address is free at 900 s, the pair at 1,200 s: waiting 300 s would only meet another refusal.
    assert isinstance(pause, Pause) and (pause.per_address, pause.retry_after_s) == (False, 600)


async def test_addresses_of_one_ipv6_subscriber_count_as_one(
    counts_of_any_store: Callable[[], Counts],
) -> None:
    throttle = SignInThrottle(3, 50, 900, counts=counts_of_any_store())
    for host in ("2001:db8:1:2::10", "2001:db8:1:2::11", "2001:db8:1:2:ffff::1"):
        assert isinstance(await throttle.begin("planner1", host), Attempt)
    assert isinstance(await throttle.begin("planner1", "2001:db8:1:2::99"), Pause)
    assert isinstance(await throttle.begin("planner1", "2001:db8:1:3::10"), Attempt)  # another /64


async def _guess(throttle: SignInThrottle, username: str = "planner1") -> str:
    """One wrong password: refused before the check, checked and failed, or the failure that began a pause."""
    attempt = await throttle.begin(username, OFFICE)
    if isinstance(attempt, Pause):
        return "refused"
    await asyncio.sleep(0.01)  # the password check, outside every session
    pause = await throttle.failed(attempt)
    return "began the pause" if pause is not None and pause.started else "checked"


async def test_concurrent_guesses_at_two_workers_get_the_allowance_once_not_per_worker(
    shared_counts: Callable[[], Counts],
) -> None:
    one, two = (SignInThrottle(5, 50, 900, counts=shared_counts()) for _ in range(2))
    outcomes = await asyncio.gather(*(_guess(one if i % 2 else two) for i in range(20)))
    assert outcomes.count("refused") == 15
    assert outcomes.count("began the pause") == 1  # audited once, whichever worker saw it
    assert isinstance(await one.begin("planner1", OFFICE), Pause)
    assert isinstance(await two.begin("planner1", OFFICE), Pause)


async def test_a_right_password_at_one_worker_clears_the_mistypes_made_at_another(
    shared_counts: Callable[[], Counts],
) -> None:
    one, two = (SignInThrottle(5, 50, 900, counts=shared_counts()) for _ in range(2))
    for _ in range(4):
        assert await _guess(one) == "checked"
    attempt = await two.begin("planner1", OFFICE)
    assert isinstance(attempt, Attempt)
    await two.succeeded(attempt)
    for _ in range(4):
        assert await _guess(one) == "checked"  # the count started again from nothing
    assert await _guess(two) == "began the pause"


async def test_attempts_under_way_at_one_worker_count_at_the_other_until_taken_back(
    shared_counts: Callable[[], Counts],
) -> None:
    """Counted from the attempt's start; an attempt the server could not finish takes its mark back."""
    one, two = (SignInThrottle(5, 50, 900, counts=shared_counts()) for _ in range(2))
    under_way = [await one.begin("planner1", OFFICE) for _ in range(5)]
    assert all(isinstance(a, Attempt) for a in under_way)
    assert isinstance(await two.begin("planner1", OFFICE), Pause)
    for attempt in under_way:
        assert isinstance(attempt, Attempt)
        await one.abandon(attempt)
    assert isinstance(await two.begin("planner1", OFFICE), Attempt)


async def test_an_address_spraying_usernames_at_two_workers_is_paused_at_both(
    shared_counts: Callable[[], Counts],
) -> None:
    one, two = (SignInThrottle(5, 8, 900, counts=shared_counts()) for _ in range(2))
    outcomes = [await _guess(one if i % 2 else two, f"user{i}") for i in range(9)]
    assert outcomes == ["checked"] * 7 + ["began the pause", "refused"]


def test_an_ipv4_address_and_its_ipv6_mapped_form_count_as_one() -> None:
    assert client_network("::ffff:10.0.0.7") == client_network("10.0.0.7") == "10.0.0.7"


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["planner1", "planner2"]),
            st.sampled_from(["10.0.0.7", "10.0.0.8"]),
            st.booleans(),  # the right password?
            st.integers(0, 400),  # seconds since the previous attempt
        ),
        max_size=60,
    )
)
def test_no_guesser_gets_more_wrong_password_checks_than_allowed_in_any_window(
    attempts: list[tuple[str, str, bool, int]],
) -> None:
    """Per username and address: at most 3 wrong passwords checked in any 15 minutes since its last right
    one (which clears its count); per address: at most 5 in any 15 minutes, whatever else happened."""
    limit, per_address, window = 3, 5, 900
    now = [0.0]
    throttle = SignInThrottle(limit, per_address, window, clock=lambda: now[0])
    # Every attempt that reached the password check, in order: (time, username, address, right).
    checked: list[tuple[float, str, str, bool]] = []

    async def run() -> None:
        for username, address, right, wait in attempts:
            now[0] += wait
            attempt = await throttle.begin(username, address)
            if isinstance(attempt, Pause):
                continue
            checked.append((now[0], username, address, right))
            if right:
                await throttle.succeeded(attempt)
            else:
                await throttle.failed(attempt)

    asyncio.run(run())
    for i, (t, username, address, _) in enumerate(checked):
        pair_wrong = 0
        for t2, u2, a2, right2 in reversed(checked[: i + 1]):
            if t2 <= t - window:
                break
            if (u2, a2) == (username, address):
                if right2:
                    break
                pair_wrong += 1
        assert pair_wrong <= limit
        address_wrong = [c for c in checked[: i + 1] if c[0] > t - window and c[2] == address and not c[3]]
        assert len(address_wrong) <= per_address
