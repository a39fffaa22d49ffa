"""Authorisation of the review, activity, follow-up, appraisal, report and site endpoints as a matrix:
endpoint x role (planner, district staff,
coordinator, admin) x a record in scope (district A, where planner p1 and staff s1 serve) and one out of
scope (district B). Out of scope is 403 or 404, and the answer never contains district B's data.
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from server.people.service import set_password
from tests.server.world import REASON, SECRET, YEAR, Seeded, make_api, new_visit

ROLES = ("planner", "staff", "coordinator", "admin")
OK, DENY = "ok", "deny"

Call = Callable[[Seeded, httpx.AsyncClient, bool], Awaitable[httpx.Response]]


@dataclass(frozen=True)
class Case:
    call: Call
    #: role -> (expected in scope, expected out of scope)
    expect: dict[str, tuple[str, str]]


BUREAU_ONLY = {"planner": (DENY, DENY), "staff": (DENY, DENY), "coordinator": (OK, OK), "admin": (OK, OK)}
STAFF_SCOPED_READ = {"planner": (DENY, DENY), "staff": (OK, DENY), "coordinator": (OK, OK), "admin": (OK, OK)}
STAFF_ONLY_WRITE = {
    "planner": (DENY, DENY),
    "staff": (OK, DENY),
    "coordinator": (DENY, DENY),
    "admin": (DENY, DENY),
}
OWNER_STAFF_BUREAU = {"planner": (OK, DENY), "staff": (OK, DENY), "coordinator": (OK, OK), "admin": (OK, OK)}
STAFF_AND_BUREAU_WRITE = {
    "planner": (DENY, DENY),
    "staff": (OK, DENY),
    "coordinator": (OK, OK),
    "admin": (OK, OK),
}


def _d(w: Seeded, inside: bool) -> int:
    return w.a if inside else w.b


async def _confirm(w: Seeded, c: httpx.AsyncClient, inside: bool) -> httpx.Response:
    rid = await new_visit(
        w.p1 if inside else w.p2, _d(w, inside), site=f"{SECRET}地" if not inside else "甲地"
    )
    return await c.post(f"/api/visits/{rid}/confirm", json=REASON)


_names = itertools.count()


async def _curate(w: Seeded, c: httpx.AsyncClient, inside: bool, action: str) -> httpx.Response:
    """Curate a site nobody touched yet (a new visit's), so each role's call has its own."""
    site = f"甲地{next(_names)}" if inside else f"{SECRET}地{next(_names)}"
    await new_visit(w.p1 if inside else w.p2, _d(w, inside), site=site)
    body = {"district_id": _d(w, inside), "name": site}
    if action == "rename":
        body["new_name"] = f"{site}新"
    return await c.post(f"/api/sites/{action}" if action else "/api/sites", json=body)


async def _download(
    w: Seeded, c: httpx.AsyncClient, report: str, params: dict[str, object]
) -> httpx.Response:
    link = await c.post("/api/reports/links", json={"report": report, "params": params})
    assert link.status_code == 200, link.text
    return await w.api.client().get(link.json()["url"])


CASES: dict[str, Case] = {
    "GET /api/review/queue": Case(
        lambda w, c, i: c.get("/api/review/queue", params={"district_id": _d(w, i), "status": "all"}),
        STAFF_SCOPED_READ,
    ),
    "GET /api/attachments/{sha256}": Case(
        lambda w, c, i: c.get(f"/api/attachments/{w.photo_a if i else w.photo_b}"), OWNER_STAFF_BUREAU
    ),
    "POST /api/visits/{id}/confirm": Case(_confirm, STAFF_ONLY_WRITE),
    "POST /api/activities": Case(
        lambda w, c, i: c.post(
            "/api/activities",
            json={
                "district_id": _d(w, i),
                "topic": "会",
                "starts_at": f"{YEAR}-06-01T09:00:00+08:00",
                "planner_ids": [],
            },
        ),
        STAFF_ONLY_WRITE,
    ),
    "GET /api/activities": Case(
        lambda w, c, i: c.get("/api/activities", params={"district_id": _d(w, i), "year": YEAR}),
        STAFF_SCOPED_READ,
    ),
    "GET /api/activities/{id}": Case(
        lambda w, c, i: c.get(f"/api/activities/{w.activity_a if i else w.activity_b}"), STAFF_SCOPED_READ
    ),
    "POST /api/activities/{id}/attendance": Case(
        lambda w, c, i: c.post(
            f"/api/activities/{w.activity_a if i else w.activity_b}/attendance",
            json={"planner_id": w.p1_id if i else w.p2_id, "status": "attended"},
        ),
        STAFF_ONLY_WRITE,
    ),
    "POST /api/opinions/{id}/follow-up": Case(
        lambda w, c, i: c.post(
            f"/api/opinions/{w.opinion_a if i else w.opinion_b}/follow-up",
            json={"adoption": "adopted", "quality": 4, "note": "好"},
        ),
        STAFF_ONLY_WRITE,
    ),
    "GET /api/opinions": Case(
        lambda w, c, i: c.get("/api/opinions", params={"district_id": _d(w, i)}), OWNER_STAFF_BUREAU
    ),
    "GET /api/planners/{id}": Case(
        lambda w, c, i: c.get(f"/api/planners/{w.p1_id if i else w.p2_id}"),
        {"planner": (DENY, DENY), "staff": (OK, DENY), "coordinator": (OK, OK), "admin": (OK, OK)},
    ),
    "PUT /api/planners/{id}": Case(
        lambda w, c, i: c.put(f"/api/planners/{w.p1_id if i else w.p2_id}", json={"specialty": "城市更新"}),
        BUREAU_ONLY,
    ),
    "POST /api/planners/{id}/exit-requests": Case(
        lambda w, c, i: c.post(
            f"/api/planners/{w.p1_id if i else w.p2_id}/exit-requests",
            json={"filed_on": "2025-09-01", "leave_on": "2025-10-30", "reason": "工作调动"},
        ),
        BUREAU_ONLY,
    ),
    "GET /api/dashboard/map": Case(
        lambda w, c, i: c.get("/api/dashboard/map", params={"year": YEAR, "district_id": _d(w, i)}),
        STAFF_SCOPED_READ,
    ),
    "GET /api/appraisal/{year}": Case(lambda w, c, i: c.get(f"/api/appraisal/{YEAR}"), BUREAU_ONLY),
    "GET /api/appraisal/{year}/planners/{id}": Case(
        lambda w, c, i: c.get(f"/api/appraisal/{YEAR}/planners/{w.p1_id if i else w.p2_id}"), BUREAU_ONLY
    ),
    "PUT /api/appraisal/{year}/grades": Case(
        lambda w, c, i: c.put(
            f"/api/appraisal/{YEAR}/grades", json={"grades": {str(w.p1_id if i else w.p2_id): "称职"}}
        ),
        BUREAU_ONLY,
    ),
    "GET /api/audit": Case(lambda w, c, i: c.get("/api/audit"), BUREAU_ONLY),
    "GET /api/reports/quarterly.xlsx": Case(
        lambda w, c, i: _download(w, c, "quarterly", {"year": YEAR, "quarter": 2, "district_id": _d(w, i)}),
        STAFF_SCOPED_READ,
    ),
    "GET /api/reports/hr-summary.xlsx": Case(
        lambda w, c, i: _download(w, c, "hr-summary", {"year": YEAR, "quarter": 2}), BUREAU_ONLY
    ),
    "GET /api/reports/annual/{planner_id}.docx": Case(
        lambda w, c, i: _download(w, c, "annual", {"year": YEAR, "planner_id": w.p1_id if i else w.p2_id}),
        OWNER_STAFF_BUREAU,
    ),
    "GET /api/sites": Case(
        lambda w, c, i: c.get("/api/sites", params={"district_id": _d(w, i)}), OWNER_STAFF_BUREAU
    ),
    "POST /api/sites": Case(lambda w, c, i: _curate(w, c, i, ""), STAFF_AND_BUREAU_WRITE),
    "POST /api/sites/rename": Case(lambda w, c, i: _curate(w, c, i, "rename"), STAFF_AND_BUREAU_WRITE),
    "POST /api/sites/retire": Case(lambda w, c, i: _curate(w, c, i, "retire"), STAFF_AND_BUREAU_WRITE),
    "GET /api/reports/opinions/{id}.docx": Case(
        lambda w, c, i: _download(w, c, "opinion", {"opinion_id": w.opinion_a if i else w.opinion_b}),
        OWNER_STAFF_BUREAU,
    ),
}


def _client(w: Seeded, role: str) -> httpx.AsyncClient:
    return {"planner": w.p1, "staff": w.s1, "coordinator": w.coord, "admin": w.admin}[role]


@pytest.mark.parametrize("endpoint", list(CASES))
async def test_each_endpoint_answers_each_role_only_within_its_scope(
    db_url: str, tmp_path: Path, endpoint: str
) -> None:
    case = CASES[endpoint]
    async with make_api(db_url, tmp_path) as api:
        w = await Seeded(api).seed()
        wrong: list[str] = []
        for role in ROLES:
            for inside in (True, False):
                resp = await case.call(w, _client(w, role), inside)
                want = case.expect[role][0 if inside else 1]
                got = (
                    OK
                    if resp.status_code < 300
                    else DENY
                    if resp.status_code in (403, 404)
                    else str(resp.status_code)
                )
                where = f"{role} {'in' if inside else 'out of'} scope"
                if got != want:
                    wrong.append(f"{where}: {resp.status_code} {resp.text[:200]}")
                if got == DENY and resp.headers.get("content-type", "").startswith("application/json"):
                    body = resp.json()
                    if set(body) != {"status_code", "detail", "field"}:
                        wrong.append(f"{where}: a refusal with more than an error: {body}")
                is_json = resp.headers.get("content-type", "").startswith("application/json")
                if (got == DENY or role in ("planner", "staff")) and is_json and SECRET in resp.text:
                    wrong.append(f"{where}: district B's data leaked: {resp.text[:200]}")
        assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("path", ["/api/dashboard", "/api/alerts"])
async def test_staff_see_only_their_districts_planners_and_planners_see_no_dashboard(
    db_url: str, tmp_path: Path, path: str
) -> None:
    async with make_api(db_url, tmp_path) as api:
        w = await Seeded(api).seed()
        assert (await w.p1.get(path, params={"year": YEAR})).status_code == 403
        staff = await w.s1.get(path, params={"year": YEAR})
        assert staff.status_code == 200
        assert "李规划" not in staff.text  # p2, district B
        if path == "/api/dashboard":
            assert [p["planner_id"] for p in staff.json()["planners"]] == [w.p1_id]
            assert [d["district_id"] for d in staff.json()["districts"]] == [w.a]
        for bureau in (w.coord, w.admin):
            resp = await bureau.get(path, params={"year": YEAR})
            assert resp.status_code == 200
            if path == "/api/dashboard":
                assert {p["planner_id"] for p in resp.json()["planners"]} == {w.p1_id, w.p2_id}


async def test_a_report_link_is_bound_to_its_report_and_expires(db_url: str, tmp_path: Path) -> None:
    async with make_api(db_url, tmp_path) as api:
        w = await Seeded(api).seed()
        anon = api.client()
        params = {"year": YEAR, "quarter": 2, "district_id": w.a}
        url = (await w.s1.post("/api/reports/links", json={"report": "quarterly", "params": params})).json()[
            "url"
        ]
        assert (await anon.get(url)).status_code == 200
        # The same token on another district's report, or tampered, or absent: refused.
        other = url.replace(f"district_id={w.a}", f"district_id={w.b}")
        assert (await anon.get(other)).status_code == 401
        assert (await anon.get(url[:-3] + "abc")).status_code == 401
        assert (await anon.get(url.split("&token=")[0])).status_code == 401
        bad = await w.s1.post("/api/reports/links", json={"report": "quarterly", "params": {"year": YEAR}})
        assert bad.status_code == 400 and bad.json()["field"] == "params.quarter"


async def test_a_password_reset_voids_report_downloads_by_token_and_by_link(
    db_url: str, tmp_path: Path
) -> None:
    async with make_api(db_url, tmp_path) as api:
        w = await Seeded(api).seed()
        params = {"year": YEAR, "quarter": 2, "district_id": w.a}
        url = (await w.s1.post("/api/reports/links", json={"report": "quarterly", "params": params})).json()[
            "url"
        ]
        direct = "/api/reports/quarterly.xlsx"
        assert (await w.s1.get(direct, params=params)).status_code == 200
        await set_password(api.db, "s1", "a-new-password-1")
        assert (await w.s1.get(direct, params=params)).status_code == 401
        assert (await api.client().get(url)).status_code == 401
        again = await api.login("s1", "a-new-password-1")
        assert (await again.get(direct, params=params)).status_code == 200
