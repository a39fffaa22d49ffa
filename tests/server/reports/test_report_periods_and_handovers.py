"""CQ-8 through the API: the periodic record follows the profile's report_period_months (a quarter in
Chongqing, the setting elsewhere); each district's submission and the bureau's forward to the HR bureau
(CQ-1) are recorded with their dates and who recorded them."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import pytest

from server.core.settings import Settings
from tests.server.conftest import Api, World
from tests.server.world import YEAR, make_api


async def _download(w: World, report: str, params: dict[str, object]) -> openpyxl.Workbook:
    link = await w.coord.post("/api/reports/links", json={"report": report, "params": params})
    assert link.status_code == 200, link.text
    resp = await w.api.client().get(link.json()["url"])
    assert resp.status_code == 200, resp.text
    return openpyxl.load_workbook(io.BytesIO(resp.content))


@pytest.mark.parametrize("profile", ["chongqing", "pingdingshan"])
async def test_cq8_the_periodic_record_follows_the_profiles_report_period(
    db_url: str, tmp_path: Path, profile: str
) -> None:
    async with make_api(db_url, tmp_path, profile) as api:
        w = await World(api).build()
        # Chongqing's seed sets 3 months; Pingdingshan's sets none, so the setting (3 by default) applies.
        assert api.settings.profile.report_period_months == (3 if profile == "chongqing" else None)
        assert api.settings.period_months == 3
        wb = await _download(w, "quarterly", {"year": YEAR, "period": 2, "district_id": w.a})
        assert wb["咨询服务记录"]["A1"].value.endswith(f"（{YEAR}年第2季度）")
        old = await _download(w, "hr-summary", {"year": YEAR, "quarter": 4})  # the name older phones send
        assert old.sheetnames == ["季度通报"]
        bad = await w.coord.get("/api/reports/hr-summary.xlsx", params={"year": YEAR, "period": 5})
        assert bad.status_code == 400 and bad.json()["field"] == "period"
        both = await w.coord.get(
            "/api/reports/hr-summary.xlsx", params={"year": YEAR, "period": 1, "quarter": 2}
        )
        assert both.status_code == 400 and both.json()["field"] == "period"


async def test_a_deployment_without_a_policy_period_reports_monthly_when_set(api: Api, world: World) -> None:
    monthly = replace(api.settings, profile_name="pingdingshan", report_period_months=1)
    assert (
        Settings.from_env(
            {"FIELDLOG_REPORT_PERIOD_MONTHS": "1", "FIELDLOG_PROFILE": "pingdingshan"}
        ).period_months
        == 1
    )
    api.app.state.settings = monthly
    wb = await _download(world, "quarterly", {"year": YEAR, "period": 11, "district_id": world.a})
    assert wb["咨询服务记录"]["A1"].value.endswith(f"（{YEAR}年11月）")
    with pytest.raises(ValueError, match="FIELDLOG_REPORT_PERIOD_MONTHS"):
        Settings.from_env({"FIELDLOG_REPORT_PERIOD_MONTHS": "5"})


@pytest.mark.parametrize("profile", ["chongqing", "pingdingshan"])
async def test_cq8_submissions_and_the_forward_to_the_hr_bureau_are_recorded(
    db_url: str, tmp_path: Path, profile: str
) -> None:
    async with make_api(db_url, tmp_path, profile) as api:
        w = await World(api).build()
        base = f"/api/reports/periods/{YEAR}/2"
        sent = await w.s1.put(
            f"{base}/districts/{w.a}/submission", json={"submitted_on": f"{YEAR}-07-05", "note": "按期"}
        )
        assert sent.status_code == 200, sent.text
        mine = sent.json()
        assert [d["district_id"] for d in mine["districts"]] == [w.a]  # staff see their districts only
        sub = mine["districts"][0]["submission"]
        assert (sub["submitted_on"], sub["recorded_by"]) == (f"{YEAR}-07-05", w.s1_id)
        assert mine["label"] == f"{YEAR}年第2季度" and mine["forward"] is None
        other = await w.s1.put(f"{base}/districts/{w.b}/submission", json={"submitted_on": f"{YEAR}-07-05"})
        assert other.status_code == 403 and other.json()["field"] == "district_id"

        fwd = await w.coord.put(f"{base}/forward", json={"forwarded_on": f"{YEAR}-07-15"})
        if profile == "pingdingshan":
            assert fwd.status_code == 409 and fwd.json()["field"] == "hr_bureau"
            assert await api.count("report_forwards") == 0
            return
        assert fwd.status_code == 200, fwd.text
        status = fwd.json()
        assert status["hr_bureau"] == "重庆市人力资源和社会保障局"
        assert status["forward"]["recipient"] == "重庆市人力资源和社会保障局"
        assert (status["forward"]["forwarded_on"], status["forward"]["district_ids"]) == (
            f"{YEAR}-07-15",
            [w.a],
        )
        assert [d["submission"] is not None for d in status["districts"]] == [True, False]
        actions = [
            e["action"]
            for e in (await w.coord.get("/api/audit", params={"action": "report."})).json()["entries"]
        ]
        assert actions == ["report.forward", "report.submit"]


async def test_cq8_bad_hand_over_input_is_a_400_naming_the_field_and_nothing_is_stored(
    world: World, api: Api
) -> None:
    w = world
    future = (date.today() + timedelta(days=3)).isoformat()
    for path, body, field in (
        (
            f"/api/reports/periods/{YEAR}/5/districts/{w.a}/submission",
            {"submitted_on": f"{YEAR}-07-05"},
            "period",
        ),
        (f"/api/reports/periods/1999/1/districts/{w.a}/submission", {"submitted_on": "1999-04-01"}, "year"),
        (
            f"/api/reports/periods/{YEAR}/2/districts/{w.a}/submission",
            {"submitted_on": "7月5日"},
            "submitted_on",
        ),
        (
            f"/api/reports/periods/{YEAR}/2/districts/{w.a}/submission",
            {"submitted_on": future},
            "submitted_on",
        ),
        (f"/api/reports/periods/{YEAR}/2/districts/{w.a}/submission", {}, "submitted_on"),
    ):
        resp = await w.s1.put(path, json=body)
        assert resp.status_code == 400 and resp.json()["field"] == field, resp.text
    bad = await w.coord.put(f"/api/reports/periods/{YEAR}/2/forward", json={"forwarded_on": None})
    assert bad.status_code == 400 and bad.json()["field"] == "forwarded_on"
    assert await api.count("report_submissions") == await api.count("report_forwards") == 0


@pytest.mark.parametrize(("report", "param"), [("annual", "planner_id"), ("allowance", "period_id")])
async def test_a_report_link_for_an_id_that_is_no_number_is_a_400_naming_it(
    world: World, report: str, param: str
) -> None:
    resp = await world.coord.post(
        "/api/reports/links", json={"report": report, "params": {param: "abc", "year": YEAR}}
    )
    assert resp.status_code == 400 and resp.json()["field"] == f"params.{param}", resp.text
