"""The appraisal's other parts through the API: the district's part of PDS-10's joint appraisal (its words on
service attitude, professional ability and district feedback, and a grade it proposes) shown in the dossier;
CQ-11's dismissal grounds, found or recorded with a reason; suggestions labelled with what they rest on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.server.conftest import World
from tests.server.world import YEAR, make_api

WORDS = {
    "service_attitude": "服务积极主动。",
    "professional_ability": "熟悉控规，意见具体。",
    "district_feedback": "社区反映良好。",
}


def _path(w: World, planner_id: int | None = None) -> str:
    return f"/api/appraisal/{YEAR}/planners/{planner_id or w.p1_id}/district-assessment"


@pytest.mark.parametrize("profile", ["pingdingshan", "chongqing"])
async def test_pds10_the_district_records_its_part_and_the_dossier_shows_it(
    db_url: str, tmp_path: Path, profile: str
) -> None:
    async with make_api(db_url, tmp_path, profile) as api:
        w = await World(api).build()
        resp = await w.s1.put(_path(w), json={"district_id": w.a, "criteria": WORDS, "grade": "qualified"})
        if profile == "chongqing":
            assert resp.status_code == 409 and resp.json()["field"] == "district_assessment_criteria"
            assert await api.count("district_assessments") == 0
            dossier = (await w.coord.get(f"/api/appraisal/{YEAR}/planners/{w.p1_id}")).json()
            assert dossier["joint_appraisal"] == {
                "criteria": [],
                "district_assessments": [],
                "districts_pending": [],
            }
            return
        assert resp.status_code == 200, resp.text
        recorded = resp.json()
        assert (recorded["criteria"], recorded["grade"], recorded["recorded_by"]) == (WORDS, "合格", w.s1_id)
        dossier = (await w.coord.get(f"/api/appraisal/{YEAR}/planners/{w.p1_id}")).json()
        joint = dossier["joint_appraisal"]
        assert [c["zh"] for c in joint["criteria"]] == ["服务态度", "专业能力", "属地反馈"]
        assert [
            (a["district_name"], a["criteria"]["district_feedback"]) for a in joint["district_assessments"]
        ] == [("A区", "社区反映良好。")]
        assert joint["districts_pending"] == []
        assert dossier["dossier"]["hours"]["value"] == 0  # working hours stand beside the district's words
        year = (await w.coord.get(f"/api/appraisal/{YEAR}")).json()
        p1 = next(p for p in year["planners"] if p["planner_id"] == w.p1_id)
        assert p1["district_assessments"][0]["grade"] == "合格"
        # Recording again replaces it; the audit log keeps both.
        again = await w.s1.put(
            _path(w), json={"district_id": w.a, "criteria": {**WORDS, "district_feedback": "一般"}}
        )
        assert again.json()["grade"] is None
        entries = (await w.coord.get("/api/audit", params={"action": "appraisal.district"})).json()["entries"]
        assert entries[0]["before"]["criteria"] == WORDS and len(entries) == 2
        assert (await w.s1.get(_path(w))).json()["assessments"][0]["criteria"]["district_feedback"] == "一般"


@pytest.mark.parametrize(
    ("body", "field", "status"),
    [
        ({"district_id": 1, "criteria": {**WORDS, "service_attitude": ""}}, "criteria.service_attitude", 400),
        (
            {"district_id": 1, "criteria": {k: v for k, v in WORDS.items() if k != "district_feedback"}},
            "criteria.district_feedback",
            400,
        ),
        ({"district_id": 1, "criteria": {**WORDS, "score": "95"}}, "criteria.score", 400),
        ({"district_id": 1, "criteria": WORDS, "grade": "A"}, "grade", 400),
        ({"district_id": 1, "criteria": "好"}, "criteria", 400),
        ({"criteria": WORDS}, "district_id", 400),
        ({"district_id": 2, "criteria": WORDS}, "district_id", 403),
    ],
)
async def test_pds10_a_bad_district_assessment_is_refused_naming_the_field(
    db_url: str, tmp_path: Path, body: dict[str, Any], field: str, status: int
) -> None:
    async with make_api(db_url, tmp_path, "pingdingshan") as api:
        w = await World(api).build()
        assert (w.a, w.b) == (1, 2)
        resp = await w.s1.put(_path(w), json=body)
        assert resp.status_code == status and resp.json()["field"] == field, resp.text
        assert await api.count("district_assessments") == 0


@pytest.mark.parametrize("profile", ["chongqing", "pingdingshan"])
async def test_cq11_a_dismissal_is_recorded_with_its_ground_and_reason(
    db_url: str, tmp_path: Path, profile: str
) -> None:
    async with make_api(db_url, tmp_path, profile) as api:
        w = await World(api).build()
        body = {"ground": "own_request", "reason": "本人因工作调动申请退出", "decided_on": f"{YEAR}-09-01"}
        resp = await w.coord.post(f"/api/planners/{w.p1_id}/dismissals", json=body)
        if profile == "pingdingshan":
            assert resp.status_code == 409 and resp.json()["field"] == "ground"
            assert await api.count("dismissals") == 0
            return
        assert resp.status_code == 201, resp.text
        assert (resp.json()["rule_id"], resp.json()["recorded_by"]) == ("CQ-11", w.coord_id)
        for bad, field in (
            ({**body, "ground": "laziness"}, "ground"),
            ({**body, "reason": " "}, "reason"),
            ({**body, "decided_on": "soon"}, "decided_on"),
        ):
            refused = await w.coord.post(f"/api/planners/{w.p1_id}/dismissals", json=bad)
            assert refused.status_code == 400 and refused.json()["field"] == field
        assert (await w.s1.post(f"/api/planners/{w.p1_id}/dismissals", json=body)).status_code == 403
        planner = (await w.coord.get(f"/api/planners/{w.p1_id}")).json()
        assert [(d["ground"], d["reason"]) for d in planner["dismissals"]] == [
            ("own_request", "本人因工作调动申请退出")
        ]
        dossier = (await w.coord.get(f"/api/appraisal/{YEAR}/planners/{w.p1_id}")).json()
        assert dossier["dismissals"][0]["decided_on"] == f"{YEAR}-09-01"
        config = (await w.p1.get("/api/config")).json()["profile"]
        assert [g["code"] for g in config["dismissal_grounds"]] == [
            "own_request",
            "unable_to_serve",
            "absences",
            "incompetent",
            "violation",
        ]


async def test_cq11_absences_and_an_incompetent_grade_are_shown_as_grounds_not_made_grades(
    db_url: str, tmp_path: Path
) -> None:
    async with make_api(db_url, tmp_path, "chongqing") as api:
        w = await World(api).build()
        for day in (5, 12, 19):
            made = await w.s1.post(
                "/api/activities",
                json={
                    "district_id": w.a,
                    "topic": f"论证会{day}",
                    "starts_at": f"{YEAR}-03-{day:02d}T09:00:00+08:00",
                    "planner_ids": [w.p1_id],
                },
            )
            await w.s1.post(
                f"/api/activities/{made.json()['id']}/attendance",
                json={"planner_id": w.p1_id, "status": "unexcused"},
            )
        year = (await w.coord.get(f"/api/appraisal/{YEAR}")).json()
        assert year["suggestion_basis"]["failing_when"] == ["below_target", "no_service"]
        assert year["suggestion_basis"]["is_suggestion"] is True
        assert year["suggestion_basis"]["reason_rules"]["below_target"] == "CQ-5"
        p1 = next(p for p in year["planners"] if p["planner_id"] == w.p1_id)
        assert "absence_warning" not in p1["suggestion_reasons"]
        assert [(g["code"], g["rule_id"], g["params"]["reason"]) for g in p1["dismissal_grounds"]] == [
            ("absences", "CQ-11", "consecutive")
        ]
        await w.coord.put(f"/api/appraisal/{YEAR}/grades", json={"grades": {str(w.p1_id): "不称职"}})
        dossier = (await w.coord.get(f"/api/appraisal/{YEAR}/planners/{w.p1_id}")).json()
        assert [g["code"] for g in dossier["dismissal_grounds"]] == ["absences", "incompetent"]
