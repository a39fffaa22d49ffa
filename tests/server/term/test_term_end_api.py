"""The end of a term through the API: renewal decided from the grade (PDS-10, CQ-9), dismissal (CQ-11),
leaving early with a replacement (PDS-11), closing a service, and the districts' gaps, on both engines."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import docx
import pytest

from tests.server.conftest import World
from tests.server.term_world import add_member, add_request, day, dispatch, ok
from tests.server.world import make_api

PROFILES = ["chongqing", "pingdingshan"]


async def _serving(
    w: World, profile: str, starts_on: str = "2025-01-01", name: str = "王规划"
) -> dict[str, Any]:
    """A member dispatched to district A from ``starts_on``."""
    cid = await add_member(w.coord, profile, name=name)
    rid = await add_request(w.s1, w.a, filed_on="2024-12-20")
    account = {"username": f"u{cid}", "password": "a-long-password"}
    return await dispatch(w.coord, profile, rid, cid, starts_on, account)


async def _grade(w: World, year: int, planner_id: int, grade: str) -> None:
    await ok(await w.coord.put(f"/api/appraisal/{year}/grades", json={"grades": {str(planner_id): grade}}))


async def _actions(w: World, prefix: str) -> list[dict[str, Any]]:
    return list((await ok(await w.coord.get("/api/audit", params={"action": prefix})))["entries"])


async def test_pds10_an_unqualified_planner_is_not_renewed_and_leaves_the_pool_visibly_and_audited(
    db_url: str, tmp_path: Path
) -> None:
    async with make_api(db_url, tmp_path, "pingdingshan") as api:
        w = await World(api).build()
        d = await _serving(w, "pingdingshan")
        assert d["terms"][0]["ends_on"] == "2025-12-31"
        await _grade(w, 2025, d["planner_id"], "不合格")
        [term] = [
            t for t in (await ok(await w.coord.get("/api/terms")))["terms"] if t["dispatch_id"] == d["id"]
        ]
        assert term["latest_grade"] == {"year": 2025, "grade": "不合格"}
        assert (
            term["suggestion"]["decision"] == "not_renew"
            and term["suggestion"]["reason"]["code"] == "suggest_not_renew"
        )
        url = f"/api/dispatches/{d['id']}/decision"
        renew = await w.coord.post(url, json={"decision": "renew"})
        assert renew.status_code == 422 and renew.json()["field"] == "decision" and "PDS-10" in renew.text
        assert await _actions(w, "term.") == []
        out = await ok(await w.coord.post(url, json={"decision": "not_renew"}))
        t = out["terms"][0]["decision"]
        assert (t["decision"], t["rule_id"], t["grade"], t["grade_year"]) == (
            "not_renew",
            "PDS-10",
            "不合格",
            2025,
        )
        # The term was over: the service closed at once, the district link and the term start went.
        assert (out["status"], out["ends_on"], out["end"]["reason"]) == ("ended", "2025-12-31", "not_renewed")
        p = await ok(await w.coord.get(f"/api/planners/{d['planner_id']}"))
        assert (p["districts"], p["term_start"]) == ([], None)
        c = await ok(await w.coord.get(f"/api/pool/candidates/{d['candidate_id']}"))
        assert (c["status"], c["removal"]["reason"], c["removal"]["rule_id"]) == (
            "removed",
            "appraisal_unqualified",
            "PDS-10",
        )
        [status] = await _actions(w, "pool.status")
        assert status["before"] == {"stage": "in_notice"} and status["after"]["stage"] == "removed"
        assert [e["action"] for e in await _actions(w, "term.")] == ["term.decision"]
        assert (await w.coord.post(url, json={"decision": "not_renew"})).status_code == 409
        archive = await ok(await w.coord.get(f"/api/pool/candidates/{d['candidate_id']}/archive"))
        texts = [e["text"] for e in archive["events"]]
        assert any("不予续聘（PDS-10，考核不合格）" in t for t in texts)
        assert any(t.startswith("调出资源库（PDS-10）：聘期综合评议不合格") for t in texts)
        assert archive["grades"][0]["consequences"] == [
            {"code": "not_renewed", "rule_id": "PDS-10", "params": {"grade": "不合格"}},
            {"code": "removed_from_pool", "rule_id": "PDS-10", "params": {"grade": "不合格"}},
        ]
        link = await ok(
            await w.coord.post(
                "/api/reports/links",
                json={"report": "archive", "params": {"candidate_id": d["candidate_id"]}},
            )
        )
        doc = docx.Document(io.BytesIO((await api.client().get(link["url"])).content))
        text = "\n".join(p.text for p in doc.paragraphs) + "\n".join(
            c.text for t in doc.tables for r in t.rows for c in r.cells
        )
        assert (
            "责任规划师个人档案" in text and "不予续聘" in text and "调出资源库" in text and "PDS-3" in text
        )


@pytest.mark.parametrize("profile", PROFILES)
async def test_pds10_cq9_renewal_is_recorded_with_the_grade_and_starts_the_next_term(
    db_url: str, tmp_path: Path, profile: str
) -> None:
    async with make_api(db_url, tmp_path, profile) as api:
        w = await World(api).build()
        d = await _serving(w, profile)
        url = f"/api/dispatches/{d['id']}/decision"
        ungraded = await w.coord.post(url, json={"decision": "renew", "next_term_ends_on": "2026-12-31"})
        assert ungraded.status_code == 422 and ungraded.json()["field"] == "grade_year"
        _, middle, _ = (await ok(await w.coord.get("/api/appraisal/2025")))["grades"]
        await _grade(w, 2025, d["planner_id"], middle)
        body: dict[str, Any] = {"decision": "renew"}
        if profile == "chongqing":
            missing = await w.coord.post(url, json=body)
            assert missing.status_code == 422 and missing.json()["field"] == "next_term_ends_on"
            body["next_term_ends_on"] = "2027-06-30"
        else:
            given = await w.coord.post(url, json={**body, "next_term_ends_on": "2027-06-30"})
            assert given.status_code == 422 and given.json()["field"] == "next_term_ends_on"
        out = await ok(await w.coord.post(url, json=body))
        first, second = out["terms"]
        rule = "PDS-10" if profile == "pingdingshan" else "CQ-9"
        assert (first["decision"]["decision"], first["decision"]["grade"], first["decision"]["rule_id"]) == (
            "renew",
            middle,
            rule,
        )
        end = "2026-12-31" if profile == "pingdingshan" else "2027-06-30"
        assert (second["number"], second["starts_on"], second["ends_on"], second["decision"]) == (
            2,
            "2026-01-01",
            end,
            None,
        )
        assert out["status"] == "serving" and out["current_term"] == 2
        p = await ok(await w.coord.get(f"/api/planners/{d['planner_id']}"))
        assert (p["term_start"], p["districts"]) == ("2026-01-01", [w.a])


async def test_cq9_cq11_an_incompetent_planner_is_dismissed_with_the_reason_in_the_archive(
    db_url: str, tmp_path: Path
) -> None:
    async with make_api(db_url, tmp_path, "chongqing") as api:
        w = await World(api).build()
        d = await _serving(w, "chongqing")
        await _grade(w, 2025, d["planner_id"], "不称职")
        url = f"/api/dispatches/{d['id']}/decision"
        for body in (
            {"decision": "renew", "next_term_ends_on": "2026-12-31"},
            {"decision": "not_renew", "note": "x"},
        ):
            resp = await w.coord.post(url, json=body)
            assert resp.status_code == 422 and "CQ-11" in resp.text
        out = await ok(await w.coord.post(url, json={"decision": "dismiss", "ground": "incompetent"}))
        t = out["terms"][0]["decision"]
        assert (t["decision"], t["ground"], t["rule_id"]) == ("dismiss", "incompetent", "CQ-11")
        assert (out["status"], out["end"]["reason"]) == ("ended", "dismissed")
        c = await ok(await w.coord.get(f"/api/pool/candidates/{d['candidate_id']}"))
        assert c["status"] == "dismissed"
        archive = await ok(await w.coord.get(f"/api/pool/candidates/{d['candidate_id']}/archive"))
        assert any(
            e["code"] == "dismissed" and e["text"] == "解聘（CQ-11）：考核不称职" for e in archive["events"]
        )


async def test_cq11_three_unexcused_absences_in_a_row_are_a_ground_for_dismissal(
    db_url: str, tmp_path: Path
) -> None:
    async with make_api(db_url, tmp_path, "chongqing") as api:
        w = await World(api).build()
        d = await _serving(w, "chongqing")
        url = f"/api/dispatches/{d['id']}/decision"
        for n in range(3):
            act = await ok(
                await w.s1.post(
                    "/api/activities",
                    json={
                        "district_id": w.a,
                        "topic": f"技术咨询会{n}",
                        "starts_at": f"2025-0{n + 4}-10T09:00:00+08:00",
                        "planner_ids": [d["planner_id"]],
                    },
                ),
                201,
            )
            await ok(
                await w.s1.post(
                    f"/api/activities/{act['id']}/attendance",
                    json={"planner_id": d["planner_id"], "status": "unexcused"},
                )
            )
            if n == 1:
                two = await w.coord.post(
                    url, json={"decision": "dismiss", "ground": "absences", "grade_year": 2025}
                )
                assert two.status_code == 422 and two.json()["field"] == "ground"
        [term] = [
            t for t in (await ok(await w.coord.get("/api/terms")))["terms"] if t["dispatch_id"] == d["id"]
        ]
        assert (term["suggestion"]["decision"], term["suggestion"]["ground"]) == ("dismiss", "absences")
        out = await ok(
            await w.coord.post(url, json={"decision": "dismiss", "ground": "absences", "grade_year": 2025})
        )
        assert out["terms"][0]["decision"]["ground"] == "absences"
        archive = await ok(await w.coord.get(f"/api/pool/candidates/{d['candidate_id']}/archive"))
        [event] = [e for e in archive["events"] if e["code"] == "dismissed"]
        assert event["text"] == "解聘（CQ-11）：无正当理由，一年内连续3次或总计5次不参加技术指导和咨询活动"


@pytest.mark.parametrize("profile", PROFILES)
async def test_pds_has_no_dismissal_but_cq11_records_the_other_grounds(
    db_url: str, tmp_path: Path, profile: str
) -> None:
    async with make_api(db_url, tmp_path, profile) as api:
        w = await World(api).build()
        d = await _serving(w, profile, starts_on=day(-30))
        url = f"/api/dispatches/{d['id']}/decision"
        resp = await w.coord.post(
            url, json={"decision": "dismiss", "ground": "own_request", "note": "本人书面申请"}
        )
        if profile == "pingdingshan":
            assert resp.status_code == 422 and resp.json()["field"] == "decision"
            return
        out = resp.json()
        assert resp.status_code == 200, resp.text
        # Dismissed today, inside the term: the service closes today.
        assert (out["ends_on"], out["status"]) == (day(0), "ended")
        assert out["terms"][0]["decision"]["note"] == "本人书面申请"


async def test_a_service_decided_to_end_later_is_closed_on_or_after_its_last_day(
    db_url: str, tmp_path: Path
) -> None:
    async with make_api(db_url, tmp_path, "pingdingshan") as api:
        w = await World(api).build()
        d = await _serving(w, "pingdingshan", starts_on=day(-10))
        out = await ok(
            await w.coord.post(
                f"/api/dispatches/{d['id']}/decision", json={"decision": "not_renew", "note": "区里不再需要"}
            )
        )
        assert (out["status"], out["ends_on"], out["close_due"]) == (
            "serving",
            out["terms"][0]["ends_on"],
            False,
        )
        early = await w.coord.post(f"/api/dispatches/{d['id']}/close")
        assert early.status_code == 422 and out["ends_on"] in early.json()["detail"]
        p = await ok(await w.coord.get(f"/api/planners/{d['planner_id']}"))
        assert p["districts"] == [w.a]  # still serving until the last day
        c = await ok(await w.coord.get(f"/api/pool/candidates/{d['candidate_id']}"))
        assert c["status"] == "member"  # not renewed with a note: stays in the pool


@pytest.mark.parametrize("profile", PROFILES)
async def test_pds11_leaving_early_opens_the_seat_as_a_replacement_request_and_the_gap_is_counted(
    db_url: str, tmp_path: Path, profile: str
) -> None:
    async with make_api(db_url, tmp_path, profile) as api:
        w = await World(api).build()
        first = await add_member(w.coord, profile, name="甲")
        second = await add_member(w.coord, profile, name="乙", specialties=["urban_renewal", "landscape"])
        rid = await add_request(w.s1, w.a, ["urban_renewal"], filed_on="2026-01-05")
        d = await dispatch(
            w.coord, profile, rid, first, "2026-02-01", {"username": "jia", "password": "a-long-password"}
        )
        bad = await w.coord.post(
            f"/api/dispatches/{d['id']}/exit", json={"filed_on": "2026-02-10", "leave_on": "2026-02-09"}
        )
        assert bad.status_code == 400 and bad.json()["field"] == "leave_on"
        out = await ok(
            await w.coord.post(
                f"/api/dispatches/{d['id']}/exit",
                json={"filed_on": "2026-02-10", "leave_on": "2026-03-10", "reason": "工作调动"},
            )
        )
        assert (
            out["dispatch"]["ends_on"],
            out["dispatch"]["end"]["reason"],
            out["dispatch"]["end"]["rule_id"],
        ) == (
            "2026-03-09",
            "left_early",
            "PDS-11",
        )
        assert out["dispatch"]["status"] == "ended"  # 9 March has passed: closed at once
        # PDS-11: 16 working days' notice (Spring Festival off, Saturdays 14 and 28 February working): enough.
        assert out["exit_request"]["alert"] is None
        r = out["replacement_request"]
        assert (r["status"], r["replaces_dispatch_id"], r["district_id"], r["specialties"]) == (
            "open",
            d["id"],
            w.a,
            ["urban_renewal"],
        )
        ranked = await ok(await w.coord.get(f"/api/dispatch-requests/{r['id']}/candidates"))
        assert [c["candidate_id"] for c in ranked["candidates"]] == [second, first]
        gaps = await ok(await w.s1.get("/api/terms/gaps", params={"from": "2026-01-01", "to": "2026-03-31"}))
        [a] = gaps["districts"]
        assert (a["days_without_planner"], a["current_gap_days"], a["open_seats"]) == (27 + 22, 22, 1)
        await dispatch(
            w.coord, profile, r["id"], second, "2026-03-20", {"username": "yi", "password": "a-long-password"}
        )
        gaps = await ok(
            await w.coord.get("/api/terms/gaps", params={"from": "2026-01-01", "to": "2026-03-31"})
        )
        by_id = {g["district_id"]: g for g in gaps["districts"]}
        assert (
            by_id[w.a]["days_without_planner"],
            by_id[w.a]["current_gap_days"],
            by_id[w.a]["serving"],
        ) == (27 + 10, None, 1)
        assert by_id[w.a]["spans"] == [
            {"from": "2026-01-05", "to": "2026-01-31"},
            {"from": "2026-03-10", "to": "2026-03-19"},
        ]
        assert by_id[w.b]["needed_since"] is None and by_id[w.b]["days_without_planner"] == 0


async def test_pds11_a_short_exit_notice_is_flagged(db_url: str, tmp_path: Path) -> None:
    async with make_api(db_url, tmp_path, "pingdingshan") as api:
        w = await World(api).build()
        d = await _serving(w, "pingdingshan", starts_on="2026-09-01")
        out = await ok(
            await w.coord.post(
                f"/api/dispatches/{d['id']}/exit", json={"filed_on": "2026-09-29", "leave_on": "2026-10-12"}
            )
        )
        alert = out["exit_request"]["alert"]
        assert (alert["code"], alert["rule_id"], alert["params"]["notice_working_days"]) == (
            "short_exit_notice",
            "PDS-11",
            5,
        )


async def test_gaps_bad_dates_are_400_naming_them(db_url: str, tmp_path: Path) -> None:
    async with make_api(db_url, tmp_path, "pingdingshan") as api:
        w = await World(api).build()
        for params, field in (
            ({"from": "2026-02-30"}, "from"),
            ({"to": "soon"}, "to"),
            ({"from": "2026-05-01", "to": "2026-04-01"}, "from"),
        ):
            resp = await w.coord.get("/api/terms/gaps", params=params)
            assert resp.status_code == 400 and resp.json()["field"] == field, resp.text
        assert (await w.p1.get("/api/terms/gaps")).status_code == 403
