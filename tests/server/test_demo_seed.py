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
        counts = {t: await api.count(t) for t in ("users", "visits", "opinions", "activities", "attendance")}
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
