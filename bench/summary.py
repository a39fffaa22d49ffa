"""Time ``GET /api/summary/planners`` over 1,000,000 visits of 2,000 planners on a real server (SQLite, or
PostgreSQL with ``BENCH_ENGINE=postgresql``: the generated rows, with `bench.dashboard`'s extras, copied
into a database there by `bench._pg` and kept for the next run).

Rows are generated straight into a database migrated by ``fieldlog db upgrade`` (server/core/models.py's
layout: UTC times as naive text, JSON data), with ``executemany``. Every visit lies in the year asked for,
the worst case for the yearly range scan; ``BENCH_YEARS=3`` spreads them over three years instead. The
generated file is cached under ``BENCH_CACHE`` (default ``/tmp/fieldlog-bench-cache``) and copied per run.
After the rows are generated, ``fieldlog db totals --repair`` builds the kept yearly totals from them
(timed: what a deployment's first start after the upgrade to revision 0006 costs).

Prints JSON: medians over ``BENCH_RUNS`` (default 7) HTTP requests after one warm-up; the summary's SQL
timed in-process (no HTTP, no JSON); and, in the same run as the baseline, the aggregate over the records
that the summary ran before the kept totals (`server.sync.totals.records_totals_query`, now the reference).
The answer's numbers are checked against that reference.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import sqlite3
import statistics
import sys
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench._server import ServerProcess, timed_get

VISITS = int(os.environ.get("BENCH_VISITS", "1000000"))
PLANNERS = int(os.environ.get("BENCH_PLANNERS", "2000"))
DISTRICTS = 20
YEAR = 2026
#: Years of history the visits are spread over, ending with YEAR (1 = all in the year asked for).
YEARS = int(os.environ.get("BENCH_YEARS", "1"))
RUNS = int(os.environ.get("BENCH_RUNS", "7"))
CACHE = Path(os.environ.get("BENCH_CACHE", "/tmp/fieldlog-bench-cache"))
#: ``sqlite`` (a file, as generated) or ``postgresql`` (the same rows copied there, `bench._pg`).
ENGINE = os.environ.get("BENCH_ENGINE", "sqlite")
DATABASE = (
    "PostgreSQL (server subprocess on 127.0.0.1), after ANALYZE"
    if ENGINE == "postgresql"
    else "SQLite (server subprocess on 127.0.0.1), no ANALYZE"
)
SCHEMA_TAG = "v3"


def _t(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def generate(db: Path) -> None:
    rnd = random.Random(20261122)
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    now = _t(datetime.now(UTC))
    conn.execute("BEGIN")
    first_district = int(conn.execute("SELECT coalesce(max(id), 0) FROM districts").fetchone()[0]) + 1
    conn.executemany(
        "INSERT INTO districts (id, name, created_at) VALUES (?, ?, ?)",
        [(first_district + i, f"区{i:02d}", now) for i in range(DISTRICTS)],
    )
    first_user = int(conn.execute("SELECT coalesce(max(id), 0) FROM users").fetchone()[0]) + 1
    planners = list(range(first_user, first_user + PLANNERS))
    conn.executemany(
        "INSERT INTO users (id, username, password_hash, role, display_name, active, created_at)"
        " VALUES (?, ?, 'not-a-login', 'planner', ?, 1, ?)",
        [(u, f"planner{u}", f"规划师{u}", now) for u in planners],
    )
    home = {u: first_district + (u % DISTRICTS) for u in planners}
    conn.executemany("INSERT INTO user_districts (user_id, district_id) VALUES (?, ?)", list(home.items()))
    year_start = datetime(YEAR - YEARS + 1, 1, 1, tzinfo=UTC) - timedelta(hours=8)
    seconds_in_year = 365 * 24 * 3600 * YEARS - 6 * 3600
    batch: list[tuple[Any, ...]] = []
    for seq in range(1, VISITS + 1):
        planner = planners[seq % PLANNERS]
        start = year_start + timedelta(seconds=rnd.randrange(seconds_in_year))
        roll = rnd.random()
        review = "confirmed" if roll < 0.7 else "pending" if roll < 0.9 else "rejected"
        dur = rnd.randrange(1800, 5 * 3600) if rnd.random() < 0.95 else None
        end = None if dur is None else start + timedelta(seconds=dur)
        data = json.dumps(
            {
                "district_id": home[planner],
                "site": f"片区{seq % 500}",
                "purpose": "现场指导",
                "started_at": start.isoformat(),
                "ended_at": None if end is None else end.isoformat(),
                "photos": [],
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )
        batch.append(
            (
                str(uuid.UUID(int=rnd.getrandbits(128), version=4)),
                planner,
                home[planner],
                1,
                seq,
                0,
                data,
                "gen",
                now,
                now,
                _t(start),
                None if end is None else _t(end),
                dur or 0,
                review,
            )
        )
        if len(batch) == 50_000:
            _insert(conn, batch)
            batch.clear()
    _insert(conn, batch)
    conn.execute("UPDATE change_seq SET value = ?", (VISITS,))
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def _insert(conn: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> None:
    conn.executemany(
        "INSERT INTO visits (id, planner_id, district_id, version, seq, deleted, data, device_id,"
        " received_at, updated_at, started_at, ended_at, duration_s, review)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        rows,
    )


def prepared_db() -> tuple[Path, float]:
    """A migrated database with the generated rows (cached); returns it and the seconds spent making it."""
    CACHE.mkdir(parents=True, exist_ok=True)
    from server.core.migrate import head_revision

    # Keyed by the server's migration head: a new revision (e.g. new indexes) means regenerating.
    cached = CACHE / f"summary-{SCHEMA_TAG}-rev{head_revision()}-{VISITS}-{PLANNERS}-{YEARS}y.sqlite3"
    if cached.exists():
        return cached, 0.0
    t0 = time.perf_counter()
    with ServerProcess() as maker:
        maker.migrate()
        maker.add_district("基准区")
        maker.add_user("coord", "coordinator")
        generate(maker.db_path)
        t_build = time.perf_counter()
        maker.cli("db", "totals", "--repair")
        print(f"totals built from the records in {time.perf_counter() - t_build:.1f} s", file=sys.stderr)
        shutil.copy(maker.db_path, cached.with_suffix(".tmp"))
    os.replace(cached.with_suffix(".tmp"), cached)
    return cached, time.perf_counter() - t0


def _timed(c: sa.Connection, query: sa.Select[Any]) -> tuple[list[float], Sequence[Any]]:
    rows = c.execute(query).all()
    times = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        rows = c.execute(query).all()
        times.append(time.perf_counter() - t0)
    return times, rows


def sql_only(db: Path) -> tuple[list[float], list[float], dict[int, tuple[int, int, int]]]:
    """The summary's statement and the records aggregate, in-process; and the reference numbers."""
    from server.appraisal.summary import summary_query
    from server.core.auth import CurrentUser
    from server.sync.totals import records_totals_query

    engine = sa.create_engine(f"sqlite:///{db}")
    coord = CurrentUser(0, "coord", "coordinator", "", frozenset())
    with engine.connect() as c:
        kept, _ = _timed(c, summary_query(YEAR, "Asia/Shanghai", coord))
        aggregate, rows = _timed(c, records_totals_query(YEAR, "Asia/Shanghai"))
    engine.dispose()
    reference: dict[int, tuple[int, int, int]] = {}
    for r in rows:  # per planner and district: summed per planner
        n, pending, h = reference.get(r.planner_id, (0, 0, 0))
        reference[r.planner_id] = (
            n + r.visits_confirmed,
            pending + r.visits_pending,
            h + r.confirmed_hundredths,
        )
    return kept, aggregate, {k: v for k, v in reference.items() if v[0] or v[1]}


async def sql_only_postgres(url: str) -> tuple[list[float], list[float], dict[int, tuple[int, int, int]]]:
    """`sql_only` on PostgreSQL, through the server's own engine."""
    from server.appraisal.summary import summary_query
    from server.core.auth import CurrentUser
    from server.core.db import Database
    from server.core.settings import async_database_url
    from server.sync.totals import records_totals_query

    db = Database(async_database_url(url))
    coord = CurrentUser(0, "coord", "coordinator", "", frozenset())
    out: list[list[float]] = []
    rows: Sequence[Any] = []
    try:
        async with db.read() as c:
            for query in (
                summary_query(YEAR, "Asia/Shanghai", coord),
                records_totals_query(YEAR, "Asia/Shanghai"),
            ):
                rows = (await c.execute(query)).all()
                times = []
                for _ in range(RUNS):
                    t0 = time.perf_counter()
                    rows = (await c.execute(query)).all()
                    times.append(time.perf_counter() - t0)
                out.append(times)
    finally:
        await db.dispose()
    reference: dict[int, tuple[int, int, int]] = {}
    for r in rows:
        n, pending, h = reference.get(r.planner_id, (0, 0, 0))
        reference[r.planner_id] = (
            n + r.visits_confirmed,
            pending + r.visits_pending,
            h + r.confirmed_hundredths,
        )
    return out[0], out[1], {k: v for k, v in reference.items() if v[0] or v[1]}


def main() -> int:
    if ENGINE == "postgresql":
        from bench._pg import dashboard_dataset

        # The dashboard's dataset (these visits, plus opinions, feedback and attendance): made once for
        # the three benchmarks on PostgreSQL, and the summary reads only what it reads on SQLite.
        url, gen_s, _ = dashboard_dataset()
        sql_times, aggregate_times, reference = asyncio.run(sql_only_postgres(url))
        with ServerProcess(database_url=url) as srv:
            srv.start()
            http_times, warm = timed_get(srv, f"/api/summary/planners?year={YEAR}", RUNS)
    else:
        cached, gen_s = prepared_db()
        with ServerProcess() as srv:
            srv.data_dir.mkdir(parents=True, exist_ok=True)
            shutil.copy(cached, srv.db_path)
            srv.migrate()  # a no-op at head; says so loudly if the cache is stale
            sql_times, aggregate_times, reference = sql_only(srv.db_path)
            srv.start()
            http_times, warm = timed_get(srv, f"/api/summary/planners?year={YEAR}", RUNS)
    body = warm.json()
    assert len(body["planners"]) == PLANNERS, len(body["planners"])
    total = sum(p["visits_confirmed"] + p["visits_pending"] for p in body["planners"])
    answered = {
        p["planner_id"]: (p["visits_confirmed"], p["visits_pending"], round(p["hours_confirmed"] * 100))
        for p in body["planners"]
        if p["visits_confirmed"] or p["visits_pending"]
    }
    assert answered == reference, "the summary disagrees with the records"
    med_http = statistics.median(http_times)
    med_aggregate = statistics.median(aggregate_times)
    out = {
        "benchmark": "summary",
        "visits": VISITS,
        "planners": PLANNERS,
        "year": YEAR,
        "years_of_visits": YEARS,
        "database": DATABASE,
        "runs": RUNS,
        "cpus": os.cpu_count(),
        "load_avg_1m_at_end": round(os.getloadavg()[0], 2),
        "median_http_s": round(med_http, 4),
        "median_sql_only_s": round(statistics.median(sql_times), 4),
        "baseline_records_aggregate_sql_s": round(med_aggregate, 4),
        "speedup_http_vs_records_aggregate_sql": round(med_aggregate / med_http, 1),
        "all_http_s": [round(x, 4) for x in http_times],
        "all_sql_s": [round(x, 4) for x in sql_times],
        "all_records_aggregate_sql_s": [round(x, 4) for x in aggregate_times],
        "answer_matches_records": answered == reference,
        "visits_confirmed_or_pending_in_answer": total,
        "generate_s": round(gen_s, 1) if gen_s else "cached",
        "target_le_150ms": med_http <= 0.150,
    }
    print(json.dumps(out, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
