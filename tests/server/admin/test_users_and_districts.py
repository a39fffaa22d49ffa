"""Administration without a shell: an admin adds districts and users, disables one (their records stay,
sign-in and their tokens stop), enables them, resets a password, links districts; every change is audited
with the admin who made it, and bad input is a 4xx naming the field with nothing stored."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.conftest import DEFAULT_PASSWORD
from tests.server.conftest import Api, World, op, push, visit


async def _stored(api: Api) -> dict[str, int]:
    return {t: await api.count(t) for t in ("users", "user_districts", "districts", "audit_log")}


async def test_an_admin_adds_a_district_and_a_user_who_can_sign_in(world: World, api: Api) -> None:
    w = world
    made = await w.admin.post("/api/admin/districts", json={"name": "C区"})
    assert made.status_code == 201, made.text
    district = made.json()["id"]
    resp = await w.admin.post(
        "/api/admin/users",
        json={
            "username": "p9",
            "display_name": "钱规划",
            "role": "planner",
            "password": "first-password-9",
            "district_ids": [district],
        },
    )
    assert resp.status_code == 201, resp.text
    user = resp.json()
    assert (user["username"], user["role"], user["active"], user["districts"]) == (
        "p9",
        "planner",
        True,
        [district],
    )
    client = await api.login("p9", "first-password-9")
    assert [d["name"] for d in (await client.get("/api/districts")).json()] == ["C区"]
    listed = (await w.admin.get("/api/admin/districts")).json()["districts"]
    assert {d["name"]: (d["planners"], d["staff"]) for d in listed}["C区"] == (1, 0)
    audit = (await w.admin.get("/api/audit", params={"action": "user.add"})).json()["entries"]
    assert audit[0]["user_id"] == w.admin_id and audit[0]["after"]["username"] == "p9"
    district_audit = (await w.admin.get("/api/audit", params={"action": "district.add"})).json()["entries"]
    assert district_audit[0]["user_id"] == w.admin_id


async def test_a_disabled_user_keeps_their_records_cannot_sign_in_and_their_token_stops(
    world: World, api: Api
) -> None:
    w = world
    [res] = await push(w.p1, op("visit", visit(w.a)))
    assert res["status"] == "applied"
    resp = await w.admin.post(f"/api/admin/users/{w.p1_id}/disable")
    assert resp.status_code == 200 and resp.json()["active"] is False
    assert (await w.p1.get("/api/sync/pull")).status_code == 401
    login = await api.client().post("/api/auth/login", json={"username": "p1", "password": DEFAULT_PASSWORD})
    assert login.status_code == 401
    assert await api.count("visits") == 1
    staff_view = (await w.s1.get("/api/review/queue", params={"status": "all"})).json()["visits"]
    assert len(staff_view) == 1  # the planner's visit is still there to review

    enabled = await w.admin.post(f"/api/admin/users/{w.p1_id}/enable")
    assert enabled.json()["active"] is True
    assert (await w.p1.get("/api/sync/pull")).status_code == 401  # the old token stays void
    again = await api.login("p1")
    assert (await again.get("/api/sync/pull")).status_code == 200
    actions = [
        e["action"] for e in (await w.admin.get("/api/audit", params={"action": "user."})).json()["entries"]
    ]
    assert actions[:2] == ["user.enable", "user.disable"]

    self_disable = await w.admin.post(f"/api/admin/users/{w.admin_id}/disable")
    assert self_disable.status_code == 409 and self_disable.json()["field"] == "user_id"


async def test_an_admin_resets_a_password_and_every_device_is_signed_out(world: World, api: Api) -> None:
    w = world
    short = await w.admin.post(f"/api/admin/users/{w.s1_id}/password", json={"password": "short"})
    assert short.status_code == 400 and short.json()["field"] == "password"
    resp = await w.admin.post(f"/api/admin/users/{w.s1_id}/password", json={"password": "a-new-password-1"})
    assert resp.status_code == 200, resp.text
    assert (await w.s1.get("/api/districts")).status_code == 401
    assert (await (await api.login("s1", "a-new-password-1")).get("/api/districts")).status_code == 200
    [entry] = (await w.admin.get("/api/audit", params={"action": "user.password"})).json()["entries"]
    assert entry["user_id"] == w.admin_id and "a-new-password-1" not in str(entry)


async def test_an_admin_links_a_planner_to_districts(world: World, api: Api) -> None:
    w = world
    resp = await w.admin.put(f"/api/admin/users/{w.p1_id}/districts", json={"district_ids": [w.a, w.b]})
    assert resp.status_code == 200 and resp.json()["districts"] == [w.a, w.b]
    assert len((await (await api.login("p1")).get("/api/districts")).json()) == 2
    [entry] = (await w.admin.get("/api/audit", params={"action": "user.districts"})).json()["entries"]
    assert (entry["before"], entry["after"]) == ({"districts": [w.a]}, {"districts": [w.a, w.b]})


@pytest.mark.parametrize(
    ("path", "body", "field", "status"),
    [
        (
            "/api/admin/users",
            {"username": "", "role": "planner", "password": "long-enough-1"},
            "username",
            400,
        ),
        ("/api/admin/users", {"username": "x", "role": "boss", "password": "long-enough-1"}, "role", 400),
        ("/api/admin/users", {"username": "x", "role": "planner", "password": "short"}, "password", 400),
        ("/api/admin/users", {"username": "x", "role": "planner"}, "password", 400),
        (
            "/api/admin/users",
            {"username": "p1", "role": "planner", "password": "long-enough-1"},
            "username",
            409,
        ),
        (
            "/api/admin/users",
            {"username": "x" * 101, "role": "planner", "password": "long-enough-1"},
            "username",
            400,
        ),
        (
            "/api/admin/users",
            {"username": "x", "role": "coordinator", "password": "long-enough-1", "district_ids": [1]},
            "district_ids",
            400,
        ),
        (
            "/api/admin/users",
            {"username": "x", "role": "planner", "password": "long-enough-1", "district_ids": [999]},
            "district_ids",
            400,
        ),
        (
            "/api/admin/users",
            {"username": "x", "role": "planner", "password": "long-enough-1", "admin": 1},
            "admin",
            400,
        ),
        ("/api/admin/districts", {"name": ""}, "name", 400),
        ("/api/admin/districts", {"name": "A区"}, "name", 409),
        ("/api/admin/districts", {"name": "区\x00"}, "name", 400),
    ],
)
async def test_bad_administration_input_is_a_4xx_naming_the_field_and_nothing_is_stored(
    world: World, api: Api, path: str, body: dict[str, Any], field: str, status: int
) -> None:
    before = await _stored(api)
    resp = await world.admin.post(path, json=body)
    assert resp.status_code == status and resp.json()["field"] == field, resp.text
    assert await _stored(api) == before


async def test_bad_district_links_are_refused_and_nothing_changes(world: World, api: Api) -> None:
    before = await _stored(api)
    for body, field in (
        ({}, "district_ids"),
        ({"district_ids": "A区"}, "district_ids"),
        ({"district_ids": [999]}, "district_ids"),
        ({"district_ids": [2**40]}, "district_ids"),
    ):
        resp = await world.admin.put(f"/api/admin/users/{world.p1_id}/districts", json=body)
        assert resp.status_code == 400 and resp.json()["field"] == field
    coordinator = await world.admin.put(
        f"/api/admin/users/{world.coord_id}/districts", json={"district_ids": [world.a]}
    )
    assert coordinator.status_code == 400 and coordinator.json()["field"] == "district_ids"
    missing = await world.admin.post("/api/admin/users/9999/disable")
    assert missing.status_code == 404 and missing.json()["field"] == "user_id"
    assert await _stored(api) == before


async def test_two_admins_adding_one_username_at_once_get_one_user_and_one_409(
    world: World, api: Api
) -> None:
    other = await api.login("root")
    body = {"username": "twin", "role": "coordinator", "password": "long-enough-1"}
    answers = await asyncio.gather(
        world.admin.post("/api/admin/users", json=body), other.post("/api/admin/users", json=body)
    )
    assert sorted(r.status_code for r in answers) == [201, 409]
    assert [u["username"] for u in (await world.admin.get("/api/admin/users")).json()["users"]].count(
        "twin"
    ) == 1
