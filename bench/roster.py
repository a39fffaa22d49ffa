"""Time the roster import (`server.admin`) of ``BENCH_ROSTER_ROWS`` people (default: the most a file may hold)
on a fresh SQLite database, with the real argon2 cost: checking the file (a dry run), and importing it,
whose time is almost all password hashing; in the same run, one password hash alone and two at once in
threads (argon2 already uses several cores for one hash), as a ratio. Prints JSON.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

import openpyxl

from server.admin.roster import MAX_ROWS
from server.admin.service import apply_roster, check_roster
from server.core.auth import hash_password
from server.core.db import Database
from server.core.migrate import upgrade
from server.people.service import add_district
from shared.profiles import load_profile

ROWS = int(os.environ.get("BENCH_ROSTER_ROWS", str(MAX_ROWS)))
RUNS = int(os.environ.get("BENCH_RUNS", "3"))


def roster_bytes(rows: int) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["用户名", "姓名", "角色", "区县", "专业方向", "聘期开始"])
    for i in range(rows):
        ws.append([f"planner{i}", f"规划师{i}", "规划师", "示范区", "城市更新", "2026-01-01"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


async def main() -> dict[str, object]:
    data = roster_bytes(ROWS)
    profile = load_profile("pingdingshan")
    checks: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.sqlite3'}")
        await upgrade(db)
        await add_district(db, "示范区")
        for _ in range(RUNS):
            t = time.perf_counter()
            roster = await check_roster(db, profile, data)
            checks.append(time.perf_counter() - t)
        assert not roster.errors and len(roster.rows) == ROWS
        t = time.perf_counter()
        people = await apply_roster(db, roster, None)
        imported = time.perf_counter() - t
        assert len(people) == ROWS
        await db.dispose()
    singles, pairs = [], []
    for i in range(RUNS * 3):
        t = time.perf_counter()
        hash_password(f"password-{i}")
        singles.append(time.perf_counter() - t)
        t = time.perf_counter()
        await asyncio.gather(*(asyncio.to_thread(hash_password, f"pair-{i}-{k}") for k in range(2)))
        pairs.append(time.perf_counter() - t)
    return {
        "rows": ROWS,
        "file_bytes": len(data),
        "check_median_s": round(statistics.median(checks), 3),
        "import_s": round(imported, 2),
        "import_per_row_ms": round(imported / ROWS * 1000, 1),
        "hash_median_ms": round(statistics.median(singles) * 1000, 1),
        "two_hashes_at_once_median_ms": round(statistics.median(pairs) * 1000, 1),
        "two_at_once_vs_two_in_turn": round(statistics.median(pairs) / (2 * statistics.median(singles)), 2),
        "cpus": os.cpu_count(),
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main()), ensure_ascii=False))
