"""Requests and dispatch through the API (PDS-7, PDS-8, PDS-10, CQ-3): the ranking, the pick, the account,
district link, area and term that follow from it, the notice, the contract, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import docx
import pytest

from tests.server.conftest import World, push, visit
from tests.server.term_world import STEPS, add_member, add_request, candidate, day, dispatch, ok
from tests.server.world import REASON, make_api

PROFILES = ["chongqing", "pingdingshan"]
ACCOUNT = {"username": "wang", "password": "a-long-password"}


async def _download(w: World, client: Any, report: str, params: dict[str, Any]) -> Any:
    link = await ok(await client.post("/api/reports/links", json={"report": report, "params": params}))
    resp = await w.api.client().get(link["url"])
    assert resp.status_code == 200, resp.text
    return docx.Document(io.BytesIO(resp.content))


@pytest.mark.parametrize("profile", PROFILES)
async def test_pds7_members_are_ranked_by_specialty_match_without_those_serving_or_in_notice(
    db_url: str, tmp_path: Path, profile: str
) -> None:
    async with make_api(db_url, tmp_path, profile) as api:
        w = await World(api).build()
        both = await add_member(w.coord, profile, name="甲", specialties=["urban_renewal", "landscape"])
        one = await add_member(w.coord, profile, name="乙", specialties=["urban_renewal"], years_in_field=20)
        none = await add_member(
            w.coord, profile, name="丙", specialties=["farmland_protection"], years_in_field=30
        )
        busy = await add_member(w.coord, profile, name="丁", specialties=["urban_renewal", "landscape"])
        elsewhere = await add_request(w.s2, w.b, ["landscape"])
        await dispatch(
            w.coord,
            profile,
            elsewhere,
            busy,
            "2026-10-12",
            {"username": "ding", "password": "a-long-password"},
        )
        if profile == "pingdingshan":
            fresh = (
                await ok(
                    await w.coord.post("/api/pool/candidates", json=candidate(name="戊", applied_on=day(0))),
                    201,
                )
            )["id"]
            await ok(await w.coord.post(f"/api/pool/candidates/{fresh}/review", json={"outcome": "approved"}))
            await ok(await w.coord.post(f"/api/pool/candidates/{fresh}/notice", json={"starts_on": day(0)}))
        rid = await add_request(w.s1, w.a, ["urban_renewal", "landscape"])
        body = await ok(await w.coord.get(f"/api/dispatch-requests/{rid}/candidates"))
        assert [c["candidate_id"] for c in body["candidates"]] == [both, one, none]
        top = body["candidates"][0]
        assert (top["matched"], top["missing"]) == (["urban_renewal", "landscape"], [])
        assert top["reasons"][0] == {
            "code": "specialty_match",
            "params": {"matched": 2, "wanted": 2, "names": "城市更新、风景园林"},
        }
        out = {e["name"]: e["reason"]["code"] for e in body["excluded"]}
        assert out == (
            {"丁": "serving", "戊": "in_notice"} if profile == "pingdingshan" else {"丁": "serving"}
        )
        refused = await w.coord.post(f"/api/dispatch-requests/{rid}/dispatches", json={"candidate_id": busy})
        assert refused.status_code == 409 and refused.json()["field"] == "candidate_id"
        assert "serving in B区" in refused.json()["detail"]


async def test_pds7_a_pick_makes_the_planners_account_link_area_and_term_and_the_visit_counts(
    db_url: str, tmp_path: Path
) -> None:
    async with make_api(db_url, tmp_path, "pingdingshan") as api:
        w = await World(api).build()
        cid = await add_member(w.coord, "pingdingshan")
        rid = await add_request(w.s1, w.a)
        no_account = await w.coord.post(
            f"/api/dispatch-requests/{rid}/dispatches", json={"candidate_id": cid}
        )
        assert no_account.status_code == 422 and no_account.json()["field"] == "account.username"
        short = await w.coord.post(
            f"/api/dispatch-requests/{rid}/dispatches",
            json={"candidate_id": cid, "account": {"username": "wang", "password": "short"}},
        )
        assert short.status_code == 400 and short.json()["field"] == "account.password"
        taken = await w.coord.post(
            f"/api/dispatch-requests/{rid}/dispatches",
            json={"candidate_id": cid, "account": {"username": "p1", "password": "a-long-password"}},
        )
        assert taken.status_code == 409 and taken.json()["field"] == "account.username"
        assert await api.count("dispatches") == 0 and await api.count("dispatch_terms") == 0
        d = await dispatch(w.coord, "pingdingshan", rid, cid, "2026-10-12", ACCOUNT)
        assert (d["status"], d["starts_on"], d["terms"][0]["ends_on"]) == (
            "serving",
            "2026-10-12",
            "2027-10-11",
        )
        planner_id = d["planner_id"]
        # Nobody types them again: the planners list shows what the dispatch set.
        p = await ok(await w.coord.get(f"/api/planners/{planner_id}"))
        assert (p["display_name"], p["districts"], p["term_start"]) == ("王规划", [w.a], "2026-10-12")
        assert p["responsibility_area"] == {"center": [29.56, 106.55], "radius_m": 3000}
        assert p["specialty"] == "城市更新、国土空间规划"
        assert (await ok(await w.s1.get(f"/api/dispatch-requests/{rid}")))["status"] == "filled"
        # The new planner signs in and records a visit that counts for district A.
        wang = await api.login("wang", ACCOUNT["password"])
        [res] = await push(
            wang,
            {
                "op_id": "op-1",
                "kind": "visit",
                "id": "0190f5d2-0000-7000-8000-000000000001",
                "base_version": 0,
                "data": visit(
                    w.a, started_at="2026-11-02T09:00:00+08:00", ended_at="2026-11-02T11:00:00+08:00"
                ),
            },
        )
        assert res["status"] == "applied", res
        assert (
            await w.s1.post("/api/visits/0190f5d2-0000-7000-8000-000000000001/confirm", json=REASON)
        ).status_code == 200
        # District A's staff see it counted (their summary holds only their districts' planners).
        summary = await ok(await w.s1.get("/api/summary/planners", params={"year": 2026}))
        row = next(r for r in summary["planners"] if r["planner_id"] == planner_id)
        assert row["visits_confirmed"] == 1
        # The dispatch notice, in both people's answers and as a document.
        mine = await ok(await wang.get("/api/dispatches"))
        [seen] = mine["dispatches"]
        assert seen["notice"]["title"] == "责任规划师派驻通知"
        assert (
            "自2026年10月12日起派驻A区担任责任规划师，聘期至2027年10月11日" in seen["notice"]["paragraphs"][1]
        )
        staff = await ok(await w.s1.get(f"/api/dispatches/{d['id']}"))
        assert staff["notice"] == seen["notice"]
        doc = await _download(w, wang, "dispatch-notice", {"dispatch_id": d["id"]})
        text = "\n".join(p.text for p in doc.paragraphs)
        assert (
            "责任规划师派驻通知" in text
            and "平顶山市自然资源和规划局" in text
            and "老城区更新改造技术把关" in text
        )
        actions = {e["action"] for e in (await ok(await w.coord.get("/api/audit")))["entries"]}
        assert {"dispatch.add", "dispatch.start", "user.add", "user.link", "planner.update"} <= actions


async def test_cq3_the_appointment_steps_run_in_order_and_the_last_starts_the_service(
    db_url: str, tmp_path: Path
) -> None:
    async with make_api(db_url, tmp_path, "chongqing") as api:
        w = await World(api).build()
        cid = await add_member(w.coord, "chongqing")
        rid = await add_request(w.s1, w.a)
        early = await w.coord.post(
            f"/api/dispatch-requests/{rid}/dispatches", json={"candidate_id": cid, "starts_on": "2026-10-12"}
        )
        assert early.status_code == 400 and early.json()["field"] == "starts_on"
        d = await ok(
            await w.coord.post(f"/api/dispatch-requests/{rid}/dispatches", json={"candidate_id": cid}), 201
        )
        assert (d["status"], d["planner_id"], d["notice"], d["terms"]) == ("proposed", None, None, [])
        assert [s["step"] for s in d["steps"]] == list(STEPS) and all(
            s["done_on"] is None for s in d["steps"]
        )
        url = f"/api/dispatches/{d['id']}/steps"
        skipped = await w.coord.post(url, json={"step": "joint_deliberation", "done_on": "2026-10-08"})
        assert skipped.status_code == 422 and "needs_survey, qualification_check" in skipped.text
        await ok(
            await w.coord.post(
                url, json={"step": "needs_survey", "done_on": "2026-10-08", "note": "示范区需城市更新方向"}
            )
        )
        backwards = await w.coord.post(url, json={"step": "qualification_check", "done_on": "2026-10-07"})
        assert backwards.status_code == 422 and backwards.json()["field"] == "done_on"
        twice = await w.coord.post(url, json={"step": "needs_survey", "done_on": "2026-10-08"})
        assert twice.status_code == 409
        await ok(await w.coord.post(url, json={"step": "qualification_check", "done_on": "2026-10-09"}))
        extra = await w.coord.post(
            url, json={"step": "joint_deliberation", "done_on": "2026-10-09", "term_ends_on": "2027-10-09"}
        )
        assert extra.status_code == 400 and extra.json()["field"] == "term_ends_on"
        await ok(
            await w.coord.post(
                url,
                json={"step": "joint_deliberation", "done_on": "2026-10-10", "note": "会同市人力社保局合议"},
            )
        )
        await ok(await w.coord.post(url, json={"step": "district_opinion", "done_on": "2026-10-12"}))
        last = {
            "step": "appointment",
            "done_on": "2026-10-13",
            "certificate_no": "渝规聘〔2026〕1号",
            "account": ACCOUNT,
        }
        no_end = await w.coord.post(url, json=last)
        assert (
            no_end.status_code == 422 and no_end.json()["field"] == "term_ends_on"
        )  # CQ sets no term length
        no_cert = await w.coord.post(url, json={**last, "term_ends_on": "2027-10-12", "certificate_no": None})
        assert no_cert.status_code == 400 and no_cert.json()["field"] == "certificate_no"
        assert await api.count("dispatch_terms") == 0
        done = await ok(await w.coord.post(url, json={**last, "term_ends_on": "2027-10-12"}))
        assert (done["status"], done["starts_on"], done["terms"][0]["ends_on"]) == (
            "serving",
            "2026-10-13",
            "2027-10-12",
        )
        assert done["terms"][0]["contract"]["certificate_no"] == "渝规聘〔2026〕1号"
        assert [(s["step"], s["done_on"], s["recorded_by"]) for s in done["steps"]][:2] == [
            ("needs_survey", "2026-10-08", "coord"),
            ("qualification_check", "2026-10-09", "coord"),
        ]
        assert (
            done["notice"]["title"] == "区县首席规划师派驻通知"
            and done["notice"]["issuer"] == "重庆市规划和自然资源局"
        )
        p = await ok(await w.coord.get(f"/api/planners/{done['planner_id']}"))
        assert (p["districts"], p["term_start"]) == ([w.a], "2026-10-13")
        closed = await w.coord.post(url, json={**last, "term_ends_on": "2027-10-12", "account": None})
        assert closed.status_code == 409 and closed.json()["field"] == "step"


async def test_pds_has_no_appointment_steps(db_url: str, tmp_path: Path) -> None:
    async with make_api(db_url, tmp_path, "pingdingshan") as api:
        w = await World(api).build()
        cid = await add_member(w.coord, "pingdingshan")
        d = await dispatch(w.coord, "pingdingshan", await add_request(w.s1, w.a), cid, "2026-10-12", ACCOUNT)
        assert d["steps"] == []
        resp = await w.coord.post(
            f"/api/dispatches/{d['id']}/steps", json={"step": "needs_survey", "done_on": "2026-10-08"}
        )
        assert resp.status_code == 422 and resp.json()["field"] == "step"


async def test_cq3_a_proposed_dispatch_is_withdrawn_and_frees_the_seat(db_url: str, tmp_path: Path) -> None:
    async with make_api(db_url, tmp_path, "chongqing") as api:
        w = await World(api).build()
        cid = await add_member(w.coord, "chongqing")
        rid = await add_request(w.s1, w.a)
        d = await ok(
            await w.coord.post(f"/api/dispatch-requests/{rid}/dispatches", json={"candidate_id": cid}), 201
        )
        assert (await ok(await w.s1.get(f"/api/dispatch-requests/{rid}")))["status"] == "filled"
        no_note = await w.coord.post(f"/api/dispatches/{d['id']}/withdraw", json={})
        assert no_note.status_code == 400 and no_note.json()["field"] == "note"
        gone = await ok(
            await w.coord.post(f"/api/dispatches/{d['id']}/withdraw", json={"note": "区县政府意见：暂缓"})
        )
        assert (gone["status"], gone["end"]["reason"]) == ("withdrawn", "withdrawn")
        assert (await ok(await w.s1.get(f"/api/dispatch-requests/{rid}")))["status"] == "open"
        again = await ok(await w.coord.get(f"/api/dispatch-requests/{rid}/candidates"))
        assert [c["candidate_id"] for c in again["candidates"]] == [cid]


async def test_pds8_the_contract_record_lists_what_it_still_lacks_and_refuses_a_bad_amount(
    db_url: str, tmp_path: Path
) -> None:
    async with make_api(db_url, tmp_path, "pingdingshan") as api:
        w = await World(api).build()
        cid = await add_member(w.coord, "pingdingshan")
        d = await dispatch(w.coord, "pingdingshan", await add_request(w.s1, w.a), cid, "2026-10-12", ACCOUNT)
        url = f"/api/dispatches/{d['id']}/contract"
        assert d["terms"][0]["contract"]["missing"] == [
            "tasks",
            "service_mode",
            "service_fee",
            "rights_duties",
            "appraisal",
            "breach",
        ]
        part = await ok(
            await w.coord.put(
                url,
                json={
                    "certificate_no": "平责规〔2026〕7号",
                    "signed_on": "2026-10-12",
                    "tasks": "责任范围内规划咨询与方案审查",
                    "service_fee_cny": "12000.50",
                },
            )
        )
        c = part["terms"][0]["contract"]
        assert (c["service_fee_cny"], c["missing"]) == (
            "12000.50",
            ["service_mode", "rights_duties", "appraisal", "breach"],
        )
        for body, field in (
            ({"service_fee_cny": "-5"}, "service_fee_cny"),
            ({"service_fee_cny": "12.345"}, "service_fee_cny"),
            ({"signed_on": "2999-01-01"}, "signed_on"),
            ({"signed_on": "12/10/2026"}, "signed_on"),
            ({"penalty": "x"}, "penalty"),
            ({}, "body"),
        ):
            resp = await w.coord.put(url, json=body)
            assert resp.status_code == 400 and resp.json()["field"] == field, resp.text
        full = await ok(
            await w.coord.put(
                url,
                json={
                    "service_mode": "每周驻场一天",
                    "rights_duties": "见合同第三条",
                    "appraisal": "聘期届满前综合评议",
                    "breach": "见合同第六条",
                },
            )
        )
        c = full["terms"][0]["contract"]
        assert (c["service_fee_cny"], c["missing"], c["tasks"]) == (
            "12000.50",
            [],
            "责任范围内规划咨询与方案审查",
        )
        planner = await api.login("wang", ACCOUNT["password"])
        assert (await ok(await planner.get(f"/api/dispatches/{d['id']}")))["terms"][0]["contract"]["recorded"]
        assert (await planner.put(url, json={"tasks": "改"})).status_code == 403


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"specialties": ["urban_renewal", "unicorns"]}, "specialties"),
        ({"specialties": "urban_renewal"}, "specialties"),
        ({"planners_needed": 0}, "planners_needed"),
        ({"service_focus": ""}, "service_focus"),
        ({"filed_on": "2999-01-01"}, "filed_on"),
        ({"filed_on": "2026-13-01"}, "filed_on"),
        ({"responsibility_area": {"center": [300, 0], "radius_m": 5}}, "responsibility_area.center"),
        ({"district_id": "A"}, "district_id"),
    ],
)
async def test_a_bad_request_is_a_400_naming_the_field_and_stores_nothing(
    db_url: str, tmp_path: Path, over: dict[str, Any], field: str
) -> None:
    async with make_api(db_url, tmp_path, "pingdingshan") as api:
        w = await World(api).build()
        body = {
            "district_id": w.a,
            "specialties": ["urban_renewal"],
            "planners_needed": 1,
            "service_focus": "更新",
            **over,
        }
        resp = await w.s1.post("/api/dispatch-requests", json=body)
        assert resp.status_code == 400 and resp.json()["field"] == field, resp.text
        assert await api.count("dispatch_requests") == 0


async def test_a_dispatched_planners_term_start_is_not_typed_again(db_url: str, tmp_path: Path) -> None:
    async with make_api(db_url, tmp_path, "pingdingshan") as api:
        w = await World(api).build()
        cid = await add_member(w.coord, "pingdingshan")
        d = await dispatch(w.coord, "pingdingshan", await add_request(w.s1, w.a), cid, "2026-10-12", ACCOUNT)
        url = f"/api/planners/{d['planner_id']}"
        resp = await w.coord.put(url, json={"term_start": "2026-01-01"})
        assert resp.status_code == 409 and resp.json()["field"] == "term_start"
        assert (await ok(await w.coord.get(url)))["term_start"] == "2026-10-12"
        # The area may still be drawn more precisely.
        polygon = {"polygon": [[29.55, 106.54], [29.57, 106.54], [29.57, 106.56]]}
        assert (await ok(await w.coord.put(url, json={"responsibility_area": polygon})))[
            "responsibility_area"
        ] == polygon
        # A planner from before the pool keeps the old way.
        assert (
            await w.coord.put(f"/api/planners/{w.p1_id}", json={"term_start": "2026-01-01"})
        ).status_code == 200
