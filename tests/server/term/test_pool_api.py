"""The pool through the API: entry, review, the public notice and its objections (PDS-4), eligibility
(PDS-3, CQ-2), removal (PDS-6) and upkeep (PDS-5), on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.server.conftest import Api, World
from tests.server.term_world import NOTICE_STARTS, add_member, add_request, candidate, day, ok
from tests.server.world import make_api

PROFILES = ["chongqing", "pingdingshan"]


async def _audit(api: Api, w: World, action: str) -> list[dict[str, Any]]:
    body = await ok(await w.coord.get("/api/audit", params={"action": action}))
    entries: list[dict[str, Any]] = body["entries"]
    return entries


async def test_pds4_a_candidate_enters_the_pool_the_day_after_a_notice_over_national_day(
    db_url: str, tmp_path: Path
) -> None:
    async with make_api(db_url, tmp_path, "pingdingshan") as api:
        w = await World(api).build()
        c = await ok(await w.coord.post("/api/pool/candidates", json=candidate()), 201)
        assert (c["status"], c["eligibility"]["eligible"], c["eligibility"]["rule_id"]) == (
            "applied",
            True,
            "PDS-3",
        )
        r = await ok(
            await w.coord.post(
                f"/api/pool/candidates/{c['id']}/review",
                json={"outcome": "approved", "reviewed_on": "2026-09-28"},
            )
        )
        assert r["status"] == "approved"
        n = await ok(
            await w.coord.post(f"/api/pool/candidates/{c['id']}/notice", json={"starts_on": NOTICE_STARTS})
        )
        assert n["notice"]["ends_on"] == "2026-10-10"  # 5 working days: 29, 30 Sep; 8, 9, Sat 10 Oct
        assert n["notice"]["enters_on"] == "2026-10-11"
        assert (n["status"], n["member_since"]) == ("member", "2026-10-11")
        [entry] = await _audit(api, w, "pool.notice")
        assert entry["after"] == {
            "starts_on": NOTICE_STARTS,
            "ends_on": "2026-10-10",
            "rule_id": "PDS-4",
            "working_days": 5,
        }
        archive = await ok(await w.coord.get(f"/api/pool/candidates/{c['id']}/archive"))
        codes = [(e["on"], e["code"]) for e in archive["events"]]
        assert codes == [
            ("2026-09-01", "applied"),
            ("2026-09-28", "reviewed"),
            (NOTICE_STARTS, "notice"),
            ("2026-10-11", "entered"),
        ]
        assert archive["events"][2]["text"] == "公示2026-09-29至2026-10-10（PDS-4）"


async def test_pds4_a_notice_shorter_than_five_working_days_is_refused_and_stores_nothing(
    db_url: str, tmp_path: Path
) -> None:
    async with make_api(db_url, tmp_path, "pingdingshan") as api:
        w = await World(api).build()
        cid = (await ok(await w.coord.post("/api/pool/candidates", json=candidate()), 201))["id"]
        await ok(await w.coord.post(f"/api/pool/candidates/{cid}/review", json={"outcome": "approved"}))
        for body, field in (
            ({"starts_on": NOTICE_STARTS, "ends_on": "2026-10-09"}, "ends_on"),
            ({"starts_on": "2026-09-31"}, "starts_on"),
            ({}, "starts_on"),
            ({"starts_on": NOTICE_STARTS, "days": 5}, "days"),
        ):
            resp = await w.coord.post(f"/api/pool/candidates/{cid}/notice", json=body)
            assert resp.status_code in (400, 422) and resp.json()["field"] == field, resp.text
        assert (
            "2026-10-10"
            in (
                await w.coord.post(
                    f"/api/pool/candidates/{cid}/notice",
                    json={"starts_on": NOTICE_STARTS, "ends_on": "2026-10-09"},
                )
            ).json()["detail"]
        )
        assert (await ok(await w.coord.get(f"/api/pool/candidates/{cid}")))["status"] == "approved"
        assert await _audit(api, w, "pool.notice") == []


async def test_cq_has_no_public_notice_approval_admits_at_once(db_url: str, tmp_path: Path) -> None:
    async with make_api(db_url, tmp_path, "chongqing") as api:
        w = await World(api).build()
        cid = (await ok(await w.coord.post("/api/pool/candidates", json=candidate()), 201))["id"]
        r = await ok(
            await w.coord.post(
                f"/api/pool/candidates/{cid}/review",
                json={"outcome": "approved", "reviewed_on": "2026-09-28"},
            )
        )
        assert (r["status"], r["member_since"], r["notice"]) == ("member", "2026-09-28", None)
        resp = await w.coord.post(f"/api/pool/candidates/{cid}/notice", json={"starts_on": NOTICE_STARTS})
        assert resp.status_code == 409 or resp.status_code == 422, resp.text


async def test_pds4_a_valid_objection_filed_while_the_notice_runs_cancels_the_entry(
    db_url: str, tmp_path: Path
) -> None:
    async with make_api(db_url, tmp_path, "pingdingshan") as api:
        w = await World(api).build()
        cid = (await ok(await w.coord.post("/api/pool/candidates", json=candidate(applied_on=day(0))), 201))[
            "id"
        ]
        await ok(await w.coord.post(f"/api/pool/candidates/{cid}/review", json={"outcome": "approved"}))
        running = await ok(
            await w.coord.post(f"/api/pool/candidates/{cid}/notice", json={"starts_on": day(0)})
        )
        assert running["status"] == "in_notice"
        late = await w.coord.post(
            f"/api/pool/candidates/{cid}/objections", json={"filed_on": day(1), "content": "明天的异议"}
        )
        assert late.status_code == 400 and late.json()["field"] == "filed_on"  # not in the future
        o = await ok(
            await w.coord.post(
                f"/api/pool/candidates/{cid}/objections",
                json={"filed_on": day(0), "content": "反映其曾受行政处罚", "source": "来信"},
            ),
            201,
        )
        [objection] = o["objections"]
        assert (objection["status"], o["objection_open"]) == ("open", True)
        d = await ok(
            await w.coord.post(
                f"/api/pool/objections/{objection['id']}/decision",
                json={"outcome": "upheld", "note": "经查证属实，不符合入库条件"},
            )
        )
        assert (d["objection"]["status"], d["candidate"]["status"]) == ("upheld", "cancelled")
        again = await w.coord.post(
            f"/api/pool/objections/{objection['id']}/decision", json={"outcome": "dismissed", "note": "x"}
        )
        assert again.status_code == 409
        [entry] = await _audit(api, w, "pool.objection.decide")
        assert entry["after"]["candidate_stage"] == "cancelled"


async def test_pds4_an_objection_after_the_notice_is_refused_and_an_invalid_one_lets_the_candidate_in(
    db_url: str, tmp_path: Path
) -> None:
    async with make_api(db_url, tmp_path, "pingdingshan") as api:
        w = await World(api).build()
        cid = await add_member(w.coord, "pingdingshan")
        after = await w.coord.post(
            f"/api/pool/candidates/{cid}/objections", json={"filed_on": "2026-10-11", "content": "过期异议"}
        )
        assert after.status_code == 422 and after.json()["field"] == "filed_on"
        assert "2026-09-29 to 2026-10-10" in after.json()["detail"]
        # Received on the notice's last working day, recorded afterwards: entry waits for the check.
        o = await ok(
            await w.coord.post(
                f"/api/pool/candidates/{cid}/objections",
                json={"filed_on": "2026-10-09", "content": "反映资历不实"},
            ),
            201,
        )
        assert (o["status"], o["objection_open"], o["member_since"]) == ("in_notice", True, None)
        d = await ok(
            await w.coord.post(
                f"/api/pool/objections/{o['objections'][0]['id']}/decision",
                json={"outcome": "dismissed", "note": "经核查，资历属实", "decided_on": "2026-10-20"},
            )
        )
        assert (d["candidate"]["status"], d["candidate"]["member_since"]) == ("member", "2026-10-20")


async def test_cq2_the_exception_is_granted_with_a_written_reason_that_the_archive_keeps(
    db_url: str, tmp_path: Path
) -> None:
    async with make_api(db_url, tmp_path, "chongqing") as api:
        w = await World(api).build()
        body = candidate(title="senior", registered_planner=False)
        cid = (await ok(await w.coord.post("/api/pool/candidates", json=body), 201))["id"]
        c = await ok(await w.coord.get(f"/api/pool/candidates/{cid}"))
        assert (c["eligibility"]["eligible"], c["eligibility"]["exception_possible"]) == (False, True)
        refused = await w.coord.post(f"/api/pool/candidates/{cid}/review", json={"outcome": "approved"})
        assert refused.status_code == 422 and refused.json()["field"] == "outcome" and "CQ-2" in refused.text
        no_reason = await w.coord.post(f"/api/pool/candidates/{cid}/exception", json={"reason": "  "})
        assert no_reason.status_code == 400 and no_reason.json()["field"] == "reason"
        reason = "主持完成多项省级国土空间规划，在行业内有较高影响力"
        g = await ok(await w.coord.post(f"/api/pool/candidates/{cid}/exception", json={"reason": reason}))
        assert (g["eligibility"]["eligible"], g["eligibility"]["route"]) == (True, "exception")
        assert g["exception"]["reason"] == reason and g["exception"]["by"]
        await ok(await w.coord.post(f"/api/pool/candidates/{cid}/review", json={"outcome": "approved"}))
        archive = await ok(await w.coord.get(f"/api/pool/candidates/{cid}/archive"))
        assert any(e["code"] == "exception" and reason in e["text"] for e in archive["events"])


async def test_pds3_has_no_exception_to_grant(db_url: str, tmp_path: Path) -> None:
    async with make_api(db_url, tmp_path, "pingdingshan") as api:
        w = await World(api).build()
        cid = (
            await ok(
                await w.coord.post("/api/pool/candidates", json=candidate(title="none", years_in_field=3)),
                201,
            )
        )["id"]
        resp = await w.coord.post(f"/api/pool/candidates/{cid}/exception", json={"reason": "很优秀"})
        assert resp.status_code == 422 and "PDS-3" in resp.text


@pytest.mark.parametrize("profile", PROFILES)
async def test_pds3_cq2_a_violation_record_bars_approval(db_url: str, tmp_path: Path, profile: str) -> None:
    async with make_api(db_url, tmp_path, profile) as api:
        w = await World(api).build()
        body = candidate(violations=[{"on": "2024-05-01", "note": "失信被执行人"}])
        c = await ok(await w.coord.post("/api/pool/candidates", json=body), 201)
        failed = [k["code"] for k in c["eligibility"]["checks"] if not k["ok"]]
        assert failed == ["violations"] and not c["eligibility"]["eligible"]
        resp = await w.coord.post(f"/api/pool/candidates/{c['id']}/review", json={"outcome": "approved"})
        assert resp.status_code == 422
        r = await ok(
            await w.coord.post(
                f"/api/pool/candidates/{c['id']}/review", json={"outcome": "rejected", "note": "有失信记录"}
            )
        )
        assert r["status"] == "rejected"


async def test_pds6_a_member_leaves_the_pool_with_a_coded_reason_and_a_note(
    db_url: str, tmp_path: Path
) -> None:
    async with make_api(db_url, tmp_path, "pingdingshan") as api:
        w = await World(api).build()
        cid = await add_member(w.coord, "pingdingshan")
        url = f"/api/pool/candidates/{cid}/removal"
        for body, field in (
            ({"reason": "tired", "note": "x"}, "reason"),
            ({"reason": "own_request"}, "note"),
            ({"reason": "own_request", "note": "x", "removed_on": "2026-10-01"}, "removed_on"),
        ):
            resp = await w.coord.post(url, json=body)
            assert resp.status_code == 400 and resp.json()["field"] == field, resp.text
        assert (await ok(await w.coord.get(f"/api/pool/candidates/{cid}")))["status"] == "member"
        r = await ok(
            await w.coord.post(url, json={"reason": "own_request", "note": "工作调动，本人书面申请退出"})
        )
        assert (r["status"], r["removal"]["reason"], r["removal"]["rule_id"]) == (
            "removed",
            "own_request",
            "PDS-6",
        )
        assert (await w.coord.post(url, json={"reason": "other", "note": "x"})).status_code == 409
        archive = await ok(await w.coord.get(f"/api/pool/candidates/{cid}/archive"))
        removed = [e for e in archive["events"] if e["code"] == "removed"]
        assert (
            removed
            and "本人因身体健康、工作调动" in removed[0]["text"]
            and "own request" in removed[0]["text_en"]
        )


async def test_cq7_a_removal_from_the_expert_pool_is_other_with_a_note(db_url: str, tmp_path: Path) -> None:
    async with make_api(db_url, tmp_path, "chongqing") as api:
        w = await World(api).build()
        cid = await add_member(w.coord, "chongqing")
        pds = await w.coord.post(
            f"/api/pool/candidates/{cid}/removal", json={"reason": "own_request", "note": "x"}
        )
        assert pds.status_code == 400 and pds.json()["field"] == "reason"
        r = await ok(
            await w.coord.post(
                f"/api/pool/candidates/{cid}/removal", json={"reason": "other", "note": "长期联系不上"}
            )
        )
        assert (r["status"], r["removal"]["rule_id"]) == ("removed", "CQ-7")


async def test_pds5_members_long_without_service_need_a_period_and_are_listed(
    db_url: str, tmp_path: Path
) -> None:
    async with make_api(db_url, tmp_path, "pingdingshan") as api:
        w = await World(api).build()
        cid = await add_member(w.coord, "pingdingshan")
        resp = await w.coord.get("/api/pool/idle")
        assert resp.status_code == 400 and resp.json()["field"] == "days"  # no period set anywhere
        idle = await ok(await w.coord.get("/api/pool/idle", params={"days": 30}))
        [m] = idle["members"]
        assert (m["candidate_id"], m["last_service_on"], m["last_service"]) == (cid, "2026-10-11", "entered")
        assert m["idle_days"] >= 30
        assert (await ok(await w.coord.get("/api/pool/idle", params={"days": 36500})))["members"] == []
        bad = await w.coord.get("/api/pool/idle", params={"days": "0"})
        assert bad.status_code == 400 and bad.json()["field"] == "days"


async def test_pds5_the_specialties_open_requests_need_but_the_pool_lacks(
    db_url: str, tmp_path: Path
) -> None:
    async with make_api(db_url, tmp_path, "pingdingshan") as api:
        w = await World(api).build()
        await add_member(w.coord, "pingdingshan", specialties=["urban_renewal"])
        await add_request(w.s1, w.a, ["urban_renewal", "landscape"], planners_needed=2)
        await add_request(w.s2, w.b, ["farmland_protection"])
        gaps = await ok(await w.coord.get("/api/pool/specialty-gaps"))
        rows = {r["specialty"]: (r["seats"], r["available"], r["short_by"]) for r in gaps["specialties"]}
        assert rows == {"urban_renewal": (2, 1, 1), "farmland_protection": (1, 0, 1), "landscape": (2, 0, 2)}
        assert [g["specialty"] for g in gaps["gaps"]] == ["urban_renewal", "farmland_protection", "landscape"]


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"specialties": ["urban_renewal", "city_magic"]}, "specialties"),
        ({"specialties": []}, "specialties"),
        ({"degree": "phd"}, "degree"),
        ({"title": None}, "title"),
        ({"years_in_field": -1}, "years_in_field"),
        ({"years_in_field": 2.5}, "years_in_field"),
        ({"registered_planner": "yes"}, "registered_planner"),
        ({"applied_on": "2026-02-30"}, "applied_on"),
        ({"applied_on": "2999-01-01"}, "applied_on"),
        ({"name": "王\x00"}, "name"),
        ({"violations": [{"on": "bad", "note": "x"}]}, "violations[0].on"),
        ({"user_id": 999}, "user_id"),
        ({"colour": "red"}, "colour"),
    ],
)
async def test_a_bad_candidate_is_a_4xx_naming_the_field_and_stores_nothing(
    db_url: str, tmp_path: Path, over: dict[str, Any], field: str
) -> None:
    async with make_api(db_url, tmp_path, "pingdingshan") as api:
        w = await World(api).build()
        resp = await w.coord.post("/api/pool/candidates", json=candidate(**over))
        assert resp.status_code in (400, 422), resp.text
        assert resp.json()["field"] == field
        assert await api.count("pool_candidates") == 0
        assert await _audit(api, w, "pool.candidate") == []


async def test_a_dispatched_candidates_account_is_not_retyped(db_url: str, tmp_path: Path) -> None:
    async with make_api(db_url, tmp_path, "pingdingshan") as api:
        w = await World(api).build()
        cid = await add_member(w.coord, "pingdingshan", user_id=w.p1_id)
        twice = await w.coord.post("/api/pool/candidates", json=candidate(name="重复", user_id=w.p1_id))
        assert twice.status_code == 422 and twice.json()["field"] == "user_id"
        staff_account = await w.coord.put(f"/api/pool/candidates/{cid}", json={"user_id": w.s1_id})
        assert staff_account.status_code == 422 and staff_account.json()["field"] == "user_id"
        rid = await add_request(w.s1, w.a)
        await ok(
            await w.coord.post(f"/api/dispatch-requests/{rid}/dispatches", json={"candidate_id": cid}), 201
        )
        moved = await w.coord.put(f"/api/pool/candidates/{cid}", json={"user_id": w.p2_id})
        assert moved.status_code == 409 and moved.json()["field"] == "user_id"
