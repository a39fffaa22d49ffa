"""The sites phones fetch after their pull, and district staff's curation, over the real app and database.

Sites come from the district's records (every planner's), follow the order of changes, vanish when no live
record names them, and the last page counts each district's live sites. Staff add, rename and retire.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from shared.protocol import decode_cursor
from tests.server.conftest import Api, World, op, opinion, push, visit


async def sites(client: httpx.AsyncClient, cursor: str = "", **params: Any) -> dict[str, Any]:
    """Every page after ``cursor``: the sites in order, the districts, the last cursor and counts."""
    out: dict[str, Any] = {"sites": [], "pages": 0}
    while True:
        resp = await client.get("/api/sites", params={"cursor": cursor, **params})
        assert resp.status_code == 200, resp.text
        body = resp.json()
        out["sites"].extend(body["sites"])
        out["districts"] = body["districts"]
        out["pages"] += 1
        cursor = body["cursor"]
        if not body["has_more"]:
            assert "counts" in body
            out["cursor"], out["counts"] = cursor, body["counts"]
            return out
        assert "counts" not in body


def by_name(entries: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {e["name"]: e for e in entries}


def on(day: str) -> dict[str, str]:
    """A visit's times on ``day`` (YYYY-MM-DD), 09:00 to 10:00 Beijing time."""
    return {"started_at": f"{day}T09:00:00+08:00", "ended_at": f"{day}T10:00:00+08:00"}


async def new_visit(client: httpx.AsyncClient, district: int, **over: Any) -> str:
    rid = str(uuid.uuid4())
    [res] = await push(client, op("visit", visit(district, **over), rid))
    assert res["status"] == "applied", res
    return rid


async def test_a_planner_gets_the_sites_of_the_districts_they_serve_with_last_fix_and_time(
    world: World,
) -> None:
    await new_visit(world.p1, world.a, lat=29.5, lon=106.5, **on("2025-06-01"))
    await new_visit(world.p1, world.a, lat=29.6, lon=106.6, **on("2025-06-03"))
    # Newest, but without a fix: the time moves on, the position stays that of the newest fix.
    await new_visit(world.p1, world.a, **on("2025-06-05"))
    await new_visit(world.p1, world.a, site="老城片区", **on("2025-05-01"))
    [res] = await push(world.p1, op("opinion", opinion(world.a, subject="东湖片区控规")))
    assert res["status"] == "applied"
    await new_visit(world.p2, world.b, site="乙区工地")

    got = await sites(world.p1)
    assert [d["id"] for d in got["districts"]] == [world.a]
    assert got["districts"][0]["name"] == "A区"
    named = by_name(got["sites"])
    assert set(named) == {"解放碑社区", "老城片区", "东湖片区控规"}
    jfb = named["解放碑社区"]
    assert (jfb["kind"], jfb["state"], jfb["uses"]) == ("site", "live", 3)
    assert (jfb["lat"], jfb["lon"]) == (29.6, 106.6)
    assert jfb["last_at"].startswith("2025-06-05T01:00:00")
    assert named["东湖片区控规"]["kind"] == "project"
    assert got["counts"] == {str(world.a): 3}


async def test_every_planner_of_a_district_sees_the_sites_its_other_planners_visited(
    api: Api, world: World
) -> None:
    await api.add_user("p3", "planner", (world.a, world.b))
    p3 = await api.login("p3")
    await new_visit(world.p1, world.a, site="甲方工地")
    await new_visit(world.p2, world.b, site="乙方工地")
    got = await sites(p3)
    assert [d["id"] for d in got["districts"]] == [world.a, world.b]
    assert {(e["district_id"], e["name"]) for e in got["sites"]} == {
        (world.a, "甲方工地"),
        (world.b, "乙方工地"),
    }
    only_b = await sites(p3, district_id=world.b)
    assert [e["name"] for e in only_b["sites"]] == ["乙方工地"]


async def test_after_the_cursor_only_changed_sites_come_and_a_site_nobody_names_is_gone(world: World) -> None:
    rid = await new_visit(world.p1, world.a, site="临时工地")
    await new_visit(world.p1, world.a, site="老城片区")
    first = await sites(world.p1)
    assert len(first["sites"]) == 2
    assert (await sites(world.p1))["sites"] == first["sites"]  # the same list from the start again
    again = await sites(world.p1, first["cursor"])
    assert again["sites"] == [] and again["counts"] == {str(world.a): 2}

    [res] = await push(world.p1, op("visit", None, rid, base_version=1))
    assert res["status"] == "applied"
    after_delete = await sites(world.p1, first["cursor"])
    assert [(e["name"], e["state"]) for e in after_delete["sites"]] == [("临时工地", "gone")]
    assert after_delete["counts"] == {str(world.a): 1}
    assert decode_cursor(after_delete["cursor"]) > decode_cursor(first["cursor"])


async def test_a_renamed_visit_leaves_its_old_site_for_the_count_to_reveal(world: World) -> None:
    """The old name takes no position of its own: the phone learns it from counts (then fetches all)."""
    rid = await new_visit(world.p1, world.a, site="错别字工地")
    first = await sites(world.p1)
    [res] = await push(world.p1, op("visit", visit(world.a, site="正确工地"), rid, base_version=1))
    assert res["status"] == "applied"
    changed = await sites(world.p1, first["cursor"])
    assert [(e["name"], e["state"]) for e in changed["sites"]] == [("正确工地", "live")]
    assert changed["counts"] == {str(world.a): 1}  # the phone holds 2: it starts over
    assert [e["name"] for e in (await sites(world.p1))["sites"]] == ["正确工地"]


async def test_sites_page_in_change_order_without_gaps_or_repeats(world: World) -> None:
    for i in range(7):
        await new_visit(world.p1, world.a, site=f"工地{i}")
    got = await sites(world.p1, limit="2")
    assert got["pages"] == 4
    assert [e["name"] for e in got["sites"]] == [f"工地{i}" for i in range(7)]


async def test_staff_rename_a_site_and_records_under_the_old_name_count_for_the_new(world: World) -> None:
    await new_visit(world.p1, world.a, site="解放碑社区", lat=29.55, lon=106.57)
    first = await sites(world.p1)
    resp = await world.s1.post(
        "/api/sites/rename", json={"district_id": world.a, "name": "解放碑社区", "new_name": "解放碑"}
    )
    assert resp.status_code == 200, resp.text
    assert (resp.json()["name"], resp.json()["uses"], resp.json()["aliases"]) == ("解放碑", 1, ["解放碑社区"])
    changed = by_name((await sites(world.p1, first["cursor"]))["sites"])
    assert changed["解放碑社区"]["state"] == "gone"
    assert (changed["解放碑"]["state"], changed["解放碑"]["lat"]) == ("live", 29.55)

    await new_visit(world.p1, world.a, site="解放碑社区", **on("2025-07-01"))
    full = by_name((await sites(world.p1))["sites"])
    assert set(full) == {"解放碑"} and full["解放碑"]["uses"] == 2

    # Renaming back to the earlier name is an ordinary rename; renaming an earlier name is refused.
    resp = await world.s1.post(
        "/api/sites/rename", json={"district_id": world.a, "name": "解放碑", "new_name": "解放碑社区"}
    )
    assert (resp.status_code, resp.json()["aliases"]) == (200, ["解放碑"])
    resp = await world.s1.post(
        "/api/sites/rename", json={"district_id": world.a, "name": "解放碑", "new_name": "别的"}
    )
    assert (resp.status_code, resp.json()["field"]) == (400, "name")


async def test_renaming_onto_another_site_merges_the_two(world: World) -> None:
    await new_visit(world.p1, world.a, site="东湖公园", lat=29.1, lon=106.1)
    await new_visit(world.p1, world.a, site="东湖 公园")
    resp = await world.s1.post(
        "/api/sites/rename", json={"district_id": world.a, "name": "东湖 公园", "new_name": "东湖公园"}
    )
    assert resp.status_code == 200, resp.text
    got = await sites(world.p1)
    live = [e for e in got["sites"] if e["state"] == "live"]
    assert [(e["name"], e["uses"], e["aliases"]) for e in live] == [("东湖公园", 2, ["东湖 公园"])]
    assert got["counts"] == {str(world.a): 1}


async def test_staff_retire_a_site_and_add_it_back_and_add_one_nobody_visited(world: World) -> None:
    await new_visit(world.p1, world.a, site="拆除工地")
    resp = await world.s1.post("/api/sites/retire", json={"district_id": world.a, "name": "拆除工地"})
    assert (resp.status_code, resp.json()["state"]) == (200, "retired")
    got = await sites(world.p1)
    assert [(e["name"], e["state"]) for e in got["sites"]] == [("拆除工地", "retired")]
    assert got["counts"] == {str(world.a): 0}

    resp = await world.coord.post(
        "/api/sites",
        json={"district_id": world.a, "name": "新建学校", "kind": "project", "lat": 29.2, "lon": 106.2},
    )
    assert resp.status_code == 201, resp.text
    assert (resp.json()["state"], resp.json()["uses"], resp.json()["lat"]) == ("live", 0, 29.2)
    resp = await world.s1.post("/api/sites", json={"district_id": world.a, "name": "拆除工地"})
    assert (resp.status_code, resp.json()["state"], resp.json()["uses"]) == (201, "live", 1)
    resp = await world.s1.post("/api/sites", json={"district_id": world.a, "name": "拆除工地"})
    assert (resp.status_code, resp.json()["field"]) == (400, "name")
    assert (await sites(world.p1))["counts"] == {str(world.a): 2}


async def test_curation_is_audited_naming_the_site(world: World) -> None:
    resp = await world.s1.post("/api/sites", json={"district_id": world.a, "name": "审计工地"})
    assert resp.status_code == 201
    entries = (await world.coord.get("/api/audit", params={"action": "site."})).json()["entries"]
    assert [(e["action"], e["about"]) for e in entries] == [("site.add", "审计工地")]


async def test_the_planner_receives_the_responsibility_area_with_each_district(world: World) -> None:
    area = {"center": [29.56, 106.55], "radius_m": 1500.0}
    resp = await world.coord.put(f"/api/planners/{world.p1_id}", json={"responsibility_area": area})
    assert resp.status_code == 200, resp.text
    got = await sites(world.p1)
    assert got["districts"] == [{"id": world.a, "name": "A区", "area": area}]
    assert (await sites(world.s1))["districts"][0]["area"] is None


async def test_who_gets_which_districts_sites(world: World) -> None:
    await new_visit(world.p1, world.a, site="甲地")
    await new_visit(world.p2, world.b, site="乙地")
    assert [e["name"] for e in (await sites(world.p1))["sites"]] == ["甲地"]
    assert [e["name"] for e in (await sites(world.s2))["sites"]] == ["乙地"]
    assert {e["name"] for e in (await sites(world.coord))["sites"]} == {"甲地", "乙地"}
    assert [e["name"] for e in (await sites(world.admin, district_id=world.b))["sites"]] == ["乙地"]
    for client in (world.p1, world.s1):
        resp = await client.get("/api/sites", params={"district_id": world.b})
        assert (resp.status_code, resp.json()["field"]) == (403, "district_id")
        assert "乙地" not in resp.text


async def test_who_may_curate_which_districts_sites(api: Api, world: World) -> None:
    await new_visit(world.p1, world.a, site="甲地")
    body = {"district_id": world.a, "name": "甲地"}
    resp = await world.p1.post("/api/sites", json={**body, "name": "新地"})
    assert (resp.status_code, resp.json()["field"]) == (403, "role")
    for path in ("/api/sites", "/api/sites/retire"):
        resp = await world.s2.post(path, json=body)
        assert (resp.status_code, resp.json()["field"]) == (403, "district_id")
    resp = await world.s2.post("/api/sites/rename", json={**body, "new_name": "乙地"})
    assert (resp.status_code, resp.json()["field"]) == (403, "district_id")
    assert await api.count("district_sites") == 0
    resp = await world.admin.post("/api/sites/retire", json=body)
    assert resp.status_code == 200
    resp = await world.coord.post("/api/sites", json={"district_id": 999_999, "name": "无"})
    assert (resp.status_code, resp.json()["field"]) == (404, "district_id")


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/sites", [], "body"),
        ("/api/sites", {"name": "x"}, "district_id"),
        ("/api/sites", {"district_id": "甲", "name": "x"}, "district_id"),
        ("/api/sites", {"district_id": True, "name": "x"}, "district_id"),
        ("/api/sites", {"district_id": "{a}"}, "name"),
        ("/api/sites", {"district_id": "{a}", "name": "   "}, "name"),
        ("/api/sites", {"district_id": "{a}", "name": "x" * 201}, "name"),
        ("/api/sites", {"district_id": "{a}", "name": "a\x00b"}, "name"),
        ("/api/sites", {"district_id": "{a}", "name": 5}, "name"),
        ("/api/sites", {"district_id": "{a}", "name": "x", "kind": "road"}, "kind"),
        ("/api/sites", {"district_id": "{a}", "name": "x", "lat": 29.5}, "lon"),
        ("/api/sites", {"district_id": "{a}", "name": "x", "lat": 91, "lon": 106}, "lat"),
        ("/api/sites", {"district_id": "{a}", "name": "x", "lat": 29, "lon": "106"}, "lon"),
        ("/api/sites/rename", {"district_id": "{a}", "name": "甲地"}, "new_name"),
        ("/api/sites/rename", {"district_id": "{a}", "name": "甲地", "new_name": "甲地"}, "new_name"),
        ("/api/sites/rename", {"district_id": "{a}", "name": "没有的", "new_name": "y"}, "name"),
        ("/api/sites/retire", {"district_id": "{a}", "name": "没有的"}, "name"),
    ],
)
async def test_bad_curation_is_refused_naming_the_field_and_nothing_is_stored(
    api: Api, world: World, path: str, body: Any, field: str
) -> None:
    await new_visit(world.p1, world.a, site="甲地")
    if isinstance(body, dict):
        body = {k: world.a if v == "{a}" else v for k, v in body.items()}
    resp = await world.s1.post(path, json=body)
    assert 400 <= resp.status_code < 500, resp.text
    assert resp.json()["field"] == field, resp.text
    assert await api.count("district_sites") == 0


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"limit": "0"}, "limit"),
        ({"limit": "1001"}, "limit"),
        ({"limit": "lots"}, "limit"),
        ({"district_id": "甲"}, "district_id"),
        ({"district_id": "0"}, "district_id"),
    ],
)
async def test_a_bad_sites_request_is_refused_naming_the_field(
    world: World, params: dict[str, str], field: str
) -> None:
    resp = await world.p1.get("/api/sites", params=params)
    assert (resp.status_code, resp.json()["field"]) == (400, field), resp.text
