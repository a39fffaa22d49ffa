"""`fieldlog demo` seeds a demo year once: planners in three districts, a dashboard with alerts."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.cli import _seed_demo
from server.core.settings import Settings
from tests.server.world import make_api


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
        )
        counts = {t: await api.count(t) for t in tables}
        await _seed_demo(settings)
        assert {t: await api.count(t) for t in counts} == counts
        coord = await api.login("coord1", "fieldlog-demo")
        from datetime import datetime
        from zoneinfo import ZoneInfo

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
