"""Time ``GET /api/dashboard`` (coordinator, all planners) over 1,000,000 visits of 2,000 planners (SQLite;
``BENCH_ENGINE=postgresql``: the same rows on PostgreSQL, `bench._pg`).

Reuses the visit generator and cache of `bench.summary` and adds, per planner, opinions with follow-ups,
feedback, a term start, and district activities with attendance (``BENCH_OPINIONS_PER_PLANNER``, default 20).
Prints JSON: the median over ``BENCH_RUNS`` HTTP requests after one warm-up, and the answer's size.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import sqlite3
import statistics
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench._server import ServerProcess, timed_get
from bench.summary import DATABASE, ENGINE, PLANNERS, RUNS, VISITS, YEAR, YEARS, prepared_db

OPINIONS = int(os.environ.get("BENCH_OPINIONS_PER_PLANNER", "20"))


def _t(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def add_extras(db: Path) -> dict[str, int]:
    rnd = random.Random(4)
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("BEGIN")
    now = _t(datetime.now(UTC))
    planners = [
        (u, d)
        for u, d in conn.execute(
            "SELECT u.id, min(l.district_id) FROM users u JOIN user_districts l ON l.user_id = u.id"
            " WHERE u.role = 'planner' GROUP BY u.id"
        )
    ]
    seq = int(conn.execute("SELECT value FROM change_seq").fetchone()[0])
    start = datetime(YEAR, 1, 1, tzinfo=UTC) - timedelta(hours=8)
    opinions, followups, feedback = [], [], []
    for pid, did in planners:
        for k in range(OPINIONS):
            seq += 1
            oid = str(uuid.UUID(int=rnd.getrandbits(128), version=4))
            at = _t(start + timedelta(seconds=rnd.randrange(360 * 86400)))
            data = json.dumps(
                {"district_id": did, "subject": "方案", "opinion_kind": "plan_review", "body": "同意"}
            )
            opinions.append((oid, pid, did, 1, seq, 0, data, "gen", now, now, at))
            if k % 2 == 0:
                followups.append((oid, ("adopted", "partly", "not_adopted")[k % 3], 1 + k % 5, now))
            seq += 1
            fid = str(uuid.UUID(int=rnd.getrandbits(128), version=4))
            fdata = json.dumps(
                {"district_id": did, "place": "社区", "category": "traffic", "content": "拥堵"}
            )
            feedback.append((fid, pid, did, 1, seq, 0, fdata, "gen", now, now, at))
    cols = "id, planner_id, district_id, version, seq, deleted, data, device_id, received_at, updated_at"
    conn.executemany(f"INSERT INTO opinions ({cols}, issued_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)", opinions)
    conn.executemany(f"INSERT INTO feedback ({cols}, collected_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)", feedback)
    conn.executemany(
        "INSERT INTO opinion_followups (opinion_id, adoption, quality, recorded_at) VALUES (?,?,?,?)",
        followups,
    )
    conn.executemany(
        "INSERT INTO planner_profiles (user_id, term_start, updated_at) VALUES (?,?,?)",
        [(pid, f"{YEAR - 1}-{1 + pid % 12:02d}-15", now) for pid, _ in planners],
    )
    districts = sorted({d for _, d in planners})
    attendance = []
    for i, did in enumerate(districts * 6):
        at = _t(start + timedelta(days=30 + i))
        aid = conn.execute(
            "INSERT INTO activities (district_id, topic, place, starts_at, created_at) VALUES (?,?,?,?,?)",
            (did, "咨询会", "会议室", at, now),
        ).lastrowid
        for pid, d in planners:
            if d == did:
                attendance.append((aid, pid, ("attended", "excused", "unexcused")[rnd.randrange(3)]))
    conn.executemany("INSERT INTO attendance (activity_id, planner_id, status) VALUES (?,?,?)", attendance)
    conn.execute("UPDATE change_seq SET value = ?", (seq,))
    conn.execute("COMMIT")
    conn.close()
    return {
        "opinions": len(opinions),
        "followups": len(followups),
        "feedback": len(feedback),
        "attendance": len(attendance),
    }


def main() -> int:
    if ENGINE == "postgresql":
        from bench._pg import dashboard_dataset

        url, gen_s, extras = dashboard_dataset()
        with ServerProcess(database_url=url) as srv:
            srv.start()
            times, warm = timed_get(srv, f"/api/dashboard?year={YEAR}", RUNS)
    else:
        cached, gen_s = prepared_db()
        with ServerProcess() as srv:
            srv.data_dir.mkdir(parents=True, exist_ok=True)
            shutil.copy(cached, srv.db_path)
            srv.migrate()
            extras = add_extras(srv.db_path)
            srv.cli("db", "totals", "--repair")  # the extras were written behind the server's back
            srv.start()
            times, warm = timed_get(srv, f"/api/dashboard?year={YEAR}", RUNS)
    body = warm.json()
    assert len(body["planners"]) == PLANNERS, len(body["planners"])
    med = statistics.median(times)
    print(
        json.dumps(
            {
                "benchmark": "dashboard",
                "visits": VISITS,
                "planners": PLANNERS,
                "year": YEAR,
                "years_of_visits": YEARS,
                **extras,
                "database": DATABASE,
                "runs": RUNS,
                "cpus": os.cpu_count(),
                "load_avg_1m_at_end": round(os.getloadavg()[0], 2),
                "median_http_s": round(med, 4),
                "all_http_s": [round(x, 4) for x in times],
                "answer_bytes": len(warm.content),
                "alerts": len(body["alerts"]),
                "visits_confirmed_in_answer": sum(p["visits_confirmed"] for p in body["planners"]),
                "generate_s": round(gen_s, 1) if gen_s else "cached",
                "under_1s": med < 1.0,
            },
            indent=2,
            ensure_ascii=False,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
