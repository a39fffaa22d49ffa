"""Flows through the API: invitations answered offline through sync, opinion follow-up into the
appraisal, the review queue's pages, photos, the map's coordinates, dossiers naming their records, audit."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.geo import wgs84_to_gcj02
from tests.server.conftest import op, opinion, pull_all, push
from tests.server.world import REASON, YEAR, Seeded, make_api, new_record, new_visit, png


async def test_a_planner_answers_an_invitation_offline_and_sees_the_attendance(
    db_url: str, tmp_path: Path
) -> None:
    async with make_api(db_url, tmp_path) as api:
        w = await Seeded(api).seed()
        changes, cursor = await pull_all(w.p1)
        [inv] = [c for c in changes if c["kind"] == "invitation"]
        assert inv["data"]["activity_id"] == w.activity_a
        assert (inv["data"]["topic"], inv["data"]["response"], inv["data"]["attendance"]) == (
            "甲会",
            None,
            None,
        )
        answer = op(
            "invitation_response",
            {"activity_id": w.activity_a, "response": "declined", "note": "出差"},
            inv["id"],
        )
        [first] = await push(w.p1, answer)
        [again] = await push(w.p1, answer)  # a re-send after a lost answer
        assert (first["status"], again["status"], again["original"]) == ("applied", "duplicate", "applied")
        activity = (await w.s1.get(f"/api/activities/{w.activity_a}")).json()
        assert [(i["planner_id"], i["response"], i["response_note"]) for i in activity["invitations"]] == [
            (w.p1_id, "declined", "出差")
        ]
        att = await w.s1.post(
            f"/api/activities/{w.activity_a}/attendance",
            json={"planner_id": w.p1_id, "status": "excused", "reason": "出差"},
        )
        assert att.status_code == 200
        changes, _ = await pull_all(w.p1, cursor)
        [inv2] = [c for c in changes if c["kind"] == "invitation"]
        assert inv2["id"] == inv["id"] and inv2["version"] == 3
        assert (inv2["data"]["response"], inv2["data"]["attendance"]) == ("declined", "excused")
        # Another planner's invitation, or a wrong id: rejected, naming the field.
        [other] = await push(
            w.p2, op("invitation_response", {"activity_id": w.activity_a, "response": "accepted"}, inv["id"])
        )
        assert other["status"] == "rejected" and other["error"].startswith("id:")
        [bad] = await push(
            w.p1, op("invitation_response", {"activity_id": w.activity_a, "response": "maybe"}, inv["id"])
        )
        assert bad["status"] == "rejected" and bad["error"].startswith("response:")
        # Staff and the other planner pull no invitations of p1.
        assert not [
            c for c in (await pull_all(w.p2))[0] if c["kind"] == "invitation" and c["id"] == inv["id"]
        ]


async def test_follow_up_reaches_the_dashboard_and_the_dossier_with_its_records(
    db_url: str, tmp_path: Path
) -> None:
    async with make_api(db_url, tmp_path) as api:
        w = await Seeded(api).seed()
        second = await new_record(w.p1, "opinion", opinion(w.a, subject="控规二"))
        for oid, q in ((w.opinion_a, 5), (second, 4)):
            resp = await w.s1.post(
                f"/api/opinions/{oid}/follow-up", json={"adoption": "adopted", "quality": q}
            )
            assert resp.status_code == 200
        bad = await w.s1.post(f"/api/opinions/{second}/follow-up", json={"adoption": "adopted", "quality": 6})
        assert bad.status_code == 400 and bad.json()["field"] == "quality"
        bad = await w.s1.post(f"/api/opinions/{second}/follow-up", json={"adoption": "yes", "quality": 3})
        assert bad.status_code == 400 and bad.json()["field"] == "adoption"
        dash = (await w.coord.get("/api/dashboard", params={"year": YEAR})).json()
        p1 = next(p for p in dash["planners"] if p["planner_id"] == w.p1_id)
        assert (p1["opinions"], p1["opinion_quality_mean"]) == (2, 4.5)
        listed = (await w.s1.get("/api/opinions", params={"year": YEAR})).json()["opinions"]
        assert {o["id"]: o["follow_up"]["quality"] for o in listed} == {w.opinion_a: 5, second: 4}
        mine = (await w.p2.get("/api/opinions")).json()["opinions"]
        assert [o["id"] for o in mine] == [w.opinion_b] and mine[0]["follow_up"] is None
        dossier = (await w.coord.get(f"/api/appraisal/{YEAR}/planners/{w.p1_id}")).json()["dossier"]
        assert dossier["opinion_quality"]["value"] == 4.5
        assert {r["id"] for r in dossier["adopted"]["records"]} == {w.opinion_a, second}
        assert all(
            r["kind"] == "opinion" and r["date"].startswith(str(YEAR)) for r in dossier["opinions"]["records"]
        )
        entries = (await w.coord.get("/api/audit", params={"action": "opinion.follow_up"})).json()["entries"]
        assert len(entries) == 2 and entries[0]["after"]["quality"] in (4, 5)


async def test_the_review_queue_pages_through_every_pending_visit_once(db_url: str, tmp_path: Path) -> None:
    async with make_api(db_url, tmp_path) as api:
        w = await Seeded(api).seed()
        ids = {w.visit_a} | {await new_visit(w.p1, w.a) for _ in range(6)}
        seen: list[str] = []
        cursor = None
        while True:
            params = {"district_id": w.a, "limit": 3, **({"cursor": cursor} if cursor else {})}
            body = (await w.s1.get("/api/review/queue", params=params)).json()
            seen += [v["id"] for v in body["visits"]]
            cursor = body["next_cursor"]
            if not body["has_more"]:
                break
        assert sorted(seen) == sorted(ids)
        first = (await w.s1.get("/api/review/queue", params={"district_id": w.a, "limit": 1})).json()[
            "visits"
        ][0]
        assert (
            first["planner_name"] == "张规划"
            and first["photos"] == [w.photo_a]
            and first["photos_missing"] == []
        )
        assert (await w.s1.get("/api/review/queue", params={"status": "maybe"})).json()["field"] == "status"


async def test_a_photo_is_served_to_who_may_see_it_and_a_missing_one_is_flagged(
    db_url: str, tmp_path: Path
) -> None:
    async with make_api(db_url, tmp_path) as api:
        w = await Seeded(api).seed()
        resp = await w.s1.get(f"/api/attachments/{w.photo_a}")
        assert resp.status_code == 200 and resp.headers["content-type"] == "image/png"
        assert resp.content == png(1)[1]
        never_uploaded = png(99)[0]
        rid = await new_visit(w.p1, w.a, photos=[never_uploaded])
        queue = {v["id"]: v for v in (await w.s1.get("/api/review/queue")).json()["visits"]}
        assert "photos_missing" in queue[rid]["flags"] and queue[rid]["photos_missing"] == [never_uploaded]
        assert (await w.s1.get(f"/api/attachments/{never_uploaded}")).status_code == 404


@pytest.mark.parametrize("crs", ["wgs84", "gcj02"])
async def test_the_map_converts_to_gcj02_only_for_chinese_basemaps(
    db_url: str, tmp_path: Path, crs: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FIELDLOG_MAP_CRS", crs)
    monkeypatch.setenv("FIELDLOG_MAP_TILE_URL", "https://tiles.example/{z}/{x}/{y}.png")
    async with make_api(db_url, tmp_path) as api:
        w = await Seeded(api).seed()
        rid = await new_visit(w.p1, w.a, lat=29.56, lon=106.55)
        config = (await w.s1.get("/api/config")).json()
        assert (config["map_crs"], config["tile_url"]) == (crs, "https://tiles.example/{z}/{x}/{y}.png")
        assert {r["code"] for r in config["reason_codes"]} >= {"verified_by_phone", "other"}
        assert config["flag_labels"]["outside_area"]["zh"] == "超出责任范围"
        body = (await w.coord.get("/api/dashboard/map", params={"year": YEAR, "district_id": w.a})).json()
        [point] = [p for p in body["points"] if p["visit_id"] == rid]
        want = (29.56, 106.55) if crs == "wgs84" else wgs84_to_gcj02(29.56, 106.55)
        assert body["crs"] == crs and (point["lat"], point["lon"]) == pytest.approx(want)
        changes, _ = await pull_all(w.p1)
        stored = next(c for c in changes if c["id"] == rid)
        assert (stored["data"]["lat"], stored["data"]["lon"]) == (29.56, 106.55)  # stored in WGS-84


async def test_every_review_action_is_in_the_audit_log_newest_first(db_url: str, tmp_path: Path) -> None:
    async with make_api(db_url, tmp_path) as api:
        w = await Seeded(api).seed()
        assert (await w.s1.post(f"/api/visits/{w.visit_a}/confirm", json=REASON)).status_code == 200
        rid = await new_visit(w.p1, w.a)
        assert (await w.s1.post(f"/api/visits/{rid}/reject", json={"reason": "重复"})).status_code == 200
        await w.s1.post(
            f"/api/activities/{w.activity_a}/attendance", json={"planner_id": w.p1_id, "status": "attended"}
        )
        await w.s1.post(f"/api/opinions/{w.opinion_a}/follow-up", json={"adoption": "adopted", "quality": 5})
        await w.coord.put(f"/api/appraisal/{YEAR}/grades", json={"grades": {str(w.p1_id): "称职"}})
        page = (await w.coord.get("/api/audit", params={"limit": 5})).json()
        actions = [e["action"] for e in page["entries"]]
        assert actions == [
            "appraisal.grades",
            "opinion.follow_up",
            "activity.attendance",
            "visit.reject",
            "sync.push",
        ]
        assert page["entries"][0]["username"] == "coord" and page["entries"][0]["at"]
        older = (await w.coord.get("/api/audit", params={"limit": 5, "before": page["next_before"]})).json()
        assert older["entries"][0]["id"] < page["entries"][-1]["id"]


async def test_audit_entries_name_the_planner_and_site_not_a_record_id(db_url: str, tmp_path: Path) -> None:
    async with make_api(db_url, tmp_path) as api:
        w = await Seeded(api).seed()
        assert (await w.s1.post(f"/api/visits/{w.visit_a}/confirm", json=REASON)).status_code == 200
        await w.s1.post(f"/api/opinions/{w.opinion_a}/follow-up", json={"adoption": "adopted", "quality": 5})
        await w.s1.post(
            f"/api/activities/{w.activity_a}/attendance", json={"planner_id": w.p1_id, "status": "attended"}
        )
        entries = (await w.coord.get("/api/audit", params={"limit": 10})).json()["entries"]
        about = {e["action"]: e["about"] for e in entries}
        assert about["visit.confirm"] == "张规划 · 解放碑社区"
        assert about["opinion.follow_up"] == "张规划 · 控规调整"
        assert about["activity.attendance"] == "甲会 · 张规划"
        assert about["sync.push"] is None  # a device, not a record: nothing to name
