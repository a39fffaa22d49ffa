"""The rules through the API, each under its ID, in both profiles (chongqing and pingdingshan).

A rule the profile does not set (e.g. CQ-9's cap in pingdingshan, PDS-11's notice in chongqing) must
not fire there.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from tests.server.conftest import Api, World
from tests.server.world import REASON, YEAR, make_api, new_visit, upload

PROFILES = ["chongqing", "pingdingshan"]


def _recent() -> dict[str, str]:
    """Times of a visit that ended an hour ago (synced at once, so not late)."""
    now = datetime.now(ZoneInfo("Asia/Shanghai")).replace(microsecond=0)
    return {
        "started_at": (now - timedelta(hours=2)).isoformat(),
        "ended_at": (now - timedelta(hours=1)).isoformat(),
    }


def _alerts(body: dict[str, Any], code: str, planner_id: int | None = None) -> list[dict[str, Any]]:
    return [
        a
        for a in body["alerts"]
        if a["code"] == code and (planner_id is None or a["planner_id"] == planner_id)
    ]


async def _ten_planners(api: Api, w: World) -> list[int]:
    ids = [w.p1_id, w.p2_id]
    for i in range(8):
        ids.append(await api.add_user(f"pp{i}", "planner", (w.a,), display_name=f"规划师{i}"))
    return ids


@pytest.mark.parametrize("profile", PROFILES)
async def test_cq9_fourth_excellent_among_10_planners_is_refused(
    db_url: str, tmp_path: Path, profile: str
) -> None:
    async with make_api(db_url, tmp_path, profile) as api:
        w = await World(api).build()
        ids = await _ten_planners(api, w)
        appraisal = (await w.coord.get(f"/api/appraisal/{YEAR}")).json()
        excellent = appraisal["grades"][0]
        assert appraisal["appraised"] == 10
        four = {str(pid): excellent for pid in ids[:4]}
        resp = await w.coord.put(f"/api/appraisal/{YEAR}/grades", json={"grades": four})
        if profile == "chongqing":
            assert appraisal["max_excellent"] == 3  # floor(10 * 30%)
            assert resp.status_code == 422
            assert resp.json()["field"] == f"grades.{ids[3]}"
            after = (await w.coord.get(f"/api/appraisal/{YEAR}")).json()
            assert all(p["final_grade"] is None for p in after["planners"])  # nothing stored
            assert (await w.coord.get("/api/audit", params={"action": "appraisal"})).json()["entries"] == []
            # Three are allowed; a fourth in a later request is refused and named.
            three = {str(pid): excellent for pid in ids[:3]}
            assert (
                await w.coord.put(f"/api/appraisal/{YEAR}/grades", json={"grades": three})
            ).status_code == 200
            late = await w.coord.put(
                f"/api/appraisal/{YEAR}/grades", json={"grades": {str(ids[9]): excellent}}
            )
            assert late.status_code == 422 and late.json()["field"] == f"grades.{ids[9]}"
        else:
            assert appraisal["max_excellent"] is None  # PDS sets no cap
            assert resp.status_code == 200
            graded = {p["planner_id"]: p["final_grade"] for p in resp.json()["planners"]}
            assert [graded[pid] for pid in ids[:4]] == [excellent] * 4


async def test_cq9_rounding_nine_planners_allow_two_excellent(db_url: str, tmp_path: Path) -> None:
    """shared.rules.max_excellent rounds down: 9 x 30% = 2.7 -> 2."""
    async with make_api(db_url, tmp_path, "chongqing") as api:
        w = await World(api).build()
        ids = (await _ten_planners(api, w))[:9]
        # The tenth leaves the appraised set by being deactivated.
        async with api.db.write() as conn:
            await conn.execute(sa.text("UPDATE users SET active = false WHERE username = 'pp7'"))
        body = (await w.coord.get(f"/api/appraisal/{YEAR}")).json()
        assert (body["appraised"], body["max_excellent"]) == (9, 2)
        resp = await w.coord.put(
            f"/api/appraisal/{YEAR}/grades", json={"grades": {str(p): "优秀" for p in ids[:3]}}
        )
        assert resp.status_code == 422 and resp.json()["field"] == f"grades.{ids[2]}"


@pytest.mark.parametrize("profile", PROFILES)
async def test_grade_names_follow_the_profile_and_unknown_grades_are_refused(
    db_url: str, tmp_path: Path, profile: str
) -> None:
    async with make_api(db_url, tmp_path, profile) as api:
        w = await World(api).build()
        body = (await w.coord.get(f"/api/appraisal/{YEAR}")).json()
        want = ["优秀", "称职", "不称职"] if profile == "chongqing" else ["优秀", "合格", "不合格"]
        assert body["grades"] == want
        other = "合格" if profile == "chongqing" else "称职"
        resp = await w.coord.put(f"/api/appraisal/{YEAR}/grades", json={"grades": {str(w.p1_id): other}})
        assert resp.status_code == 422 and resp.json()["field"] == f"grades.{w.p1_id}"


@pytest.mark.parametrize("profile", PROFILES)
async def test_pds10_cq10_grades_record_their_consequences(db_url: str, tmp_path: Path, profile: str) -> None:
    async with make_api(db_url, tmp_path, profile) as api:
        w = await World(api).build()
        _, middle, failing = (await w.coord.get(f"/api/appraisal/{YEAR}")).json()["grades"]
        resp = await w.coord.put(
            f"/api/appraisal/{YEAR}/grades", json={"grades": {str(w.p1_id): failing, str(w.p2_id): middle}}
        )
        assert resp.status_code == 200
        cons = {
            p["planner_id"]: {(c["code"], c["rule_id"]) for c in p["consequences"]}
            for p in resp.json()["planners"]
        }
        if profile == "pingdingshan":
            assert cons[w.p1_id] == {("not_renewed", "PDS-10"), ("removed_from_pool", "PDS-10")}
            assert cons[w.p2_id] == set()
        else:
            assert cons[w.p1_id] == {("dismissal", "CQ-11")}
            assert cons[w.p2_id] == {("continuing_education_waived", "CQ-10")}
        audit = (await w.coord.get("/api/audit", params={"action": "appraisal"})).json()["entries"]
        assert audit[0]["user_id"] == w.coord_id
        assert audit[0]["after"]["grades"] == {str(w.p1_id): failing, str(w.p2_id): middle}


async def _absences(w: World, statuses: list[str]) -> None:
    for i, status in enumerate(statuses):
        resp = await w.s1.post(
            "/api/activities",
            json={
                "district_id": w.a,
                "topic": f"咨询会{i}",
                "starts_at": f"{YEAR}-{3 + i:02d}-10T09:00:00+08:00",
                "planner_ids": [w.p1_id],
            },
        )
        body: dict[str, Any] = {"planner_id": w.p1_id, "status": status}
        if status == "excused":
            body["reason"] = "出差"
        att = await w.s1.post(f"/api/activities/{resp.json()['id']}/attendance", json=body)
        assert att.status_code == 200, att.text


@pytest.mark.parametrize("profile", PROFILES)
async def test_cq11_three_unexcused_absences_in_a_row_raise_a_dismissal_warning(
    db_url: str, tmp_path: Path, profile: str
) -> None:
    async with make_api(db_url, tmp_path, profile) as api:
        w = await World(api).build()
        await _absences(w, ["unexcused", "unexcused"])
        assert (
            _alerts((await w.coord.get("/api/alerts", params={"year": YEAR})).json(), "absence_warning") == []
        )
        await _absences(w, ["unexcused"])
        found = _alerts(
            (await w.coord.get("/api/alerts", params={"year": YEAR})).json(), "absence_warning", w.p1_id
        )
        if profile == "chongqing":
            assert [(a["rule_id"], a["params"]["reason"], a["params"]["count"]) for a in found] == [
                ("CQ-11", "consecutive", 3)
            ]
            dash = (await w.coord.get("/api/dashboard", params={"year": YEAR})).json()
            p1 = next(p for p in dash["planners"] if p["planner_id"] == w.p1_id)
            assert p1["absences_unexcused"] == 3
            assert any(a["code"] == "absence_warning" for a in p1["alerts"])
        else:
            assert found == []


@pytest.mark.parametrize("profile", PROFILES)
async def test_cq11_five_unexcused_absences_in_a_year_warn_even_when_not_in_a_row(
    db_url: str, tmp_path: Path, profile: str
) -> None:
    async with make_api(db_url, tmp_path, profile) as api:
        w = await World(api).build()
        await _absences(
            w, ["unexcused", "unexcused", "attended", "unexcused", "unexcused", "excused", "unexcused"]
        )
        found = _alerts(
            (await w.coord.get("/api/alerts", params={"year": YEAR})).json(), "absence_warning", w.p1_id
        )
        if profile == "chongqing":
            assert [(a["params"]["reason"], a["params"]["count"]) for a in found] == [("yearly", 5)]
        else:
            assert found == []


async def test_excused_absence_needs_a_reason(db_url: str, tmp_path: Path) -> None:
    async with make_api(db_url, tmp_path) as api:
        w = await World(api).build()
        act = await w.s1.post(
            "/api/activities",
            json={
                "district_id": w.a,
                "topic": "会",
                "starts_at": f"{YEAR}-03-01T09:00:00+08:00",
                "planner_ids": [w.p1_id],
            },
        )
        resp = await w.s1.post(
            f"/api/activities/{act.json()['id']}/attendance",
            json={"planner_id": w.p1_id, "status": "excused"},
        )
        assert resp.status_code == 400 and resp.json()["field"] == "reason"
        resp = await w.s1.post(
            f"/api/activities/{act.json()['id']}/attendance",
            json={"planner_id": w.p2_id, "status": "attended"},
        )
        assert resp.status_code == 400 and resp.json()["field"] == "planner_id"


@pytest.mark.parametrize("profile", PROFILES)
async def test_pds11_exit_request_with_short_notice_alerts(db_url: str, tmp_path: Path, profile: str) -> None:
    async with make_api(db_url, tmp_path, profile) as api:
        w = await World(api).build()
        # 2025-09-26 to 2025-10-13 spans the National Day holidays and the adjusted working Saturdays
        # (9-28, 10-11): 9 working days of notice, short of 15.
        short = await w.coord.post(
            f"/api/planners/{w.p1_id}/exit-requests",
            json={"filed_on": "2025-09-26", "leave_on": "2025-10-13"},
        )
        enough = await w.coord.post(
            f"/api/planners/{w.p2_id}/exit-requests",
            json={"filed_on": "2025-09-01", "leave_on": "2025-10-30"},
        )
        assert short.status_code == enough.status_code == 201
        assert enough.json()["alert"] is None
        found = _alerts((await w.coord.get("/api/alerts", params={"year": YEAR})).json(), "short_exit_notice")
        if profile == "pingdingshan":
            assert short.json()["alert"]["rule_id"] == "PDS-11"
            assert [(a["planner_id"], a["rule_id"]) for a in found] == [(w.p1_id, "PDS-11")]
            params = found[0]["params"]
            assert params["required_working_days"] == 15
            assert params["notice_working_days"] < 15
        else:
            assert short.json()["alert"] is None
            assert found == []


@pytest.mark.parametrize("profile", PROFILES)
async def test_pds10_term_ending_within_30_days_alerts(db_url: str, tmp_path: Path, profile: str) -> None:
    async with make_api(db_url, tmp_path, profile) as api:
        w = await World(api).build()
        today = datetime.now(ZoneInfo(api.settings.tz)).date()
        soon = date(today.year - 1, today.month, min(today.day, 28)) + timedelta(days=10)
        later = soon + timedelta(days=35)
        for pid, start in ((w.p1_id, soon), (w.p2_id, later)):
            resp = await w.coord.put(f"/api/planners/{pid}", json={"term_start": start.isoformat()})
            assert resp.status_code == 200, resp.text
        found = _alerts((await w.coord.get("/api/alerts", params={"year": today.year})).json(), "term_ending")
        if profile == "pingdingshan":
            assert [(a["planner_id"], a["rule_id"]) for a in found] == [(w.p1_id, "PDS-10")]
            assert 0 <= found[0]["params"]["days_left"] <= 30
        else:
            assert found == []  # chongqing sets no term


@pytest.mark.parametrize("profile", PROFILES)
async def test_cq5_behind_pace_alerts_only_where_a_visit_target_is_set(
    db_url: str, tmp_path: Path, profile: str
) -> None:
    async with make_api(db_url, tmp_path, profile) as api:
        w = await World(api).build()
        rid = await new_visit(w.p1, w.a)
        assert (await w.s1.post(f"/api/visits/{rid}/confirm", json=REASON)).status_code == 200
        dash = (await w.coord.get("/api/dashboard", params={"year": YEAR})).json()
        p1 = next(p for p in dash["planners"] if p["planner_id"] == w.p1_id)
        assert p1["visits_confirmed"] == 1
        if profile == "chongqing":
            assert p1["pace"] == {
                "expected": 10,
                "status": "behind",
                "behind_by": 9,
            }  # a past year: all 10 due
            assert [a["rule_id"] for a in p1["alerts"] if a["code"] == "behind_pace"] == ["CQ-5"]
        else:
            assert p1["pace"]["status"] == "no_target"
            assert _alerts(dash, "behind_pace") == []


@pytest.mark.parametrize("profile", PROFILES)
async def test_flagged_visit_is_confirmed_only_with_a_reason_code(
    db_url: str, tmp_path: Path, profile: str
) -> None:
    async with make_api(db_url, tmp_path, profile) as api:
        w = await World(api).build()
        rid = await new_visit(w.p1, w.a, **_recent())  # no photo: flagged no_photo
        queue = (await w.s1.get("/api/review/queue", params={"district_id": w.a})).json()["visits"]
        assert queue[0]["flags"] == ["no_photo"]
        for body, field in (
            ({}, "reason_code"),
            ({"reason_code": "because"}, "reason_code"),
            ({"reason_code": "other"}, "note"),
        ):
            resp = await w.s1.post(f"/api/visits/{rid}/confirm", json=body)
            assert resp.status_code == 422, resp.text
            assert resp.json()["field"] == field
        still = (await w.s1.get("/api/review/queue", params={"district_id": w.a})).json()["visits"]
        assert (still[0]["review"], still[0]["version"]) == ("pending", 1)  # nothing stored
        ok = await w.s1.post(
            f"/api/visits/{rid}/confirm", json={"reason_code": "photo_not_allowed", "note": "保密项目"}
        )
        assert ok.status_code == 200 and ok.json()["state"]["review"] == "confirmed"
        async with api.db.read() as conn:
            row = (
                await conn.execute(
                    sa.text("SELECT flags, reason_code FROM visit_review_flags WHERE visit_id = :v"),
                    {"v": rid},
                )
            ).one()
        flags = row.flags if isinstance(row.flags, list) else json.loads(row.flags)
        assert (flags, row.reason_code) == (["no_photo"], "photo_not_allowed")
        [entry] = (await w.coord.get("/api/audit", params={"action": "visit.confirm"})).json()["entries"]
        assert (entry["user_id"], entry["after"]["flags"], entry["after"]["reason_code"]) == (
            w.s1_id,
            ["no_photo"],
            "photo_not_allowed",
        )


async def test_a_visit_outside_the_responsibility_area_is_flagged_and_a_clean_one_needs_no_reason(
    db_url: str, tmp_path: Path
) -> None:
    async with make_api(db_url, tmp_path) as api:
        w = await World(api).build()
        area = {"center": [29.56, 106.55], "radius_m": 500}
        assert (
            await w.coord.put(f"/api/planners/{w.p1_id}", json={"responsibility_area": area})
        ).status_code == 200
        photo = await upload(w.p1, 7)
        far = await new_visit(w.p1, w.a, **_recent(), lat=29.60, lon=106.55, accuracy_m=10, photos=[photo])
        near = await new_visit(
            w.p1, w.a, **_recent(), lat=29.5601, lon=106.5501, accuracy_m=10, photos=[photo]
        )
        queue = {v["id"]: v for v in (await w.s1.get("/api/review/queue")).json()["visits"]}
        assert queue[far]["flags"] == ["outside_area"]
        assert queue[far]["flag_details"][0]["params"]["tolerance_m"] == 1000
        assert queue[near]["flags"] == []
        assert (await w.s1.post(f"/api/visits/{near}/confirm", json={})).status_code == 200
        assert (await w.s1.post(f"/api/visits/{far}/confirm", json={})).json()["field"] == "reason_code"
        bad = await w.coord.put(
            f"/api/planners/{w.p1_id}", json={"responsibility_area": {"center": [99, 0], "radius_m": 5}}
        )
        assert bad.status_code == 400 and bad.json()["field"].startswith("responsibility_area")
