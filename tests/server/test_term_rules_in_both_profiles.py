"""The term's rules through the API, each under its ID, in both profiles, with the seeds' numbers (5 working
days, 15 working days, 1 year): a rule the profile does not set does not apply there.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from server.core.settings import Settings
from tests.server.conftest import World
from tests.server.term_world import add_member, add_request, candidate, dispatch, ok
from tests.server.world import make_api

PROFILES = ["chongqing", "pingdingshan"]


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize(
    ("starts_on", "ends_on"),
    [
        ("2026-09-29", "2026-10-10"),  # over National Day week, ending on the adjusted working Saturday
        ("2026-02-24", "2026-02-28"),  # ending on the adjusted working Saturday after Spring Festival
        ("2026-09-15", "2026-09-20"),  # ending on the adjusted working Sunday before Mid-Autumn
    ],
)
async def test_pds4_a_notice_runs_five_working_days_on_chinas_calendar_where_the_profile_has_one(
    db_url: str, tmp_path: Path, profile: str, starts_on: str, ends_on: str
) -> None:
    async with make_api(db_url, tmp_path, profile) as api:
        w = await World(api).build()
        cid = (
            await ok(await w.coord.post("/api/pool/candidates", json=candidate(applied_on="2026-01-05")), 201)
        )["id"]
        r = await ok(
            await w.coord.post(
                f"/api/pool/candidates/{cid}/review",
                json={"outcome": "approved", "reviewed_on": "2026-01-10"},
            )
        )
        resp = await w.coord.post(f"/api/pool/candidates/{cid}/notice", json={"starts_on": starts_on})
        if profile == "chongqing":
            # CQ sets no notice: the review admitted the candidate.
            assert (r["status"], resp.status_code) == ("member", 422)
            return
        n = (await ok(resp))["notice"]
        assert (n["ends_on"], n["working_days_required"]) == (ends_on, 5)


@pytest.mark.parametrize("profile", PROFILES)
async def test_pds3_cq2_the_same_people_are_judged_by_their_profiles_rules(
    db_url: str, tmp_path: Path, profile: str
) -> None:
    async with make_api(db_url, tmp_path, profile) as api:
        w = await World(api).build()
        people = {
            "veteran": candidate(
                degree="college",
                degree_field="other",
                title="none",
                registered_planner=False,
                years_in_field=15,
            ),
            "senior_registered": candidate(degree="college", degree_field="other", years_in_field=5),
            "intermediate_bachelor": candidate(
                degree="bachelor", title="intermediate", registered_planner=False, years_in_field=3
            ),
        }
        got = {}
        for name, body in people.items():
            c = await ok(await w.coord.post("/api/pool/candidates", json=body), 201)
            got[name] = (c["eligibility"]["eligible"], c["eligibility"]["route"], c["eligibility"]["rule_id"])
        if profile == "pingdingshan":
            assert got == {
                "veteran": (True, "experience", "PDS-3"),
                "senior_registered": (False, None, "PDS-3"),
                "intermediate_bachelor": (True, "qualifications", "PDS-3"),
            }
        else:
            assert got == {
                "veteran": (False, None, "CQ-2"),
                "senior_registered": (True, "qualifications", "CQ-2"),
                "intermediate_bachelor": (False, None, "CQ-2"),
            }


@pytest.mark.parametrize("profile", PROFILES)
async def test_pds10_the_term_is_one_year_from_the_profile_or_a_persons_date(
    db_url: str, tmp_path: Path, profile: str
) -> None:
    async with make_api(db_url, tmp_path, profile) as api:
        w = await World(api).build()
        cid = await add_member(w.coord, profile)
        rid = await add_request(w.s1, w.a)
        account = {"username": "x1", "password": "a-long-password"}
        if profile == "pingdingshan":
            # term_years = 1 from the seed; a term from 29 February ends on 28 February.
            d = await dispatch(w.coord, profile, rid, cid, "2024-02-29", account)
            assert d["terms"][0]["ends_on"] == "2025-02-28"
        else:
            # Chongqing sets no term length: the appointment step carries the end a person entered.
            d = await ok(
                await w.coord.post(f"/api/dispatch-requests/{rid}/dispatches", json={"candidate_id": cid}),
                201,
            )
            for step in ("needs_survey", "qualification_check", "joint_deliberation", "district_opinion"):
                await ok(
                    await w.coord.post(
                        f"/api/dispatches/{d['id']}/steps", json={"step": step, "done_on": "2024-02-29"}
                    )
                )
            last = {
                "step": "appointment",
                "done_on": "2024-02-29",
                "term_ends_on": "2025-08-31",
                "certificate_no": "1",
            }
            d = await ok(
                await w.coord.post(f"/api/dispatches/{d['id']}/steps", json={**last, "account": account})
            )
            assert d["terms"][0]["ends_on"] == "2025-08-31"
        vocabulary = await ok(await w.p1.get("/api/pool/vocabulary"))
        assert vocabulary["rules"]["term_years"] == (1 if profile == "pingdingshan" else None)


@pytest.mark.parametrize("profile", PROFILES)
async def test_pds11_fifteen_working_days_notice_only_where_the_profile_sets_it(
    db_url: str, tmp_path: Path, profile: str
) -> None:
    async with make_api(db_url, tmp_path, profile) as api:
        w = await World(api).build()
        cid = await add_member(w.coord, profile)
        d = await dispatch(
            w.coord,
            profile,
            await add_request(w.s1, w.a),
            cid,
            "2026-10-12",
            {"username": "x1", "password": "a-long-password"},
        )
        # Filed Mon 2 November, leaving Mon 23 November: 15 working days, just enough; a day less is short.
        ok_exit = await ok(
            await w.coord.post(
                f"/api/dispatches/{d['id']}/exit", json={"filed_on": "2026-11-02", "leave_on": "2026-11-23"}
            )
        )
        assert ok_exit["exit_request"]["alert"] is None
        cid2 = await add_member(w.coord, profile, name="乙")
        d2 = await dispatch(
            w.coord,
            profile,
            await add_request(w.s1, w.a),
            cid2,
            "2026-10-12",
            {"username": "x2", "password": "a-long-password"},
        )
        short = await ok(
            await w.coord.post(
                f"/api/dispatches/{d2['id']}/exit", json={"filed_on": "2026-11-02", "leave_on": "2026-11-20"}
            )
        )
        if profile == "pingdingshan":
            assert short["exit_request"]["alert"]["params"]["required_working_days"] == 15
            assert short["exit_request"]["alert"]["params"]["notice_working_days"] == 14
        else:
            assert short["exit_request"]["alert"] is None
        # Either way the seat is open again, so the service does not break.
        assert short["replacement_request"]["status"] == "open"


@pytest.mark.parametrize("profile", PROFILES)
async def test_pds8_a_contracts_clauses_are_asked_for_where_the_profile_lists_them(
    db_url: str, tmp_path: Path, profile: str
) -> None:
    async with make_api(db_url, tmp_path, profile) as api:
        w = await World(api).build()
        cid = await add_member(w.coord, profile)
        d = await dispatch(
            w.coord,
            profile,
            await add_request(w.s1, w.a),
            cid,
            "2026-10-12",
            {"username": "x1", "password": "a-long-password"},
        )
        missing = d["terms"][0]["contract"]["missing"]
        if profile == "pingdingshan":
            assert missing == ["tasks", "service_mode", "service_fee", "rights_duties", "appraisal", "breach"]
        else:
            assert missing == []


@pytest.mark.parametrize("profile", PROFILES)
async def test_pds6_removal_reasons_are_the_profiles(db_url: str, tmp_path: Path, profile: str) -> None:
    async with make_api(db_url, tmp_path, profile) as api:
        w = await World(api).build()
        codes = [r["code"] for r in (await ok(await w.coord.get("/api/pool/vocabulary")))["removal_reasons"]]
        if profile == "pingdingshan":
            assert codes == ["violation", "misconduct", "refused_service", "own_request", "other"]
        else:
            assert codes == ["other"]
        steps = [
            s["code"] for s in (await ok(await w.coord.get("/api/pool/vocabulary")))["appointment_steps"]
        ]
        assert len(steps) == (5 if profile == "chongqing" else 0)  # CQ-3


def test_pds5_the_idle_period_is_a_setting_with_no_default() -> None:
    assert Settings.from_env({}).pool_idle_days is None
    assert Settings.from_env({"FIELDLOG_POOL_IDLE_DAYS": "180"}).pool_idle_days == 180
    for raw in ("0", "half a year"):
        with pytest.raises(ValueError, match="FIELDLOG_POOL_IDLE_DAYS"):
            Settings.from_env({"FIELDLOG_POOL_IDLE_DAYS": raw})
