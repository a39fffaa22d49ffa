"""Time ``GET /api/appraisal/{year}`` (coordinator, all planners) over 1,000,000 visits of 2,000 planners.

Uses the dataset of `bench.dashboard` (the cached visits of `bench.summary` plus opinions, follow-ups,
feedback, terms and attendance) on a real server subprocess (SQLite; ``BENCH_ENGINE=postgresql``: the same
rows on PostgreSQL, `bench._pg`). ``BENCH_BEFORE=<git ref>`` also
times the server of that commit (a temporary ``git worktree``) on the same database in the same run, and
checks that both answer the same numbers and grades. Prints JSON: the median over ``BENCH_RUNS`` HTTP
requests after one warm-up, per server, and the dashboard's median on the same data for comparison.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench._server import ServerProcess, timed_get
from bench.dashboard import add_extras
from bench.summary import DATABASE, ENGINE, PLANNERS, RUNS, VISITS, YEAR, YEARS, prepared_db

ROOT = Path(__file__).resolve().parent.parent
BEFORE = os.environ.get("BENCH_BEFORE", "").strip()


@contextmanager
def checkout(ref: str) -> Iterator[Path]:
    """A detached worktree of ``ref``; the server subprocess runs from it (``python -m server`` puts its
    working directory first on sys.path, ahead of the editable install)."""
    where = Path(tempfile.mkdtemp(prefix="fieldlog-before-")) / "tree"
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(where), ref],
        check=True,
        capture_output=True,
    )
    try:
        yield where
    finally:
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(where)],
            check=False,
            capture_output=True,
        )
        shutil.rmtree(where.parent, ignore_errors=True)


def timed(srv: ServerProcess, path: str) -> tuple[list[float], dict[str, Any], int]:
    times, warm = timed_get(srv, path, RUNS)
    return times, warm.json(), len(warm.content)


def serve(srv: ServerProcess, cwd: Path) -> None:
    here = Path.cwd()
    os.chdir(cwd)
    try:
        srv.start()
    finally:
        os.chdir(here)


def essentials(body: dict[str, Any]) -> list[tuple[Any, ...]]:
    """What must not change: each planner's indicator values, suggestion and final grade."""
    return [
        (
            p["planner_id"],
            tuple(
                sorted(
                    (k, v["value"]) for k, v in p["dossier"].items() if isinstance(v, dict) and "value" in v
                )
            ),
            p["dossier"]["absence_warning"],
            p["dossier"]["meets_target"],
            p["suggested_grade"],
            tuple(p["suggestion_reasons"]),
            p["suggestion_rank"],
            p["final_grade"],
        )
        for p in body["planners"]
    ]


def main() -> int:
    cached, gen_s = prepared_db() if ENGINE != "postgresql" else (Path(), 0.0)
    path = f"/api/appraisal/{YEAR}"
    result: dict[str, Any] = {
        "benchmark": "appraisal",
        "visits": VISITS,
        "planners": PLANNERS,
        "year": YEAR,
        "years_of_visits": YEARS,
        "database": DATABASE,
        "runs": RUNS,
        "cpus": os.cpu_count(),
    }
    url = ""
    if ENGINE == "postgresql":
        from bench._pg import dashboard_dataset

        url, gen_s, extras = dashboard_dataset()
        result.update(extras)
    with ServerProcess(database_url=url) as srv:
        if not url:
            srv.data_dir.mkdir(parents=True, exist_ok=True)
            shutil.copy(cached, srv.db_path)
            srv.migrate()
            result.update(add_extras(srv.db_path))
            srv.cli("db", "totals", "--repair")  # the extras were written behind the server's back
        before_body = None
        if BEFORE:
            with checkout(BEFORE) as tree:
                serve(srv, tree)
                times, before_body, size = timed(srv, path)
                srv.stop()
            result["before"] = {
                "ref": BEFORE,
                "median_http_s": round(statistics.median(times), 4),
                "all_http_s": [round(x, 4) for x in times],
                "answer_bytes": size,
            }
        serve(srv, ROOT)
        times, body, size = timed(srv, path)
        dash_times, _, _ = timed(srv, f"/api/dashboard?year={YEAR}")
        srv.stop()
    assert body["appraised"] == PLANNERS, body["appraised"]
    med = statistics.median(times)
    result["after"] = {
        "ref": "working tree",
        "median_http_s": round(med, 4),
        "all_http_s": [round(x, 4) for x in times],
        "answer_bytes": size,
        "suggested": {g: sum(p["suggested_grade"] == g for p in body["planners"]) for g in body["grades"]},
    }
    if before_body is not None:
        result["same_numbers_and_grades_as_before"] = essentials(before_body) == essentials(body)
    result["dashboard_median_http_s"] = round(statistics.median(dash_times), 4)
    result["load_avg_1m_at_end"] = round(os.getloadavg()[0], 2)
    result["generate_s"] = round(gen_s, 1) if gen_s else "cached"
    result["under_1s"] = med < 1.0
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
