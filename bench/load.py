"""A bureau's whole city at once: many phones syncing together against real server processes (loopback).

``BENCH_DEVICES`` devices (default 200) of ``BENCH_PLANNERS`` planners (default 10; device i belongs to
planner i mod P) each push 5 batches of 20 new visits, one batch after the other, and then pull until the
server says there is no more, **all devices at once**; then every device sends all its batches again.
Each configuration of ``BENCH_CONFIGS`` (default ``sqlite:1,postgresql:1,postgresql:2,postgresql:4``: the
engine and ``fieldlog serve --workers N``) gets ``BENCH_RUNS`` runs (default 3), each on a fresh database,
round by round (every configuration once per round, so all of them sample the same hours of a shared
machine); worker counts are compared round by round (``ratios_same_round``).

A simulated device is a light asyncio client with its own connection, as each phone has: it sends the
bodies the phone's engine sends (JSON, gzip level 1, built before the clock starts), pulls 500 at a time
(the engine's page), and retries a failed request as the engine does (network error or 5xx: up to 5
attempts, backoff from 0.5 s doubling). ``request_errors`` counts every failed attempt;
``errors_reaching_phone`` the requests still failed after the retries (a phone would show an error).

In the same run, the baselines the crowd is compared with:

* ``solo``: one device of a planner of its own does the same (5 pushes of 20, then pull), alone, five
  times (median); ``solo_bulk``: one device pushes as many visits as the whole crowd in the phone's batches
  of 500, alone (the shape of ``bench.sync_push``).
* ``crowd_push_visits_per_s``: the crowd's visits ÷ the time from the start until the last push was
  answered; ``first_sync_s``: until the last device finished pulling; ``resend_s``: the second round.

Checked every run (``checks``): the yearly summary (``GET /api/summary/planners``, the coordinator's view)
counts each crowd planner's visits exactly once (100 × its devices, all pending), the database holds
every visit once and one op-log row per visit, and every re-sent op was answered ``duplicate``.

Where the time goes, per run: CPU seconds of the server's processes, of the PostgreSQL backends serving
the bench database, and of this load generator, over the crowd phase (the machine has ``os.cpu_count()``
cores for all three), and on PostgreSQL what the busy backends were waiting on (``pg_stat_activity``
sampled every 50 ms: a lock, the WAL, the client...).

Prints JSON. PostgreSQL: ``BENCH_PG_URL`` (default ``postgresql://postgres@127.0.0.1:5432/postgres``) names
a server where a database ``fieldlog_load_<hex>`` is made per run and dropped after. Every phase is bounded
(``BENCH_PHASE_TIMEOUT_S``, default 600 s).
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import os
import random
import shutil
import ssl
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import httpx
import msgspec

from bench._server import PASSWORD, ServerProcess
from bench.sync_push import visits
from shared.records import new_id

DEVICES = int(os.environ.get("BENCH_DEVICES", "200"))
PLANNERS = int(os.environ.get("BENCH_PLANNERS", "10"))
BATCHES = 5
PER_BATCH = 20
PULL_LIMIT = 500
BULK_BATCH = 500
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
SOLO_RUNS = 5
CONFIGS = os.environ.get("BENCH_CONFIGS", "sqlite:1,postgresql:1,postgresql:2,postgresql:4")
PG_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PHASE_TIMEOUT_S = float(os.environ.get("BENCH_PHASE_TIMEOUT_S", "600"))
MAX_ATTEMPTS = 5
BACKOFF_S = 0.5
YEAR = 2026
DISTRICT = "全市"
_GZIP_JSON = {"Content-Type": "application/json", "Content-Encoding": "gzip"}

T = TypeVar("T")


def log(msg: str) -> None:
    print(f"[load {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --- the simulated phone -------------------------------------------------------------------------------


@dataclass
class Stats:
    push_s: list[float] = field(default_factory=list)
    pull_s: list[float] = field(default_factory=list)
    request_errors: Counter[str] = field(default_factory=Counter)
    errors_reaching_phone: list[str] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    pulled: int = 0
    last_push_at: float = 0.0


def _body(device_id: str, records: list[dict[str, Any]], op_ids: list[str], ids: list[str]) -> bytes:
    ops = [
        {"op_id": o, "kind": "visit", "id": i, "base_version": 0, "data": r}
        for o, i, r in zip(op_ids, ids, records, strict=True)
    ]
    raw = json.dumps({"device_id": device_id, "ops": ops}, ensure_ascii=False).encode()
    return gzip.compress(raw, compresslevel=1, mtime=0)  # what the phone sends


@dataclass
class Device:
    """A phone with its outbox already encoded: ``bodies`` are its push requests, in order."""

    name: str
    token: str
    bodies: list[bytes]
    visits: int

    @classmethod
    def make(
        cls,
        name: str,
        token: str,
        district_id: int,
        n: int,
        batch: int,
        start: datetime,
        step: timedelta = timedelta(minutes=37),
    ) -> Device:
        records = visits(n, district_id, start=start, step=step)
        ids = [new_id() for _ in records]
        op_ids = [new_id() for _ in records]
        bodies = [
            _body(name, records[i : i + batch], op_ids[i : i + batch], ids[i : i + batch])
            for i in range(0, n, batch)
        ]
        return cls(name, token, bodies, n)


async def _request(
    client: httpx.AsyncClient, stats: Stats, kind: str, send: Callable[[], Awaitable[httpx.Response]]
) -> dict[str, Any] | None:
    """One request with the engine's retries; its answer, or None when it failed for good."""
    last = ""
    for attempt in range(MAX_ATTEMPTS):
        if attempt:
            delay = BACKOFF_S * 2 ** (attempt - 1)
            await asyncio.sleep(delay + random.uniform(0, delay / 2))
        t0 = time.perf_counter()
        try:
            resp = await send()
            if resp.status_code >= 500:
                last = f"{kind}: HTTP {resp.status_code} {resp.text[:200]}"
                stats.request_errors[f"{kind} HTTP {resp.status_code}"] += 1
                continue
            if resp.status_code >= 400:
                stats.errors_reaching_phone.append(f"{kind}: HTTP {resp.status_code} {resp.text[:200]}")
                return None
            # msgspec, not json: the generator shares the cores with the server, so it spends as little
            # as it can (a real phone decodes on its own CPU).
            answer: dict[str, Any] = msgspec.json.decode(resp.content)
        except httpx.TransportError as exc:
            last = f"{kind}: {type(exc).__name__}: {exc}"
            stats.request_errors[f"{kind} {type(exc).__name__}"] += 1
            continue
        (stats.push_s if kind == "push" else stats.pull_s).append(time.perf_counter() - t0)
        return answer
    stats.errors_reaching_phone.append(last)
    return None


async def push_all(client: httpx.AsyncClient, device: Device, stats: Stats) -> bool:
    for body in device.bodies:
        send = partial(client.post, "/api/sync/push", content=body, headers=_GZIP_JSON)
        answer = await _request(client, stats, "push", send)
        if answer is None:
            return False
        for r in answer["results"]:
            stats.statuses[r["status"]] += 1
    stats.last_push_at = max(stats.last_push_at, time.perf_counter())
    return True


async def pull_all(client: httpx.AsyncClient, stats: Stats) -> bool:
    cursor = ""
    while True:
        params = {"limit": str(PULL_LIMIT), **({"cursor": cursor} if cursor else {})}
        answer = await _request(client, stats, "pull", partial(client.get, "/api/sync/pull", params=params))
        if answer is None:
            return False
        stats.pulled += len(answer["changes"])
        cursor = answer["cursor"]
        if not answer["has_more"]:
            return True


#: One TLS context for every simulated phone: httpx makes one per client otherwise, loading the system's
#: CA certificates each time (about 50 ms of CPU; for 200 phones, seconds the server would not get).
_TLS = ssl.create_default_context()


def _client(url: str, token: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=url,
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        timeout=httpx.Timeout(120.0),
        limits=httpx.Limits(max_connections=1),  # one phone, one connection
        verify=_TLS,
    )


async def first_sync(client: httpx.AsyncClient, device: Device, stats: Stats) -> None:
    if await push_all(client, device, stats):
        await pull_all(client, stats)


async def bounded(aw: Awaitable[T], what: str) -> T:
    try:
        return await asyncio.wait_for(aw, PHASE_TIMEOUT_S)
    except TimeoutError:
        raise SystemExit(f"bench.load: {what} took longer than {PHASE_TIMEOUT_S:.0f} s") from None


# --- where the time goes -------------------------------------------------------------------------------


_TICK = os.sysconf("SC_CLK_TCK")


def cpu_s(pids: Sequence[int]) -> float:
    """User + system CPU seconds of ``pids`` so far (processes gone meanwhile count as 0)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        total += int(fields[11]) + int(fields[12])
    return total / _TICK


class PgWatch:
    """Samples what the bench database's busy backends wait on, and finds their pids for CPU accounting."""

    def __init__(self, admin_dsn: str, database: str) -> None:
        self.dsn, self.database = admin_dsn, database
        self.waits: Counter[str] = Counter()
        self.samples = 0
        self.pids: set[int] = set()
        self._stop = asyncio.Event()

    async def backends(self) -> set[int]:
        import asyncpg

        conn = await asyncpg.connect(self.dsn)
        try:
            rows = await conn.fetch("SELECT pid FROM pg_stat_activity WHERE datname = $1", self.database)
        finally:
            await conn.close()
        return {int(r["pid"]) for r in rows}

    async def run(self) -> None:
        import asyncpg

        conn = await asyncpg.connect(self.dsn)
        query = (
            "SELECT pid, state, coalesce(wait_event_type, 'CPU') AS t, coalesce(wait_event, 'running') AS e"
            " FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()"
        )
        try:
            while not self._stop.is_set():
                self.samples += 1
                for r in await conn.fetch(query, self.database):
                    self.pids.add(int(r["pid"]))
                    if r["state"] == "active":
                        self.waits[f"{r['t']}:{r['e']}"] += 1
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), 0.05)
        finally:
            await conn.close()

    def stop(self) -> None:
        self._stop.set()


# --- one run -------------------------------------------------------------------------------------------


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))], 4)


def _latency(values: list[float]) -> dict[str, Any]:
    return {
        "n": len(values),
        "p50_s": _pct(values, 0.5),
        "p95_s": _pct(values, 0.95),
        "p99_s": _pct(values, 0.99),
    }


async def _seed(database_url: str, planners: int) -> tuple[int, list[str]]:
    """A district, ``planners`` planners and a coordinator, in-process (argon2 and all)."""
    from server.core.db import Database
    from server.core.settings import async_database_url
    from server.people.service import add_district, create_user

    db = Database(async_database_url(database_url))
    try:
        district = await add_district(db, DISTRICT)
        names = [f"planner{i:03d}" for i in range(planners)]
        for name in names:
            await create_user(db, name, "planner", PASSWORD, district_ids=(district,))
        await create_user(db, "solo", "planner", PASSWORD, district_ids=(district,))
        await create_user(db, "coord", "coordinator", PASSWORD)
        return district, names
    finally:
        await db.dispose()


async def _sign_in(url: str, username: str) -> str:
    async with httpx.AsyncClient(base_url=url, timeout=60) as c:
        resp = await c.post("/api/auth/login", json={"username": username, "password": PASSWORD})
        resp.raise_for_status()
        return str(resp.json()["access_token"])


async def _db_counts(database_url: str) -> dict[str, int]:
    import sqlalchemy as sa

    from server.core.db import Database
    from server.core.settings import async_database_url

    db = Database(async_database_url(database_url))
    try:
        async with db.read() as conn:
            one = (await conn.execute(sa.text("SELECT count(*), count(DISTINCT id) FROM visits"))).one()
            ops = (await conn.execute(sa.text("SELECT count(*) FROM applied_ops"))).scalar_one()
        return {"visits": int(one[0]), "visits_distinct": int(one[1]), "applied_ops": int(ops)}
    finally:
        await db.dispose()


async def _summary(url: str, token: str) -> dict[str, int]:
    async with httpx.AsyncClient(
        base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=120
    ) as c:
        resp = await c.get("/api/summary/planners", params={"year": str(YEAR)})
        resp.raise_for_status()
        return {p["username"]: int(p["visits_pending"]) for p in resp.json()["planners"]}


async def one_run(engine: str, workers: int) -> dict[str, Any]:
    import asyncpg

    data_dir = Path(tempfile.mkdtemp(prefix="fieldlog-load-"))
    pg_name = f"fieldlog_load_{uuid.uuid4().hex[:10]}"
    database_url = ""
    if engine == "postgresql":
        admin = await asyncpg.connect(PG_URL)
        await admin.execute(f'CREATE DATABASE "{pg_name}"')
        await admin.close()
        base = PG_URL.rsplit("/", 1)[0]
        database_url = f"{base}/{pg_name}"  # the plain form an operator writes
    srv = ServerProcess(data_dir, database_url=database_url, workers=workers)
    try:
        srv.migrate()
        district, names = await _seed(srv.database_url, PLANNERS)
        srv.start()
        tokens = {n: await _sign_in(srv.url, n) for n in [*names, "solo", "coord"]}
        start = datetime(YEAR, 3, 1, 1, 0, tzinfo=UTC)

        # Baselines, alone: the same shape as one crowd device, five times; then one bulk push.
        solo_s = []
        for k in range(SOLO_RUNS):
            device = Device.make(f"solo-{k}", tokens["solo"], district, BATCHES * PER_BATCH, PER_BATCH, start)
            stats = Stats()
            async with _client(srv.url, device.token) as client:
                t0 = time.perf_counter()
                await bounded(first_sync(client, device, stats), "the solo device")
                solo_s.append((stats.last_push_at - t0, time.perf_counter() - t0))
        n_bulk = DEVICES * BATCHES * PER_BATCH
        # Twenty minutes apart, so that all of them fall in the year the summary is asked for.
        bulk = Device.make(
            "solo-bulk", tokens["solo"], district, n_bulk, BULK_BATCH, start, timedelta(minutes=20)
        )
        bulk_stats = Stats()
        async with _client(srv.url, bulk.token) as client:
            t0 = time.perf_counter()
            await bounded(push_all(client, bulk, bulk_stats), "the bulk device")
            bulk_s = time.perf_counter() - t0

        # The crowd: every device's bodies made before the clock starts.
        devices = [
            Device.make(
                f"device-{i:03d}",
                tokens[names[i % len(names)]],
                district,
                BATCHES * PER_BATCH,
                PER_BATCH,
                start + timedelta(days=(i // len(names)) * 3),
            )
            for i in range(DEVICES)
        ]
        watch = PgWatch(PG_URL, pg_name) if engine == "postgresql" else None
        watcher = asyncio.create_task(watch.run()) if watch else None
        server_pids = srv.pids()
        pg_before: dict[int, float] = {}
        if watch:
            pg_before = {p: cpu_s([p]) for p in await watch.backends()}
        # Each phone's client (its own connection) is made before the clock starts, as a phone has it.
        clients = [_client(srv.url, d.token) for d in devices]
        cpu0 = cpu_s(server_pids), os.times()
        crowd = Stats()
        t0 = time.perf_counter()
        crowd_sync = asyncio.gather(*(first_sync(c, d, crowd) for c, d in zip(clients, devices, strict=True)))
        await bounded(crowd_sync, "the crowd's first sync")
        first_sync_s = time.perf_counter() - t0
        push_phase_s = crowd.last_push_at - t0
        server_cpu = cpu_s(server_pids) - cpu0[0]
        here = os.times()
        generator_cpu = (here.user - cpu0[1].user) + (here.system - cpu0[1].system)
        pg_cpu = None
        waits: dict[str, float] = {}
        if watch and watcher:
            watch.stop()
            await watcher
            backends = await watch.backends() | watch.pids
            pg_cpu = round(sum(cpu_s([p]) - pg_before.get(p, 0.0) for p in backends), 2)
            total = sum(watch.waits.values()) or 1
            waits = {k: round(v / total, 3) for k, v in watch.waits.most_common(8)}

        again = Stats()
        t0 = time.perf_counter()
        resent = asyncio.gather(*(push_all(c, d, again) for c, d in zip(clients, devices, strict=True)))
        await bounded(resent, "the re-send")
        resend_s = time.perf_counter() - t0
        for c in clients:
            await c.aclose()

        summary = await _summary(srv.url, tokens["coord"])
        counts = await _db_counts(srv.database_url)
        expected = DEVICES * BATCHES * PER_BATCH
        per_planner = Counter(names[i % len(names)] for i in range(DEVICES))
        solo_expected = SOLO_RUNS * BATCHES * PER_BATCH + expected
        checks = {
            "summary_counts_each_visit_once": all(
                summary.get(n, 0) == per_planner[n] * BATCHES * PER_BATCH for n in names
            )
            and summary.get("solo") == solo_expected,
            "database_holds_each_visit_once": counts["visits"]
            == counts["visits_distinct"]
            == expected + solo_expected,
            "one_op_log_row_per_visit": counts["applied_ops"] == expected + solo_expected,
            "first_round_all_applied": crowd.statuses == Counter({"applied": expected}),
            "every_resend_duplicate": again.statuses == Counter({"duplicate": expected}),
        }
        solo_push = statistics.median(p for p, _ in solo_s)
        solo_sync = statistics.median(s for _, s in solo_s)
        n_solo = BATCHES * PER_BATCH
        result = {
            "first_sync_s": round(first_sync_s, 3),
            "push_phase_s": round(push_phase_s, 3),
            "crowd_push_visits_per_s": round(expected / push_phase_s, 1),
            "crowd_first_sync_visits_per_s": round(expected / first_sync_s, 1),
            "resend_s": round(resend_s, 3),
            "resend_visits_per_s": round(expected / resend_s, 1),
            "solo_push_s": round(solo_push, 4),
            "solo_push_visits_per_s": round(n_solo / solo_push, 1),
            "solo_first_sync_s": round(solo_sync, 4),
            "solo_bulk_push_s": round(bulk_s, 3),
            "solo_bulk_visits_per_s": round(expected / bulk_s, 1),
            "ratio_crowd_to_solo_push": round((expected / push_phase_s) / (n_solo / solo_push), 3),
            "ratio_crowd_to_solo_bulk": round((expected / push_phase_s) / (expected / bulk_s), 3),
            "push": _latency(crowd.push_s),
            "pull": _latency(crowd.pull_s),
            "resend_push": _latency(again.push_s),
            "pulled_records": crowd.pulled,
            "request_errors": dict(crowd.request_errors + again.request_errors),
            "errors_reaching_phone": crowd.errors_reaching_phone + again.errors_reaching_phone,
            "cpu_s": {
                "server": round(server_cpu, 2),
                "postgresql_backends": pg_cpu,
                "load_generator": round(generator_cpu, 2),
                "available": round(first_sync_s * (os.cpu_count() or 1), 2),
            },
            "pg_waits_share": waits,
            "checks": checks,
            "server_log_errors": srv.log().count("Traceback"),
        }
        return result
    finally:
        srv.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
        if engine == "postgresql":
            admin = await asyncpg.connect(PG_URL)
            await admin.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
            await admin.close()


def _median(runs: list[dict[str, Any]], key: str, sub: str | None = None) -> Any:
    values = [r[key][sub] if sub else r[key] for r in runs]
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 4) if values else None


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    keys = [
        "first_sync_s",
        "push_phase_s",
        "crowd_push_visits_per_s",
        "resend_s",
        "solo_push_visits_per_s",
        "solo_bulk_visits_per_s",
        "ratio_crowd_to_solo_push",
        "ratio_crowd_to_solo_bulk",
    ]
    out: dict[str, Any] = {k: _median(runs, k) for k in keys}
    for phase in ("push", "pull", "resend_push"):
        out[phase] = {q: _median(runs, phase, q) for q in ("p50_s", "p95_s", "p99_s")}
    out["cpu_s"] = {k: _median(runs, "cpu_s", k) for k in ("server", "postgresql_backends", "load_generator")}
    out["request_errors"] = sum(sum(r["request_errors"].values()) for r in runs)
    out["errors_reaching_phone"] = sum(len(r["errors_reaching_phone"]) for r in runs)
    out["all_checks_passed"] = all(all(r["checks"].values()) for r in runs)
    return out


def main() -> int:
    configs = [(c.split(":")[0], int(c.split(":")[1])) for c in CONFIGS.split(",") if c]
    report: dict[str, Any] = {
        "devices": DEVICES,
        "planners": PLANNERS,
        "visits_per_device": BATCHES * PER_BATCH,
        "batches": f"{BATCHES} x {PER_BATCH}",
        "runs": RUNS,
        "cpus": os.cpu_count(),
        "configs": {},
    }
    names = [f"{engine}:{workers}" for engine, workers in configs]
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    for k in range(RUNS):
        # Round by round, every configuration once: each samples the same stretch of the machine's day.
        for (engine, workers), name in zip(configs, names, strict=True):
            log(f"round {k + 1} of {RUNS}: {engine} with {workers} worker(s)")
            load = os.getloadavg()[0]
            runs[name].append({"load_avg_1m_before": round(load, 2), **asyncio.run(one_run(engine, workers))})
            log(json.dumps({x: runs[name][-1][x] for x in ("first_sync_s", "push", "pull", "checks")}))
    for name in names:
        report["configs"][name] = {"median": summarise(runs[name]), "runs": runs[name]}
    medians = {name: c["median"] for name, c in report["configs"].items()}
    pg = {w: runs.get(f"postgresql:{w}") for w in (1, 2, 4)}

    def ratio(more: int, fewer: int) -> float | None:
        a, b = pg[more], pg[fewer]
        if not a or not b:
            return None
        pairs = zip(a, b, strict=True)
        return round(statistics.median(x["first_sync_s"] / y["first_sync_s"] for x, y in pairs), 3)

    # Of the first sync's wall time, same round: below 1, more workers were faster.
    report["ratios_same_round"] = {
        "pg_first_sync_2_over_1_workers": ratio(2, 1),
        "pg_first_sync_4_over_2_workers": ratio(4, 2),
    }
    print(json.dumps(report, ensure_ascii=False, indent=2))
    ok = all(m["all_checks_passed"] and m["errors_reaching_phone"] == 0 for m in medians.values())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
