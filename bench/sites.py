"""Time the phone's fetch of its district's known sites from a real server (SQLite), and the site picker.

A district with ``BENCH_SITE_VISITS`` visits (default 50,000) by a colleague, naming ``BENCH_SITES``
distinct sites (default 2,000), 60 % of them with a fix, generated straight into a migrated database. The
planner's phone then syncs with the real sync engine (`app.sync.SyncEngine`): its first sync fetches every
site, a later one with nothing changed fetches none (the server still counts the district's sites), and a
sync after 10 new visits fetches those. In the same run, the baseline: one in-process ``GROUP BY`` over the
district's visits by site name, the least any derivation of sites from the records reads.

On the filled phone: `app.sites.SitePicker` suggestions with a fix (every site sorted by distance) and for
a two-character query, and the check-in default.

Prints JSON: medians over ``BENCH_RUNS`` (default 5) and their ratios to the baseline.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import statistics
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from bench._server import PASSWORD, ServerProcess

VISITS = int(os.environ.get("BENCH_SITE_VISITS", "50000"))
SITES = int(os.environ.get("BENCH_SITES", "2000"))
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
CENTRE = (29.5630, 106.5516)


@dataclass(frozen=True)
class Fix:
    lat: float
    lon: float
    accuracy_m: float | None = 10.0


def _t(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def generate(db: Path, district: int, planner: int) -> None:
    rnd = random.Random(20261205)
    positions = {
        i: (CENTRE[0] + rnd.uniform(-0.05, 0.05), CENTRE[1] + rnd.uniform(-0.05, 0.05)) for i in range(SITES)
    }
    now = _t(datetime.now(UTC))
    start0 = datetime(2026, 1, 1, tzinfo=UTC)
    rows = []
    for seq in range(1, VISITS + 1):
        i = rnd.randrange(SITES)
        start = start0 + timedelta(minutes=seq * 7)
        data: dict[str, Any] = {
            "district_id": district,
            "site": f"片区{i}号地块",
            "purpose": "现场指导",
            "started_at": start.isoformat(),
            "ended_at": (start + timedelta(hours=1)).isoformat(),
            "photos": [],
        }
        if rnd.random() < 0.6:
            data["lat"], data["lon"] = positions[i]
        rows.append(
            (
                str(uuid.UUID(int=rnd.getrandbits(128), version=4)),
                planner,
                district,
                1,
                seq,
                0,
                json.dumps(data, ensure_ascii=False, separators=(",", ":")),
                "gen",
                now,
                now,
                _t(start),
                _t(start + timedelta(hours=1)),
                3600,
                "pending",
            )
        )
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO visits (id, planner_id, district_id, version, seq, deleted, data, device_id,"
        " received_at, updated_at, started_at, ended_at, duration_s, review)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        rows,
    )
    conn.execute("UPDATE change_seq SET value = ?", (VISITS,))
    conn.execute("COMMIT")
    conn.close()


def group_by(db: Path, district: int) -> float:
    engine = sa.create_engine(f"sqlite:///{db}")
    query = sa.text(
        "SELECT json_extract(data, '$.site'), count(*), max(seq) FROM visits"
        " WHERE district_id = :d AND deleted = 0 GROUP BY 1"
    )
    with engine.connect() as c:
        c.execute(query, {"d": district}).all()
        t0 = time.perf_counter()
        rows = c.execute(query, {"d": district}).all()
        took = time.perf_counter() - t0
    engine.dispose()
    assert len(rows) == SITES, len(rows)
    return took


def median(values: list[float]) -> float:
    return round(statistics.median(values) * 1000, 1)


def main() -> int:
    from app.sites import SitePicker
    from app.store import LocalStore
    from app.sync import SyncEngine, login

    with ServerProcess() as srv, tempfile.TemporaryDirectory() as phones:
        srv.migrate()
        district = srv.add_district("基准区")
        colleague = srv.add_user("colleague", "planner", ("基准区",))
        srv.add_user("planner", "planner", ("基准区",))
        generate(srv.db_path, district, colleague)
        baseline = [group_by(srv.db_path, district) for _ in range(RUNS)]
        srv.start()
        token = login(srv.url, "planner", PASSWORD).token
        colleague_token = login(srv.url, "colleague", PASSWORD).token

        first, unchanged, after_new = [], [], []
        for run in range(RUNS):
            store = LocalStore(Path(phones) / f"phone-{run}" / "store.sqlite3")
            with SyncEngine(store, srv.url, token) as engine:
                t0 = time.perf_counter()
                report = engine.sync()
                first.append(time.perf_counter() - t0)
                assert report.errors == [] and len(store.find_sites("site")) == SITES + 10 * run, report
                t0 = time.perf_counter()
                report = engine.sync()
                unchanged.append(time.perf_counter() - t0)
                assert report.sites == 0, report
                ops = [
                    {
                        "op_id": str(uuid.uuid4()),
                        "kind": "visit",
                        "id": str(uuid.uuid4()),
                        "base_version": 0,
                        "data": {
                            "district_id": district,
                            "site": f"新工地{run}-{k}",
                            "purpose": "现场指导",
                            "started_at": "2026-06-01T09:00:00+08:00",
                        },
                    }
                    for k in range(10)
                ]
                httpx.post(
                    f"{srv.url}/api/sync/push",
                    json={"device_id": "colleague", "ops": ops},
                    headers={"Authorization": f"Bearer {colleague_token}"},
                    timeout=60,
                ).raise_for_status()
                t0 = time.perf_counter()
                report = engine.sync()
                after_new.append(time.perf_counter() - t0)
                assert report.sites == 10, report
            if run < RUNS - 1:
                store.close()

        picker = SitePicker(store)
        fix = Fix(*CENTRE)
        with_fix, query, default = [], [], []
        for _ in range(RUNS):
            t0 = time.perf_counter()
            picker.suggestions("", fix)
            with_fix.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            picker.suggestions("片区1", fix)
            query.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            picker.check_in_default(fix)
            default.append(time.perf_counter() - t0)
        store.close()
    base = statistics.median(baseline)
    out = {
        "visits": VISITS,
        "sites": SITES,
        "runs": RUNS,
        "baseline_group_by_ms": median(baseline),
        "first_sync_all_sites_ms": median(first),
        "sync_nothing_changed_ms": median(unchanged),
        "sync_after_10_new_visits_ms": median(after_new),
        "first_sync_vs_group_by": round(statistics.median(first) / base, 1),
        "unchanged_sync_vs_group_by": round(statistics.median(unchanged) / base, 1),
        "picker_suggestions_with_fix_ms": median(with_fix),
        "picker_query_two_chars_ms": median(query),
        "picker_check_in_default_ms": median(default),
    }
    print(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
