"""Time the term's reads over a large pool: ``BENCH_CANDIDATES`` (2,000) candidates, ``BENCH_DISPATCHES``
(300) of them dispatched on as many requests in 30 districts, on a real server subprocess (SQLite).

The pool's views load it whole and compute standing, eligibility and ranking in Python
(`server.term.data`); this measures what that costs at a size beyond any one city's pool. Candidates,
requests and accounts are inserted with SQL; the dispatches go through the pick service, as the bureau's
would. Prints JSON: the median over ``BENCH_RUNS`` requests after one warm-up, per endpoint, and the body
size.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from bench._server import PASSWORD, ServerProcess, timed_get

CANDIDATES = int(os.environ.get("BENCH_CANDIDATES", "2000"))
DISPATCHES = int(os.environ.get("BENCH_DISPATCHES", "300"))
RUNS = int(os.environ.get("BENCH_RUNS", "7"))
DISTRICTS = 30
SPECIALTIES = (
    "spatial_planning",
    "urban_renewal",
    "farmland_protection",
    "land_use_control",
    "municipal_transport",
    "architecture",
    "landscape",
    "urban_design",
)


async def seed(srv: ServerProcess) -> int:
    """The pool, the requests and the dispatches; returns an open request's id."""
    from server.core.auth import hash_password, load_user
    from server.core.db import Database, utcnow
    from server.core.models import User, dispatch_requests, pool_candidates, table_of
    from server.core.settings import Settings
    from server.term.dispatch import pick

    settings = Settings.from_env(srv.env)
    db = Database(settings.database_url)
    now = utcnow()
    start = date(2026, 1, 1)
    pw = hash_password(PASSWORD)
    async with db.write() as conn:
        districts = [r[0] for r in await conn.execute(sa.text("SELECT id FROM districts ORDER BY id"))]
        users = table_of(User)
        accounts = [
            (
                await conn.execute(
                    users.insert()
                    .values(
                        username=f"bp{i}",
                        password_hash=pw,
                        role="planner",
                        display_name=f"规划师{i}",
                        active=True,
                        created_at=now,
                    )
                    .returning(users.c.id)
                )
            ).scalar_one()
            for i in range(DISPATCHES)
        ]
        rows = []
        for i in range(CANDIDATES):
            rows.append(
                {
                    "name": f"候选人{i:05d}",
                    "applied_on": start - timedelta(days=90),
                    "user_id": accounts[i] if i < DISPATCHES else None,
                    "degree": ("bachelor", "master", "doctorate")[i % 3],
                    "degree_field": "urban_rural_planning",
                    "title": ("intermediate", "associate_senior", "senior")[i % 3],
                    "registered_planner": i % 2 == 0,
                    "practising_qualification": None,
                    "years_in_field": 5 + i % 25,
                    "specialties": [SPECIALTIES[i % 8], SPECIALTIES[(i * 3 + 1) % 8]],
                    "local_familiarity": None,
                    "violations": [{"on": None, "note": "失信记录"}]
                    if i >= DISPATCHES and i % 50 == 0
                    else [],
                    "stage": "in_notice",
                    "reviewed_on": start - timedelta(days=60),
                    "notice_starts_on": start - timedelta(days=55),
                    "notice_ends_on": start - timedelta(days=48),
                    "created_at": now,
                    "updated_at": now,
                }
            )
        await conn.execute(pool_candidates.insert(), rows)
        await conn.execute(
            dispatch_requests.insert(),
            [
                {
                    "district_id": districts[i % DISTRICTS],
                    "specialties": [SPECIALTIES[i % 8], SPECIALTIES[(i + 2) % 8]],
                    "planners_needed": 1,
                    "service_focus": "技术把关",
                    "filed_on": start - timedelta(days=20),
                    "created_at": now,
                }
                for i in range(DISPATCHES + 10)
            ],
        )
        coord_id = (await conn.execute(sa.text("SELECT id FROM users WHERE username = 'coord'"))).scalar_one()
        coord = await load_user(conn, coord_id)
    assert coord is not None
    for i in range(DISPATCHES):
        await pick(db, settings, coord, i + 1, {"candidate_id": i + 1, "starts_on": start.isoformat()})
    await db.dispose()
    return DISPATCHES + 1


def main() -> None:
    out: dict[str, Any] = {
        "candidates": CANDIDATES,
        "dispatches": DISPATCHES,
        "districts": DISTRICTS,
        "runs": RUNS,
    }
    with ServerProcess() as srv:
        srv.env["FIELDLOG_PROFILE"] = "pingdingshan"
        srv.migrate()
        for d in range(DISTRICTS):
            srv.add_district(f"区{d:02d}")
        srv.add_user("coord", "coordinator")
        open_request = asyncio.run(seed(srv))
        srv.start()
        for name, path in (
            ("pool_candidates", "/api/pool/candidates"),
            ("request_candidates", f"/api/dispatch-requests/{open_request}/candidates"),
            ("terms", "/api/terms"),
            ("district_gaps", "/api/terms/gaps"),
            ("specialty_gaps", "/api/pool/specialty-gaps"),
            ("idle", "/api/pool/idle?days=30"),
            ("dispatch_list", "/api/dispatches"),
        ):
            times, warm = timed_get(srv, path, RUNS)
            assert warm.status_code == 200, warm.text
            out[name] = {"median_s": round(statistics.median(times), 4), "bytes": len(warm.content)}
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
