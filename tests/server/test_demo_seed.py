"""`fieldlog demo` seeds a demo year once: planners in three districts, a dashboard with alerts, and the
pool behind them (members, candidates in review and in notice, open requests)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from server.cli import _seed_demo
from server.core.settings import Settings
from tests.server.world import make_api

POOL_TABLES = ("pool_candidates", "pool_objections", "dispatch_requests", "dispatches", "dispatch_terms")


@pytest.mark.parametrize(
    ("profile", "alerts"),
    [
        ("chongqing", {"absence_warning", "behind_pace"}),
        ("pingdingshan", {"term_ending", "short_exit_notice"}),
    ],
)
async def test_demo_year_is_seeded_once_and_makes_the_dashboard_meaningful(
    db_url: str, tmp_path: Path, profile: str, alerts: set[str]
) -> None:
    async with make_api(db_url, tmp_path, profile) as api:
        settings = Settings(data_dir=api.settings.data_dir, database_url=db_url, profile_name=profile)
        await _seed_demo(settings)
        tables = (
            "users",
            "visits",
            "opinions",
            "activities",
            "attendance",
            "allowance_periods",
            "allowance_lines",
            "travel_claims",
            "work_funds",
            "feedback_forwards",
            "district_assessments",
            "report_submissions",
            *POOL_TABLES,
        )
        counts = {t: await api.count(t) for t in tables}
        await _seed_demo(settings)
        assert {t: await api.count(t) for t in counts} == counts
        coord = await api.login("coord1", "fieldlog-demo")
        year = datetime.now(ZoneInfo(settings.tz)).year
        dash = (await coord.get("/api/dashboard", params={"year": year})).json()
        assert len(dash["planners"]) == 10 and len(dash["districts"]) == 3
        codes = {(a["code"], a["planner_name"]) for a in dash["alerts"]}
        assert {c for c, _ in codes} == alerts
        staff = await api.login("staff1", "fieldlog-demo")
        queue = (await staff.get("/api/review/queue")).json()["visits"]
        assert queue and any(v["flags"] for v in queue) and any(not v["flags"] for v in queue)

        # The parts around the year, in the profiles that have them.
        if profile == "pingdingshan":
            [period] = (await coord.get("/api/allowance/periods")).json()["periods"]
            assert period["name"] == f"{year}年度" and period["yearly_amount"] == "5000.00"
            detail = (await coord.get(f"/api/allowance/periods/{period['id']}")).json()
            lines = {x["display_name"]: x for x in detail["lines"]}
            assert lines["张规划"]["paid"] and lines["张规划"]["amount"] == "5000.00"
            assert lines["吴建国"]["flagged"] and lines["吴建国"]["basis"] == "short_term"  # PDS-11 exit
            assert counts["travel_claims"] == counts["work_funds"] == 0
            assert counts["district_assessments"] == 1
        else:
            assert counts["allowance_periods"] == 0
            claims = (await staff.get("/api/claims")).json()
            assert sorted(c["status"] for c in claims["claims"]) == ["approved", "pending"]
            assert counts["work_funds"] == 2
        assert counts["feedback_forwards"] == 1
        bureau = [
            a for a in (await coord.get("/api/activities")).json()["activities"] if a["held_by"] == "bureau"
        ]
        assert len(bureau) == 1 and len(bureau[0]["invitations"]) == 10


@pytest.mark.parametrize("profile", ["chongqing", "pingdingshan"])
async def test_demo_pool_has_something_on_every_screen_of_the_term(
    db_url: str, tmp_path: Path, profile: str
) -> None:
    async with make_api(db_url, tmp_path, profile) as api:
        settings = Settings(data_dir=api.settings.data_dir, database_url=db_url, profile_name=profile)
        await _seed_demo(settings)
        coord = await api.login("coord1", "fieldlog-demo")
        counts = (await coord.get("/api/pool/candidates")).json()["counts"]
        assert counts["member"] >= 12 and counts["applied"] >= 1
        if profile == "pingdingshan":
            assert counts["in_notice"] == 1
            [c] = (await coord.get("/api/pool/candidates", params={"status": "in_notice"})).json()[
                "candidates"
            ]
            assert c["objection_open"]
        serving = (await coord.get("/api/dispatches", params={"status": "serving"})).json()["dispatches"]
        assert len(serving) == 10
        # The planners' terms come from their dispatches.
        planners = {p["username"]: p for p in (await coord.get("/api/planners")).json()["planners"]}
        assert all(planners[f"planner{n}"]["term_start"] for n in range(1, 11))
        open_requests = (await coord.get("/api/dispatch-requests", params={"status": "open"})).json()[
            "requests"
        ]
        assert len(open_requests) >= 2 and any(r["replaces_dispatch_id"] for r in open_requests)
        gaps = (await coord.get("/api/pool/specialty-gaps")).json()["gaps"]
        assert "farmland_protection" in [g["specialty"] for g in gaps]
        ranked = (await coord.get(f"/api/dispatch-requests/{open_requests[0]['id']}/candidates")).json()
        assert ranked["candidates"]
        if profile == "chongqing":
            proposed = (await coord.get("/api/dispatches", params={"status": "proposed"})).json()[
                "dispatches"
            ]
            assert [sum(1 for s in d["steps"] if s["done_on"]) for d in proposed] == [2]
        staff = await api.login("staff2", "fieldlog-demo")
        assert (await staff.get("/api/terms")).json()["terms"]
        planner = await api.login("planner1", "fieldlog-demo")
        [mine] = (await planner.get("/api/dispatches")).json()["dispatches"]
        assert mine["notice"]["paragraphs"]


async def test_a_demo_database_from_before_the_pool_gets_the_pool_on_the_next_run(
    db_url: str, tmp_path: Path
) -> None:
    async with make_api(db_url, tmp_path, "pingdingshan") as api:
        settings = Settings(data_dir=api.settings.data_dir, database_url=db_url, profile_name="pingdingshan")
        await _seed_demo(settings)
        async with api.db.write() as conn:
            for table in (
                "dispatch_contracts",
                "appointment_steps",
                "dispatch_terms",
                "dispatches",
                *POOL_TABLES,
            ):
                await conn.execute(sa.text(f"DELETE FROM {table}"))
        visits = await api.count("visits")
        await _seed_demo(settings)
        assert await api.count("visits") == visits
        assert await api.count("dispatches") == 10 and await api.count("pool_candidates") == 15
