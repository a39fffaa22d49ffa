"""Sign-in, bearer tokens and what each role may see of districts."""

from __future__ import annotations

import pytest

from server.core.auth import TOKEN_VERSION
from server.people.service import create_user, set_password
from tests.server.conftest import Api, World

PROTECTED = [
    ("GET", "/api/districts"),
    ("POST", "/api/sync/push"),
    ("GET", "/api/sync/pull"),
    ("POST", "/api/attachments/missing"),
    ("PUT", "/api/attachments/" + "0" * 64),
    ("POST", "/api/visits/00000000-0000-0000-0000-000000000000/confirm"),
    ("POST", "/api/visits/00000000-0000-0000-0000-000000000000/reject"),
    ("GET", "/api/summary/planners?year=2025"),
]


async def test_login_returns_a_bearer_token_and_the_user(api: Api) -> None:
    d = await api.add_district("示范区")
    uid = await api.add_user("planner1", "planner", (d,), display_name="张规划")
    resp = await api.client().post(
        "/api/auth/login", json={"username": "planner1", "password": "fieldlog-test-pw"}
    )
    assert resp.status_code == 200
    body = resp.json()
    assert body["token_type"] == "bearer"
    assert body["access_token"]
    assert body["user"] == {"id": uid, "username": "planner1", "role": "planner", "display_name": "张规划"}


@pytest.mark.parametrize(
    ("username", "password"),
    [
        ("planner1", "wrong-password"),
        ("nobody", "fieldlog-test-pw"),
        ("planner1\x00", "fieldlog-test-pw"),  # was a 500 on PostgreSQL, which cannot compare a NUL
    ],
)
async def test_login_with_wrong_credentials_is_401(api: Api, username: str, password: str) -> None:
    await api.add_user("planner1", "planner")
    resp = await api.client().post("/api/auth/login", json={"username": username, "password": password})
    assert resp.status_code == 401
    assert "access_token" not in resp.json()
    assert "password" in resp.json()["detail"]


@pytest.mark.parametrize("field", ["username", "display_name"])
async def test_a_user_name_with_a_nul_character_is_refused_by_name(api: Api, field: str) -> None:
    names = {"username": "planner1", "display_name": "张规划", field: "张\x00规划"}
    with pytest.raises(ValueError, match=f"^{field}: must not contain the NUL"):
        await create_user(
            api.db, names["username"], "planner", "fieldlog-test-pw", display_name=names["display_name"]
        )


async def test_login_without_password_is_400_naming_password(api: Api) -> None:
    resp = await api.client().post("/api/auth/login", json={"username": "x"})
    assert resp.status_code == 400
    assert resp.json()["field"] == "password"


async def test_every_api_route_needs_a_token(api: Api) -> None:
    client = api.client()
    for method, path in PROTECTED:
        resp = await client.request(method, path, json={})
        assert resp.status_code == 401, (method, path, resp.text)
        assert resp.json()["detail"]


async def test_a_forged_token_is_401(api: Api) -> None:
    client = api.client("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.bogus")
    assert (await client.get("/api/districts")).status_code == 401


async def test_health_needs_no_token(api: Api) -> None:
    resp = await api.client().get("/health")
    assert resp.status_code == 200
    assert resp.json()["status"] == "ok"


async def test_openapi_schema_is_served(api: Api) -> None:
    resp = await api.client().get("/schema/openapi.json")
    assert resp.status_code == 200
    assert "/api/sync/push" in resp.json()["paths"]


async def test_districts_are_scoped_to_the_users_links(world: World) -> None:
    names = lambda resp: sorted(d["name"] for d in resp.json())  # noqa: E731
    assert names(await world.p1.get("/api/districts")) == ["A区"]
    assert names(await world.s2.get("/api/districts")) == ["B区"]
    assert names(await world.coord.get("/api/districts")) == ["A区", "B区"]
    assert names(await world.admin.get("/api/districts")) == ["A区", "B区"]


async def test_an_unknown_route_is_a_json_404_naming_the_path(world: World) -> None:
    resp = await world.p1.get("/api/nothing-here")
    assert resp.status_code == 404
    assert resp.json()["field"] == "path"


async def test_a_wrong_method_is_a_json_405_naming_the_method(world: World) -> None:
    resp = await world.p1.delete("/api/districts")
    assert resp.status_code == 405
    assert resp.json()["field"] == "method"


async def test_a_password_reset_voids_the_tokens_issued_before_it(api: Api) -> None:
    await api.add_user("planner1", "planner")
    phone = await api.login("planner1")
    assert (await phone.get("/api/districts")).status_code == 200
    await set_password(api.db, "planner1", "a-new-password-1")
    refused = await phone.get("/api/districts")
    assert refused.status_code == 401 and refused.json()["field"] == "authorization"
    again = await api.login("planner1", "a-new-password-1")
    assert (await again.get("/api/districts")).status_code == 200


async def test_a_reset_for_an_unknown_user_or_to_a_short_password_is_refused_by_name(api: Api) -> None:
    await api.add_user("planner1", "planner")
    with pytest.raises(ValueError, match=r"^username: no user 'nobody'"):
        await set_password(api.db, "nobody", "a-new-password-1")
    with pytest.raises(ValueError, match=r"^password: needs at least 8"):
        await set_password(api.db, "planner1", "short")
    phone = await api.login("planner1")  # asserts 200: the old password still signs in
    assert (await phone.get("/api/districts")).status_code == 200


@pytest.mark.parametrize("claim", ["0", True, None, 1.0])
async def test_a_token_whose_version_claim_is_not_a_whole_number_is_refused(api: Api, claim: object) -> None:
    uid = await api.add_user("planner1", "planner")
    jwt_auth = api.app.state.jwt_auth
    forged = jwt_auth.create_token(identifier=str(uid), token_extras={TOKEN_VERSION: claim})
    resp = await api.client(forged).get("/api/districts")
    assert resp.status_code == 401
    good = jwt_auth.create_token(identifier=str(uid), token_extras={TOKEN_VERSION: 0})
    assert (await api.client(good).get("/api/districts")).status_code == 200


async def test_a_token_from_before_token_versions_works_until_the_first_reset(api: Api) -> None:
    uid = await api.add_user("planner1", "planner")
    old = api.app.state.jwt_auth.create_token(identifier=str(uid))  # no version claim at all
    assert (await api.client(old).get("/api/districts")).status_code == 200
    await set_password(api.db, "planner1", "a-new-password-1")
    assert (await api.client(old).get("/api/districts")).status_code == 401
