"""The appraisal list's numbers (SQL aggregates) equal each planner's dossier (built from the records), the
dashboard's, and the grades suggested from full dossiers, on a seeded year with records that do not count.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from server.appraisal import grading
from server.appraisal.data import load_year
from tests.server.conftest import feedback, op, opinion, push, visit
from tests.server.world import REASON, YEAR, Seeded, make_api, new_record, new_visit

PROFILES = ["chongqing", "pingdingshan"]


async def _confirmed(w: Seeded, district: int, **over: Any) -> str:
    rid = await new_visit(w.p1 if district == w.a else w.p2, district, **over)
    staff = w.s1 if district == w.a else w.s2
    resp = await staff.post(f"/api/visits/{rid}/confirm", json=REASON)
    assert resp.status_code == 200, resp.text
    return rid


async def _follow_up(w: Seeded, oid: str, adoption: str, quality: int, staff: Any = None) -> None:
    resp = await (staff or w.s1).post(
        f"/api/opinions/{oid}/follow-up", json={"adoption": adoption, "quality": quality}
    )
    assert resp.status_code == 200, resp.text


async def _attendance(w: Seeded, statuses: list[str]) -> None:
    for i, status in enumerate(statuses):
        aid = await w.activity(w.s1, w.a, [w.p1_id], f"咨询会{i}", f"{YEAR}-{3 + i:02d}-10T09:00:00+08:00")
        body: dict[str, Any] = {"planner_id": w.p1_id, "status": status}
        if status == "excused":
            body["reason"] = "出差"
        resp = await w.s1.post(f"/api/activities/{aid}/attendance", json=body)
        assert resp.status_code == 200, resp.text


async def _seed(w: Seeded) -> None:
    # p1: confirmed visits of 1 h 30, 1 h 20 min 20 s, and 40 min across new year's night (local 2025).
    await _confirmed(w, w.a)
    await _confirmed(
        w, w.a, started_at=f"{YEAR}-07-01T09:00:00+08:00", ended_at=f"{YEAR}-07-01T10:20:20+08:00"
    )
    await _confirmed(
        w, w.a, started_at=f"{YEAR}-12-31T23:50:00+08:00", ended_at=f"{YEAR + 1}-01-01T00:30:00+08:00"
    )
    # Not counted: the previous local year (it ends in YEAR), rejected, deleted, pending.
    await _confirmed(
        w, w.a, started_at=f"{YEAR - 1}-12-31T23:00:00+08:00", ended_at=f"{YEAR}-01-01T01:00:00+08:00"
    )
    rejected = await new_visit(w.p1, w.a)
    assert (await w.s1.post(f"/api/visits/{rejected}/reject", json={"reason": "重复记录"})).status_code == 200
    deleted = str(uuid.uuid4())
    await push(w.p1, op("visit", visit(w.a), deleted))
    await push(w.p1, op("visit", None, deleted, base_version=1))
    await new_visit(
        w.p1, w.a, started_at=f"{YEAR}-08-01T09:00:00+08:00", ended_at=f"{YEAR}-08-01T11:00:00+08:00"
    )
    # p1's opinions: adopted with a dissent, partly, not adopted, unrated, one of last year, one deleted.
    adopted = await new_record(w.p1, "opinion", opinion(w.a, dissent="保留意见：容积率过高"))
    await _follow_up(w, adopted, "adopted", 5)
    await _follow_up(w, w.opinion_a, "partly", 3)
    refused = await new_record(w.p1, "opinion", opinion(w.a, subject="三"))
    await _follow_up(w, refused, "not_adopted", 4)
    await new_record(w.p1, "opinion", opinion(w.a, subject="四", dissent="再议"))
    old = await new_record(w.p1, "opinion", opinion(w.a, issued_at=f"{YEAR - 1}-06-02T10:00:00+08:00"))
    await _follow_up(w, old, "adopted", 1)
    gone = str(uuid.uuid4())
    await push(w.p1, op("opinion", opinion(w.a), gone))
    await push(w.p1, op("opinion", None, gone, base_version=1))
    await new_record(w.p1, "feedback", feedback(w.a, content="二"))
    await new_record(w.p1, "feedback", feedback(w.a, collected_at=f"{YEAR - 1}-03-01T10:00:00+08:00"))
    # p2: one confirmed visit, an opinion rated 5 (mean quality 5).
    await _confirmed(w, w.b, photos=[w.photo_b])
    await _follow_up(w, w.opinion_b, "adopted", 5, w.s2)
    # p1: three unexcused absences in a row (CQ-11 in Chongqing), then attended and excused.
    await _attendance(w, ["unexcused", "unexcused", "unexcused", "attended", "excused"])
    # An inactive planner with records is not appraised.
    gone_id = await w.api.add_user("p9", "planner", (w.a,), display_name="离任")
    p9 = await w.api.login("p9")
    await new_visit(p9, w.a)
    async with w.api.db.write() as conn:
        await conn.execute(sa.text("UPDATE users SET active = false WHERE id = :i"), {"i": gone_id})


@pytest.mark.parametrize("profile", PROFILES)
async def test_appraisal_list_numbers_equal_each_dossier_and_the_dashboard(
    db_url: str, tmp_path: Path, profile: str
) -> None:
    async with make_api(db_url, tmp_path, profile) as api:
        w = await Seeded(api).seed()
        await _seed(w)
        listed = (await w.coord.get(f"/api/appraisal/{YEAR}")).json()
        dash = {
            p["planner_id"]: p
            for p in (await w.coord.get("/api/dashboard", params={"year": YEAR})).json()["planners"]
        }
        assert [p["planner_id"] for p in listed["planners"]] == [w.p1_id, w.p2_id]
        assert listed["appraised"] == 2
        for p in listed["planners"]:
            resp = await w.coord.get(f"/api/appraisal/{YEAR}/planners/{p['planner_id']}")
            assert resp.status_code == 200
            full = resp.json()["dossier"]
            for name, ind in p["dossier"].items():
                if isinstance(ind, dict) and name != "absence_warning":
                    assert "record_ids" not in ind
                    assert ind["value"] == full[name]["value"], name
                    assert ind["kind"] == full[name]["kind"], name
                else:
                    assert ind == full[name], name
            d = dash[p["planner_id"]]
            got = p["dossier"]
            assert (
                d["visits_confirmed"],
                d["hours_confirmed"],
                d["opinions"],
                d["opinion_quality_mean"],
                d["feedback"],
                d["absences_unexcused"],
            ) == (
                got["confirmed_visits"]["value"],
                got["hours"]["value"],
                got["opinions"]["value"],
                got["opinion_quality"]["value"],
                got["feedback"]["value"],
                got["absences_unexcused"]["value"],
            )
        p1 = listed["planners"][0]["dossier"]
        values = {k: v["value"] for k, v in p1.items() if isinstance(v, dict) and "value" in v}
        assert values == {
            "confirmed_visits": 3,
            "hours": 3.51,
            "opinions": 4,
            "opinion_quality": 4.0,
            "adopted": 1,
            "partly_adopted": 1,
            "not_adopted": 1,
            "dissents": 2,
            "feedback": 2,
            "activities_attended": 1,
            "absences_excused": 1,
            "absences_unexcused": 3,
        }
        if profile == "chongqing":
            assert p1["absence_warning"] == {"reason": "consecutive", "count": 3, "limit": 3}
        else:
            assert p1["absence_warning"] is None

        # The suggestions equal those the full dossiers of everyone give (grading.suggest_grades on them).
        async with api.db.read() as conn:
            facts = await load_year(conn, YEAR, api.settings.tz)
        dossiers = grading.build_dossiers(
            facts.planners,
            YEAR,
            api.settings.profile,
            facts.visits,
            facts.opinions,
            facts.feedback,
            facts.attendance,
            api.settings.tz,
        )
        assert [d.values() for d in dossiers] == [
            grading.Values(
                planner_id=p["planner_id"],
                visit_target=p["dossier"]["visit_target"],
                absence_warning=dossiers[i].absence_warning,
                **{k: p["dossier"][k]["value"] for k in grading.INDICATOR_KINDS},
            )
            for i, p in enumerate(listed["planners"])
        ]
        expected = grading.suggest_grades(dossiers, api.settings.profile)
        assert [(s.grade, list(s.reasons), s.rank) for s in expected] == [
            (p["suggested_grade"], p["suggestion_reasons"], p["suggestion_rank"]) for p in listed["planners"]
        ]
