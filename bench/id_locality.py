"""Random (UUIDv4) vs time-ordered (UUIDv7) phone-made ids: the push of 10,000 visits to a server whose
database already holds a backlog.

The server keys its record and op-log indexes by the ids the phone makes (``visits.id``,
``applied_ops(user_id, op_id)``). Random ids land anywhere in those B-trees, so every pushed batch dirties
pages all over them and the server writes (and, with ``synchronous=FULL``, syncs) each page again at every
commit; time-ordered ids append at one end.

Set-up, once: a migrated SQLite database filled directly (sqlite3, one transaction) with ``BENCH_BACKLOG``
(default 300,000) visits of one planner and as many ``applied_ops`` rows, all with UUIDv4 ids, as an
existing deployment made them; the kept yearly totals are then rebuilt (``fieldlog db totals --repair``).
A real server subprocess on loopback serves that database; one small untimed push warms it up.

Measured in the same run, ``BENCH_RUNS`` (default 3) runs of each variant, the two alternating (the order
within each pair alternates too, as the database grows by every push):
- ``push_s``: the push phase of the app's `SyncEngine` (``SyncEngine._push``, batches of 1,000) of 10,000
  new visits of a new planner, from a fresh phone store (a temporary folder) made with
  - ``uuid4``: record and op ids from ``uuid.uuid4()``, the ids phones made before UUIDv7;
  - ``uuid7``: ids from the current `shared.records.new_id` (UUIDv7);
  the phone's outbox is checked to hold ids of the intended version, the report to say 10,000 pushed with
  no duplicate, conflict or refusal, and the server's database to hold the 10,000 visits of that planner;
- ``server_cpu_s``: the server process's CPU time (user + system, from ``/proc/<pid>/stat``) during that
  push.
Medians per variant, every run, and the ratios uuid4 / uuid7.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import app.store as app_store
from app.store import LocalStore
from app.sync import SyncEngine, SyncReport, login
from bench._server import PASSWORD, ServerProcess
from bench.sync_push import (
    INSERT_OPS,
    INSERT_VISITS,
    op_row,
    phone_ids,
    server_rows,
    sql_time,
    visit_row,
    visits,
)
from shared.records import validate

N = int(os.environ.get("BENCH_N", "10000"))
BACKLOG = int(os.environ.get("BENCH_BACKLOG", "300000"))
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
BATCH = 1000
WARMUP_N = 200
DISTRICT = "基准区"
VARIANTS = ("uuid4", "uuid7")
VERSION = {"uuid4": 4, "uuid7": 7}


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _uuid4() -> str:
    return str(uuid.uuid4())


@contextmanager
def random_ids() -> Iterator[None]:
    """Make the phone store's new ids with ``uuid.uuid4()`` (in this process only, while it lasts).

    This reproduces the ids phones made before UUIDv7: `LocalStore.save_many` calls the ``new_id``
    imported into ``app.store`` for both record and op ids."""
    saved = app_store.new_id
    app_store.new_id = _uuid4
    try:
        yield
    finally:
        app_store.new_id = saved


def fill_backlog(db: Path, n: int, planner_id: int, district_id: int) -> None:
    """``n`` visits of ``planner_id`` and their ``applied_ops`` rows, UUIDv4 ids, in one transaction.

    The visits are spread over 2024-01-01 .. 2026-02-28 (UTC), inserted in time order (the order they
    would have arrived in), nine in ten confirmed and checked out, one in ten pending."""
    base = datetime(2024, 1, 1, 1, 0, tzinfo=UTC)
    step = (datetime(2026, 2, 28, tzinfo=UTC) - base) / max(n, 1)
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("BEGIN IMMEDIATE")
        (first_seq,) = conn.execute("SELECT value FROM change_seq WHERE id = 1").fetchone()
        rows: list[tuple[Any, ...]] = []
        ops: list[tuple[Any, ...]] = []
        for i, data in enumerate(visits(n, district_id, start=base, step=step)):
            clean = validate("visit", data)
            received = sql_time((datetime.fromisoformat(clean["ended_at"]) + timedelta(hours=2)).isoformat())
            rid = str(uuid.uuid4())
            review = "pending" if i % 10 == 0 else "confirmed"
            rows.append(visit_row(clean, rid, planner_id, first_seq + 1 + i, received, "backlog-dev", review))
            ops.append(op_row(planner_id, str(uuid.uuid4()), rid, "backlog-dev", received))
        conn.executemany(INSERT_VISITS, rows)
        conn.executemany(INSERT_OPS, ops)
        conn.execute("UPDATE change_seq SET value = value + ? WHERE id = 1", (n,))
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def server_cpu_s(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far (all its threads)."""
    # The fields after the command name (in parentheses, may hold spaces): state is field 3, so utime
    # (field 14) and stime (field 15) are at 11 and 12.
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def id_versions(phone_db: Path) -> set[int]:
    """The UUID versions of the record and op ids in the phone's outbox."""
    return {uuid.UUID(x).version or 0 for pair in phone_ids(phone_db) for x in pair}


def make_phone(folder: Path, records: list[dict[str, Any]], variant: str) -> Path:
    db = folder / "phone.sqlite3"
    with closing(LocalStore(db)) as store:
        if variant == "uuid4":
            with random_ids():
                store.save_many("visit", records)
        else:
            store.save_many("visit", records)
    versions = id_versions(db)
    assert versions == {VERSION[variant]}, f"{variant} phone made ids of versions {versions}"
    return db


def timed_push(srv: ServerProcess, phone_db: Path, token: str) -> tuple[float, float, SyncReport]:
    """The push phase alone: wall seconds, the server's CPU seconds in it, and the report."""
    assert srv.proc is not None
    pid = srv.proc.pid
    with closing(LocalStore(phone_db)) as store:
        engine = SyncEngine(store, srv.url, token, batch_size=BATCH)
        try:
            report = SyncReport(started_at=datetime.now(UTC))
            cpu0 = server_cpu_s(pid)
            t0 = time.perf_counter()
            engine._push(report)
            elapsed = time.perf_counter() - t0
            cpu = server_cpu_s(pid) - cpu0
        finally:
            engine.close()
    return elapsed, cpu, report


def push_new_planner(
    srv: ServerProcess, username: str, records: list[dict[str, Any]], variant: str
) -> tuple[float, float]:
    """A new planner's fresh phone with ``records`` pushes them; checked on both ends."""
    planner_id = srv.add_user(username, "planner", (DISTRICT,))
    session = login(srv.url, username, PASSWORD)
    work = Path(tempfile.mkdtemp(prefix="fieldlog-idloc-"))
    try:
        phone_db = make_phone(work, records, variant)
        elapsed, cpu, report = timed_push(srv, phone_db, session.token)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    n = len(records)
    assert report.pushed == n, report
    assert (report.duplicates, report.conflicts, report.rejected, report.errors) == (0, 0, 0, []), report
    assert server_rows(srv.db_path, planner_id) == (n, n, 1), "the server does not hold the pushed visits"
    return elapsed, cpu


def main() -> int:
    t_start = time.perf_counter()
    push_s: dict[str, list[float]] = {v: [] for v in VARIANTS}
    cpu_s: dict[str, list[float]] = {v: [] for v in VARIANTS}
    order: list[str] = []
    with ServerProcess() as srv:
        srv.migrate()
        district_id = srv.add_district(DISTRICT)
        backlog_planner = srv.add_user("backlog", "planner", (DISTRICT,))
        t0 = time.perf_counter()
        fill_backlog(srv.db_path, BACKLOG, backlog_planner, district_id)
        log(f"backlog: {BACKLOG} visits and op-log rows written in {time.perf_counter() - t0:.1f} s")
        t0 = time.perf_counter()
        log(srv.cli("db", "totals", "--repair").splitlines()[-1] + f" ({time.perf_counter() - t0:.1f} s)")
        db_mb = round(srv.db_path.stat().st_size / 2**20, 1)
        srv.start()
        data = visits(N, district_id)
        push_new_planner(srv, "warmup", visits(WARMUP_N, district_id), "uuid7")
        log(f"server up with a {db_mb} MB database, warmed up")
        for run in range(RUNS):
            pair = VARIANTS if run % 2 == 0 else VARIANTS[::-1]
            for variant in pair:
                elapsed, cpu = push_new_planner(srv, f"{variant}-{run}", data, variant)
                push_s[variant].append(elapsed)
                cpu_s[variant].append(cpu)
                order.append(variant)
                log(f"run {run + 1}/{RUNS} {variant}: push {elapsed:.3f} s, server CPU {cpu:.2f} s")
        with closing(sqlite3.connect(srv.db_path)) as c:
            (total_visits,) = c.execute("SELECT count(*) FROM visits").fetchone()
    assert total_visits == BACKLOG + WARMUP_N + 2 * RUNS * N, total_visits

    med_push = {v: round(statistics.median(push_s[v]), 4) for v in VARIANTS}
    med_cpu = {v: round(statistics.median(cpu_s[v]), 3) for v in VARIANTS}
    out: dict[str, Any] = {
        "benchmark": "id_locality",
        "records": N,
        "backlog": BACKLOG,
        "runs": RUNS,
        "database": "SQLite (server subprocess on 127.0.0.1)",
        "batch_size": BATCH,
        "db_mb_after_backlog": db_mb,
        "cpus": os.cpu_count(),
        "load_avg_1m_at_end": round(os.getloadavg()[0], 2),
        "median_push_s": med_push,
        "median_server_cpu_s": med_cpu,
        "all_runs": {
            "order": order,
            "push_s": {v: [round(x, 4) for x in push_s[v]] for v in VARIANTS},
            "server_cpu_s": {v: [round(x, 3) for x in cpu_s[v]] for v in VARIANTS},
        },
        "ratio_uuid4_vs_uuid7": round(med_push["uuid4"] / med_push["uuid7"], 2),
        "ratio_uuid4_vs_uuid7_server_cpu": (
            round(med_cpu["uuid4"] / med_cpu["uuid7"], 2) if med_cpu["uuid7"] > 0 else None
        ),
        "wall_s": round(time.perf_counter() - t_start, 1),
    }
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
