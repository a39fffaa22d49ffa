"""CQ-6 through the API: travel claims with a receipt photo, decided by the district's staff (a rejection
needs its reason), and work funds per planner and year beside the appraisal grade. Bad amounts and dates
are 400s naming the field and store nothing; Pingdingshan (PDS-9 pays an allowance instead) takes neither."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.server.conftest import Api, World
from tests.server.world import YEAR, make_api, png, upload


def _claim(w: World, receipt: str, **over: Any) -> dict[str, Any]:
    body = {
        "district_id": w.a,
        "trip_on": f"{YEAR}-05-06",
        "trip": "往返A区老城片区现场指导",
        "amount": "86.50",
        "receipt_sha256": receipt,
    }
    body.update(over)
    return body


async def _stored(api: Api) -> dict[str, int]:
    return {t: await api.count(t) for t in ("travel_claims", "work_funds", "audit_log")}


@pytest.mark.parametrize("profile", ["chongqing", "pingdingshan"])
async def test_cq6_a_travel_claim_is_decided_by_the_staff_of_its_district(
    db_url: str, tmp_path: Path, profile: str
) -> None:
    async with make_api(db_url, tmp_path, profile) as api:
        w = await World(api).build()
        receipt = await upload(w.p1, 41)
        filed = await w.p1.post("/api/claims", json=_claim(w, receipt))
        if profile == "pingdingshan":
            assert filed.status_code == 409 and filed.json()["field"] == "travel_claims"
            assert await api.count("travel_claims") == 0
            return
        assert filed.status_code == 201, filed.text
        claim = filed.json()
        assert (claim["status"], claim["amount"], claim["amount_fen"]) == ("pending", "86.50", 8650)
        assert (claim["district_name"], claim["receipt_sha256"]) == ("A区", receipt)

        photo = await w.s1.get(f"/api/claims/{claim['id']}/receipt")
        assert photo.status_code == 200 and photo.content == png(41)[1]
        assert (await w.s2.get(f"/api/claims/{claim['id']}/receipt")).status_code == 404

        no_reason = await w.s1.post(f"/api/claims/{claim['id']}/reject", json={})
        assert no_reason.status_code == 400 and no_reason.json()["field"] == "reason"
        assert (await w.coord.post(f"/api/claims/{claim['id']}/approve")).status_code == 403
        rejected = await w.s1.post(f"/api/claims/{claim['id']}/reject", json={"reason": "票据与行程不符"})
        assert rejected.status_code == 200
        body = rejected.json()
        assert (body["status"], body["decision_reason"], body["decided_by"]) == (
            "rejected",
            "票据与行程不符",
            w.s1_id,
        )
        final = await w.s1.post(f"/api/claims/{claim['id']}/approve")
        assert final.status_code == 409 and final.json()["field"] == "status"

        second = (await w.p1.post("/api/claims", json=_claim(w, receipt, amount=120))).json()
        approved = await w.s1.post(f"/api/claims/{second['id']}/approve")
        assert approved.json()["status"] == "approved"
        listed = (await w.p1.get("/api/claims", params={"year": YEAR})).json()
        assert listed["totals"] == {"pending": "0.00", "approved": "120.00", "rejected": "86.50"}
        assert (await w.p2.get("/api/claims")).json()["claims"] == []
        assert [c["id"] for c in (await w.s2.get("/api/claims")).json()["claims"]] == []
        audit = (await w.coord.get("/api/audit", params={"action": "claim"})).json()["entries"]
        assert [e["action"] for e in audit] == ["claim.approve", "claim.file", "claim.reject", "claim.file"]


@pytest.mark.parametrize(
    ("over", "field", "status"),
    [
        ({"amount": 86.5}, "amount", 400),
        ({"amount": "86.505"}, "amount", 400),
        ({"amount": "0"}, "amount", 400),
        ({"amount": None}, "amount", 400),
        ({"trip_on": "2025-02-30"}, "trip_on", 400),
        ({"trip_on": "2999-01-01"}, "trip_on", 400),
        ({"trip": ""}, "trip", 400),
        ({"receipt_sha256": "abc"}, "receipt_sha256", 400),
        ({"receipt_sha256": "0" * 64}, "receipt_sha256", 422),
        ({"district_id": "x"}, "district_id", 400),
        ({"claimed": True}, "claimed", 400),
    ],
)
async def test_cq6_a_claim_with_a_bad_field_is_refused_naming_it_and_nothing_is_stored(
    world: World, api: Api, over: dict[str, Any], field: str, status: int
) -> None:
    receipt = await upload(world.p1, 42)
    before = await _stored(api)
    resp = await world.p1.post("/api/claims", json=_claim(world, receipt, **over))
    assert resp.status_code == status and resp.json()["field"] == field, resp.text
    assert await _stored(api) == before


async def test_cq6_a_claim_needs_a_receipt_its_claimant_uploaded_and_a_district_they_serve(
    world: World, api: Api
) -> None:
    others = await upload(world.p2, 43)
    mine = await upload(world.p1, 44)
    theirs = await world.p1.post("/api/claims", json=_claim(world, others))
    assert theirs.status_code == 422 and theirs.json()["field"] == "receipt_sha256"
    elsewhere = await world.p1.post("/api/claims", json=_claim(world, mine, district_id=world.b))
    assert elsewhere.status_code == 403 and elsewhere.json()["field"] == "district_id"
    assert await api.count("travel_claims") == 0


async def test_cq6_work_funds_are_kept_per_planner_and_year_beside_the_final_grade(
    world: World, api: Api
) -> None:
    w = world
    graded = await w.coord.put(f"/api/appraisal/{YEAR}/grades", json={"grades": {str(w.p1_id): "称职"}})
    assert graded.status_code == 200, graded.text
    resp = await w.coord.put(
        f"/api/work-funds/{YEAR}",
        json={
            "funds": {
                str(w.p1_id): {"amount": "20000", "note": "年度考核称职"},
                str(w.p2_id): {"amount": 15000},
            }
        },
    )
    assert resp.status_code == 200, resp.text
    rows = {r["planner_id"]: r for r in resp.json()["planners"]}
    assert (rows[w.p1_id]["final_grade"], rows[w.p1_id]["amount"], rows[w.p1_id]["note"]) == (
        "称职",
        "20000.00",
        "年度考核称职",
    )
    assert (rows[w.p2_id]["final_grade"], rows[w.p2_id]["amount"]) == (None, "15000.00")
    assert resp.json()["total"] == "35000.00"
    own = (await w.p1.get(f"/api/work-funds/{YEAR}")).json()["planners"]
    assert [r["planner_id"] for r in own] == [w.p1_id]
    assert (await w.s1.get(f"/api/work-funds/{YEAR}")).status_code == 403

    before = await _stored(api)
    for body, field in (
        ({"funds": {str(w.p1_id): {"amount": 1.5}}}, f"funds.{w.p1_id}.amount"),
        ({"funds": {str(w.p1_id): {"amount": "1", "bonus": 1}}}, f"funds.{w.p1_id}.bonus"),
        ({"funds": {"abc": {"amount": "1"}}}, "funds.abc"),
        ({"funds": {}}, "funds"),
    ):
        bad = await w.coord.put(f"/api/work-funds/{YEAR}", json=body)
        assert bad.status_code == 400 and bad.json()["field"] == field, bad.text
    stranger = await w.coord.put(f"/api/work-funds/{YEAR}", json={"funds": {str(w.s1_id): {"amount": "1"}}})
    assert stranger.status_code == 422 and stranger.json()["field"] == f"funds.{w.s1_id}"
    assert await _stored(api) == before
    removed = await w.coord.put(f"/api/work-funds/{YEAR}", json={"funds": {str(w.p2_id): None}})
    assert {r["planner_id"]: r["amount"] for r in removed.json()["planners"]}[w.p2_id] is None


async def test_cq6_pingdingshan_keeps_no_work_funds(db_url: str, tmp_path: Path) -> None:
    async with make_api(db_url, tmp_path, "pingdingshan") as api:
        w = await World(api).build()
        for resp in (
            await w.coord.get(f"/api/work-funds/{YEAR}"),
            await w.coord.put(f"/api/work-funds/{YEAR}", json={"funds": {str(w.p1_id): {"amount": "1"}}}),
        ):
            assert resp.status_code == 409 and resp.json()["field"] == "work_funds"
        assert await api.count("work_funds") == 0
