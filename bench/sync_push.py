"""Push 10,000 records with the app's sync engine to a real server subprocess (loopback, SQLite).

Measured in the same run, medians over ``BENCH_RUNS`` (default 5) runs:
- ``engine_push_s``: the push phase of `SyncEngine.sync()` for 10,000 new visits (client + server);
  ``engine_push_client_s`` is the phone's store work in it (taking batches, applying answers), which
  overlaps the server's work, and ``engine_push_requests_s`` the summed wall time of the push requests
  (one in flight at a time: server handler, HTTP and JSON on both ends);
  ``engine_sync_s`` is the whole sync (push, photo check, and pulling the 10,000 records back);
- ``repush_s``: the same 10,000 ops pushed again from a copy of the phone taken before the first sync
  (every answer ``duplicate``; the server's row count is asserted to stay 10,000, every version 1);
- ``raw_insert_s``: the same 10,000 rows inserted with sqlite3 ``executemany`` in one transaction, rows
  prepared beforehand, into a copy of the server's database taken just before that run's push (the
  floor, on the same data and with the server's pragmas; ``raw_insert_with_oplog_s`` also writes the
  op log rows the protocol needs for idempotency; ``raw_insert_sync_normal_s`` is the floor without the
  server's ``synchronous=FULL``, which waits for the disk at commit, for comparison with earlier runs);
- ``server_handler_inprocess_s``: the server's push handler called in-process on the same batches (no
  HTTP, no client), on another such copy, to show where the push time goes;
- ``validated_insert_s``: the least a server that validates must do, in-process on another such copy:
  each record through `shared.records.validate_parsed`, its row built, 1,000 rows per transaction with
  `server.core.db.insert_many`; no op log, no totals, no HTTP. Its ratio to the floor is the cost of Python
  validation and of a commit per batch; the push's ratio to it is the protocol's own cost;
- ``naive_per_record_s``: one POST per record (the ODK-style peer) for ``NAIVE_N`` records, scaled to
  10,000 and said so in ``naive_scaled_from``;
- ``wire_bytes_per_record``: the bytes the first sync's push requests and pull answers carried, per
  record, beside the JSON they hold (the engine sends pushes gzip-compressed, the server compresses
  its answers: server/core/compression.py).
"""

from __future__ import annotations

import gc
import json
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from app.store import LocalStore
from app.sync import SyncEngine, SyncProgress, login
from bench._server import PASSWORD, ServerProcess
from shared.records import new_id, validate
from shared.rules import DEFAULT_TZ

N = int(os.environ.get("BENCH_N", "10000"))
NAIVE_N = int(os.environ.get("BENCH_NAIVE_N", "1000"))
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
DISTRICT = "基准区"


def visits(
    n: int,
    district_id: int,
    start: datetime = datetime(2026, 3, 1, 1, 0, tzinfo=UTC),
    step: timedelta = timedelta(minutes=37),
) -> list[dict[str, Any]]:
    """``n`` checked-out visits, the first at ``start`` (09:00 Beijing time by default), ``step`` apart."""
    out = []
    for i in range(n):
        began = start + step * i
        out.append(
            {
                "district_id": district_id,
                "site": f"片区 {i % 97}",
                "purpose": "现场指导",
                "started_at": began.isoformat(),
                "ended_at": (began + timedelta(minutes=90 + i % 60)).isoformat(),
                "lat": 33.7 + (i % 100) / 1000,
                "lon": 113.2 + (i % 100) / 1000,
                "accuracy_m": 12.0,
                "notes": f"第 {i} 次指导记录",
            }
        )
    return out


def sql_time(iso: str) -> str:
    """SQLite's text form of an instant, as the server stores it (naive UTC with microseconds)."""
    return datetime.fromisoformat(iso).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


#: Raw inserts in the server's layout (server/core/models.py), for floors and generated backlogs.
INSERT_VISITS = (
    "INSERT INTO visits (id, planner_id, district_id, version, seq, deleted, data, device_id, received_at,"
    " updated_at, started_at, ended_at, duration_s, review) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
)
INSERT_OPS = (
    "INSERT INTO applied_ops (user_id, op_id, device_id, kind, record_id, status, version, error,"
    " applied_at) VALUES (?,?,?,?,?,?,?,?,?)"
)


def visit_row(
    clean: dict[str, Any], rid: str, planner_id: int, seq: int, received: str, device: str, review: str
) -> tuple[Any, ...]:
    """A validated visit as a row for `INSERT_VISITS` (``received``: `sql_time` text)."""
    started, ended = datetime.fromisoformat(clean["started_at"]), datetime.fromisoformat(clean["ended_at"])
    return (
        rid,
        planner_id,
        clean["district_id"],
        1,
        seq,
        0,
        json.dumps(clean, ensure_ascii=False),
        device,
        received,
        received,
        sql_time(clean["started_at"]),
        sql_time(clean["ended_at"]),
        int((ended - started).total_seconds()),
        review,
    )


def op_row(planner_id: int, op_id: str, rid: str, device: str, applied: str) -> tuple[Any, ...]:
    """The op-log row of an applied create, for `INSERT_OPS`."""
    return (planner_id, op_id, device, "visit", rid, "applied", 1, None, applied)


def snapshot(db: Path) -> Path:
    """A consistent copy of a live server database (SQLite's backup API), in a new temporary folder."""
    copy = Path(tempfile.mkdtemp(prefix="fieldlog-snap-")) / "snap.sqlite3"
    with closing(sqlite3.connect(db)) as src, closing(sqlite3.connect(copy)) as dst:
        src.backup(dst)
    return copy


def phone_ids(phone_db: Path) -> list[tuple[str, str]]:
    """The (record id, op id) pairs the phone will push, in outbox order: the floor inserts the same ids."""
    with closing(sqlite3.connect(phone_db)) as c:
        return [(str(r), str(o)) for r, o in c.execute("SELECT record_id, op_id FROM outbox ORDER BY seq")]


def raw_insert(
    template: Path,
    records: list[dict[str, Any]],
    ids: list[tuple[str, str]],
    planner_id: int,
    with_oplog: bool,
    synchronous: str = "FULL",
) -> float:
    """Insert the records as server rows with plain sqlite3, with the server's pragmas (server.core.db)."""
    work = Path(tempfile.mkdtemp(prefix="fieldlog-raw-")) / "raw.sqlite3"
    shutil.copy(template, work)
    conn = sqlite3.connect(work, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={synchronous}")
    conn.execute("PRAGMA temp_store=MEMORY")
    conn.execute("PRAGMA foreign_keys=ON")  # the server checks them too (no measurable cost here)
    now = sql_time(datetime.now(UTC).isoformat())
    rows, ops = [], []
    for seq, (d, (rid, op_id)) in enumerate(zip(records, ids, strict=True), start=1):
        rows.append(visit_row(validate("visit", d), rid, planner_id, seq, now, "dev", "pending"))
        ops.append(op_row(planner_id, op_id, rid, "dev", now))
    # Only the database work is timed: rows are built (and validated) before the clock starts.
    t0 = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(INSERT_VISITS, rows)
    if with_oplog:
        conn.executemany(INSERT_OPS, ops)
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - t0
    conn.close()
    shutil.rmtree(work.parent, ignore_errors=True)
    return elapsed


def on_copy(template: Path, prefix: str, body: Callable[[Any], Awaitable[float]]) -> float:
    """Run ``body(db)`` on a `server.core.db.Database` over a copy of ``template``; return its measure."""
    import asyncio

    from server.core.db import Database

    work = Path(tempfile.mkdtemp(prefix=prefix)) / "s.sqlite3"
    shutil.copy(template, work)

    async def run() -> float:
        db = Database(f"sqlite+aiosqlite:///{work}")
        try:
            return await body(db)
        finally:
            await db.dispose()

    try:
        return asyncio.run(run())
    finally:
        shutil.rmtree(work.parent, ignore_errors=True)


def server_handler_inprocess(template: Path, records: list[dict[str, Any]], batch: int) -> float:
    """The server's push handler alone (no HTTP, no client) on a copy of a migrated SQLite database."""
    from server.core.auth import load_user
    from server.people.service import add_district, create_user
    from server.sync.service import push

    async def body(db: Any) -> float:
        did = await add_district(db, "handler")
        uid = await create_user(db, "handler", "planner", "password-123", district_ids=(did,))
        async with db.read() as c:
            user = await load_user(c, uid)
        assert user is not None
        bodies = [
            {
                "device_id": "dev",
                "ops": [
                    {
                        "op_id": new_id(),
                        "kind": "visit",
                        "id": new_id(),
                        "base_version": 0,
                        "data": {**validate("visit", r), "district_id": did},
                    }
                    for r in records[i : i + batch]
                ],
            }
            for i in range(0, len(records), batch)
        ]
        # Warm the statement caches.
        await push(db, user, {**bodies[0], "ops": bodies[0]["ops"][:1]}, DEFAULT_TZ)
        bodies[0]["ops"] = bodies[0]["ops"][1:]
        with frozen_heap():
            t0 = time.perf_counter()
            for b in bodies:
                await push(db, user, b, DEFAULT_TZ)
            return time.perf_counter() - t0

    return on_copy(template, "fieldlog-handler-", body)


def validated_insert(template: Path, records: list[dict[str, Any]], batch: int, planner_id: int) -> float:
    """The least a validating server does: each record validated, a batch per transaction, no op log,
    no totals, no HTTP (`server.core.db.insert_many` on a copy of the server's database)."""
    from server.core.db import insert_many
    from server.sync.service import TABLES
    from shared.records import validate_parsed

    visits_table = TABLES["visit"]

    async def body(db: Any) -> float:
        async with db.write() as conn:  # warm the connection
            await conn.exec_driver_sql("SELECT 1")
        with frozen_heap():
            t0 = time.perf_counter()
            for start in range(0, len(records), batch):
                now = datetime.now(UTC)
                rows = []
                for seq, data in enumerate(records[start : start + batch], start=start + 1):
                    clean, times = validate_parsed("visit", data)
                    started, ended = times["started_at"], times["ended_at"]
                    assert started is not None and ended is not None
                    rows.append(
                        {
                            "id": new_id(),
                            "planner_id": planner_id,
                            "district_id": clean["district_id"],
                            "version": 1,
                            "seq": 10**9 + seq,
                            "deleted": False,
                            "data": clean,
                            "device_id": "dev",
                            "received_at": now,
                            "updated_at": now,
                            "started_at": started,
                            "ended_at": ended,
                            "duration_s": int((ended - started).total_seconds()),
                            "review": "pending",
                        }
                    )
                async with db.write() as conn:
                    await insert_many(conn, visits_table, rows)
            return time.perf_counter() - t0

    return on_copy(template, "fieldlog-validated-", body)


@contextmanager
def frozen_heap() -> Iterator[None]:
    """Keep this process's own objects out of the cyclic GC, as the server does after start-up."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def server_rows(db: Path, planner_id: int) -> tuple[int, int, int]:
    with sqlite3.connect(db) as c:
        n, distinct, max_v = c.execute(
            "SELECT count(*), count(DISTINCT id), coalesce(max(version), 0) FROM visits WHERE planner_id = ?",
            (planner_id,),
        ).fetchone()
    return int(n), int(distinct), int(max_v)


def timed_sync(store: LocalStore, url: str, token: str) -> dict[str, Any]:
    marks: dict[str, float] = {}

    def progress(p: SyncProgress) -> None:
        marks.setdefault(p.phase, time.perf_counter())

    client_s = 0.0

    def timing(fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapped(*a: Any, **k: Any) -> Any:
            nonlocal client_s
            t = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                client_s += time.perf_counter() - t

        return wrapped

    store.take_push_batch = timing(store.take_push_batch)  # type: ignore[method-assign]
    store.apply_push_results = timing(store.apply_push_results)  # type: ignore[method-assign]
    engine = SyncEngine(store, url, token, batch_size=1000, progress=progress)
    # The push requests go one at a time, so their summed wall time is the time a request was in flight.
    requests_s = 0.0
    send = engine._send_push

    def timed_send(body: bytes) -> tuple[dict[str, Any], float, float]:
        nonlocal requests_s
        wire["push_json"] += len(body)
        t = time.perf_counter()
        try:
            return send(body)
        finally:
            requests_s += time.perf_counter() - t

    engine._send_push = timed_send  # type: ignore[method-assign]
    # Bytes on the wire (bodies as sent, gzip where the engine and server use it) against their JSON.
    wire = {"push_sent": 0, "push_json": 0, "pull_received": 0, "pull_json": 0}
    request = engine._request

    def counted_request(method: str, url: str, **kwargs: Any) -> httpx.Response:
        resp = request(method, url, **kwargs)
        if url.endswith("/sync/push"):
            wire["push_sent"] += len(resp.request.content)
        elif url.startswith("/api/sync/pull"):
            wire["pull_received"] += resp.num_bytes_downloaded
            wire["pull_json"] += len(resp.content)
        return resp

    engine._request = counted_request  # type: ignore[method-assign]
    t0 = time.perf_counter()
    report = engine.sync()
    t1 = time.perf_counter()
    engine.close()
    push_end = marks.get("photos", marks.get("pull", t1))
    return {
        "sync_s": t1 - t0,
        "push_s": push_end - t0,
        "push_client_s": client_s,
        "push_requests_s": requests_s,
        "pull_s": t1 - marks.get("pull", t1),
        "wire": wire,
        "report": report,
    }


def naive(url: str, token: str, records: list[dict[str, Any]]) -> float:
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:
        t0 = time.perf_counter()
        for d in records:
            clean = validate("visit", d)
            body = {
                "device_id": "naive",
                "ops": [
                    {
                        "op_id": new_id(),
                        "kind": "visit",
                        "id": new_id(),
                        "base_version": 0,
                        "data": clean,
                    }
                ],
            }
            r = client.post("/api/sync/push", json=body)
            r.raise_for_status()
            assert r.json()["results"][0]["status"] == "applied"
        return time.perf_counter() - t0


def main() -> int:
    results: dict[str, list[float]] = {
        k: []
        for k in (
            "engine_push_s",
            "engine_push_client_s",
            "engine_push_requests_s",
            "engine_sync_s",
            "engine_pull_s",
            "repush_s",
            "raw_insert_s",
            "raw_insert_with_oplog_s",
            "raw_insert_sync_normal_s",
            "naive_per_record_s",
            "server_handler_inprocess_s",
            "validated_insert_s",
        )
    }
    wire: dict[str, list[int]] = {"push_sent": [], "push_json": [], "pull_received": [], "pull_json": []}
    with ServerProcess() as srv:
        srv.migrate()
        district_id = srv.add_district(DISTRICT)
        srv.start()
        data = visits(N, district_id)
        for run in range(RUNS):
            planner = f"bench{run}"
            planner_id = srv.add_user(planner, "planner", (DISTRICT,))
            session = login(srv.url, planner, PASSWORD)
            work = Path(tempfile.mkdtemp(prefix="fieldlog-phone-"))
            store = LocalStore(work / "phone.sqlite3")
            store.save_many("visit", data)
            store.close()
            ids = phone_ids(work / "phone.sqlite3")
            shutil.copytree(work, work.with_name(work.name + "-copy"))  # the phone before the sync
            # The floor and the in-process handler start from the database this push starts from.
            before = snapshot(srv.db_path)
            store = LocalStore(work / "phone.sqlite3")
            first = timed_sync(store, srv.url, session.token)
            store.close()
            rep = first["report"]
            assert rep.pushed == N and rep.duplicates == 0, rep
            assert server_rows(srv.db_path, planner_id) == (N, N, 1)

            copy = LocalStore(work.with_name(work.name + "-copy") / "phone.sqlite3")
            again = timed_sync(copy, srv.url, session.token)
            assert again["report"].duplicates == N and again["report"].pushed == 0, again["report"]
            assert copy.outbox_count() == 0
            copy.close()
            assert server_rows(srv.db_path, planner_id) == (N, N, 1), "re-push changed the server's rows"

            for key, n in first["wire"].items():
                wire[key].append(n)
            results["engine_push_s"].append(first["push_s"])
            results["engine_push_client_s"].append(first["push_client_s"])
            results["engine_push_requests_s"].append(first["push_requests_s"])
            results["engine_sync_s"].append(first["sync_s"])
            results["engine_pull_s"].append(first["pull_s"])
            results["repush_s"].append(again["push_s"])
            results["raw_insert_s"].append(raw_insert(before, data, ids, planner_id, False))
            results["raw_insert_with_oplog_s"].append(raw_insert(before, data, ids, planner_id, True))
            results["raw_insert_sync_normal_s"].append(
                raw_insert(before, data, ids, planner_id, False, synchronous="NORMAL")
            )
            results["server_handler_inprocess_s"].append(server_handler_inprocess(before, data, 1000))
            results["validated_insert_s"].append(validated_insert(before, data, 1000, planner_id))
            shutil.rmtree(before.parent, ignore_errors=True)

            naive_user = f"naive{run}"
            srv.add_user(naive_user, "planner", (DISTRICT,))
            naive_session = login(srv.url, naive_user, PASSWORD)
            results["naive_per_record_s"].append(
                naive(srv.url, naive_session.token, data[:NAIVE_N]) * N / NAIVE_N
            )
            shutil.rmtree(work, ignore_errors=True)
            shutil.rmtree(work.with_name(work.name + "-copy"), ignore_errors=True)
            print(f"run {run + 1}/{RUNS}: push {first['push_s']:.3f} s", file=sys.stderr)

    med = {k: round(statistics.median(v), 4) for k, v in results.items()}
    out: dict[str, Any] = {
        "benchmark": "sync_push",
        "records": N,
        "runs": RUNS,
        "database": "SQLite (server subprocess on 127.0.0.1)",
        "batch_size": 1000,
        "cpus": os.cpu_count(),
        "load_avg_1m_at_end": round(os.getloadavg()[0], 2),
        "median": med,
        "all_runs": {k: [round(x, 4) for x in v] for k, v in results.items()},
        "naive_scaled_from": f"{NAIVE_N} one-record POSTs timed, scaled x{N / NAIVE_N:g} to {N}",
        "ratio_push_vs_raw": round(med["engine_push_s"] / med["raw_insert_s"], 2),
        # Paired: each run's push over the floor on the database that push started from.
        "ratio_push_vs_raw_each_run": [
            round(p / r, 2) for p, r in zip(results["engine_push_s"], results["raw_insert_s"], strict=True)
        ],
        "ratio_push_vs_raw_with_oplog": round(med["engine_push_s"] / med["raw_insert_with_oplog_s"], 2),
        "ratio_push_vs_raw_sync_normal": round(med["engine_push_s"] / med["raw_insert_sync_normal_s"], 2),
        "ratio_validated_insert_vs_raw": round(med["validated_insert_s"] / med["raw_insert_s"], 2),
        "ratio_push_vs_validated_insert": round(med["engine_push_s"] / med["validated_insert_s"], 2),
        "where_push_time_goes": {
            # The phone's store work runs while the server handles the batch before (app/sync.py), so
            # only its part outside the requests adds to the push.
            "client_store_s": med["engine_push_client_s"],
            "client_outside_requests_s": round(med["engine_push_s"] - med["engine_push_requests_s"], 4),
            "requests_s": med["engine_push_requests_s"],
            "server_handler_s": med["server_handler_inprocess_s"],
            "http_json_framework_and_rest_s": round(
                med["engine_push_requests_s"] - med["server_handler_inprocess_s"], 4
            ),
        },
        "speedup_vs_naive": round(med["naive_per_record_s"] / med["engine_push_s"], 1),
        # What a phone's link carries for the first sync of N records (gzip both ways), and the JSON it is.
        "wire_bytes_per_record": {
            "push_sent": round(statistics.median(wire["push_sent"]) / N),
            "push_json": round(statistics.median(wire["push_json"]) / N),
            "pull_received": round(statistics.median(wire["pull_received"]) / N),
            "pull_json": round(statistics.median(wire["pull_json"]) / N),
        },
        "targets": {
            "push_10k_le_3s": med["engine_push_s"] <= 3.0,
            "push_le_5x_raw": med["engine_push_s"] <= 5 * med["raw_insert_s"],
            "ge_20x_naive": med["naive_per_record_s"] >= 20 * med["engine_push_s"],
            "repush_le_1s": med["repush_s"] <= 1.0,
        },
    }
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
