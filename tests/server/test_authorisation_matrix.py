"""Authorisation of the review, activity, follow-up, appraisal, report, administration, money, feedback,
hand-over and site endpoints as a matrix: endpoint x role (planner, district staff, coordinator, admin) x a
record in scope (district A, where planner p1 and staff s1 serve) and one out of scope (district B). Out of
scope is 403 or 404, and the answer never contains district B's data. Endpoints of one profile's rules run
under that profile (PDS-9 and PDS-10's district part in Pingdingshan, CQ-6 and CQ-8 in Chongqing).
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import openpyxl
import pytest

from server.people.service import set_password
from tests.server.world import REASON, SECRET, YEAR, Seeded, make_api, new_visit, upload

ROLES = ("planner", "staff", "coordinator", "admin")
OK, DENY = "ok", "deny"

Call = Callable[[Seeded, httpx.AsyncClient, bool], Awaitable[httpx.Response]]


@dataclass(frozen=True)
class Case:
    call: Call
    #: role -> (expected in scope, expected out of scope): OK, DENY, or a status code such as "400"
    expect: dict[str, tuple[str, str]]
    profile: str = "chongqing"


BUREAU_ONLY = {"planner": (DENY, DENY), "staff": (DENY, DENY), "coordinator": (OK, OK), "admin": (OK, OK)}
STAFF_SCOPED_READ = {"planner": (DENY, DENY), "staff": (OK, DENY), "coordinator": (OK, OK), "admin": (OK, OK)}
STAFF_ONLY_WRITE = {
    "planner": (DENY, DENY),
    "staff": (OK, DENY),
    "coordinator": (DENY, DENY),
    "admin": (DENY, DENY),
}
OWNER_STAFF_BUREAU = {"planner": (OK, DENY), "staff": (OK, DENY), "coordinator": (OK, OK), "admin": (OK, OK)}
ADMIN_ONLY = {"planner": (DENY, DENY), "staff": (DENY, DENY), "coordinator": (DENY, DENY), "admin": (OK, OK)}
OWNER_BUREAU = {"planner": (OK, DENY), "staff": (DENY, DENY), "coordinator": (OK, OK), "admin": (OK, OK)}
OWNER_ONLY_WRITE = {
    "planner": (OK, DENY),
    "staff": (DENY, DENY),
    "coordinator": (DENY, DENY),
    "admin": (DENY, DENY),
}
_n = itertools.count(1)
WORDS = {"service_attitude": "好", "professional_ability": "好", "district_feedback": "好"}
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


def _planner(w: Seeded, inside: bool) -> int:
    return w.p1_id if inside else w.p2_id


async def _throwaway(w: Seeded, inside: bool) -> int:
    """A new planner of district A or B, so a call that changes a user leaves the world's users alone."""
    return await w.api.add_user(f"tmp{next(_n)}", "planner", (_d(w, inside),))


def _roster() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["用户名", "姓名", "角色"])
    ws.append([f"roster{next(_n)}", "花名册", "统筹"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


async def _period(w: Seeded) -> int:
    """A PDS-9 settlement period (a year of its own) listing p1's and p2's terms."""
    year = 2030 + next(_n)
    for pid in (w.p1_id, w.p2_id):
        await w.coord.put(f"/api/planners/{pid}", json={"term_start": f"{year}-01-01"})
    resp = await w.coord.post(
        "/api/allowance/periods",
        json={"name": f"{year}年度", "starts_on": f"{year}-01-01", "ends_on": f"{year}-12-31"},
    )
    assert resp.status_code == 201, resp.text
    return int(resp.json()["id"])


async def _open_period(w: Seeded, c: httpx.AsyncClient) -> httpx.Response:
    year = 2030 + next(_n)
    return await c.post(
        "/api/allowance/periods",
        json={"name": f"{year}年度", "starts_on": f"{year}-01-01", "ends_on": f"{year}-12-31"},
    )


async def _claim(w: Seeded, inside: bool) -> str:
    """A CQ-6 claim of p1 in district A, or of p2 in district B (its trip marked SECRET)."""
    planner = w.p1 if inside else w.p2
    receipt = await upload(planner, 1000 + next(_n))
    resp = await planner.post(
        "/api/claims",
        json={
            "district_id": _d(w, inside),
            "trip_on": f"{YEAR}-05-06",
            "trip": "甲地往返" if inside else f"{SECRET}往返",
            "amount": "50",
            "receipt_sha256": receipt,
        },
    )
    assert resp.status_code == 201, resp.text
    return str(resp.json()["id"])


async def _file_claim(w: Seeded, c: httpx.AsyncClient, inside: bool) -> httpx.Response:
    receipt = await upload(w.p1, 2000 + next(_n))
    body = {"district_id": _d(w, inside), "trip_on": f"{YEAR}-05-06", "trip": "往返", "amount": "50"}
    return await c.post("/api/claims", json={**body, "receipt_sha256": receipt})


async def _bureau_meeting(w: Seeded, inside: bool) -> int:
    resp = await w.coord.post(
        "/api/activities",
        json={
            "topic": "全市培训",
            "starts_at": f"{YEAR}-06-01T09:00:00+08:00",
            "planner_ids": [_planner(w, inside)],
        },
    )
    assert resp.status_code == 201, resp.text
    return int(resp.json()["id"])


async def _meeting_attendance(w: Seeded, c: httpx.AsyncClient, inside: bool) -> httpx.Response:
    activity = await _bureau_meeting(w, inside)
    return await c.post(
        f"/api/activities/{activity}/attendance",
        json={"planner_id": _planner(w, inside), "status": "attended"},
    )


async def _claim_then(w: Seeded, c: httpx.AsyncClient, inside: bool, what: str) -> httpx.Response:
    claim = await _claim(w, inside)
    if what == "one":
        return await c.get(f"/api/claims/{claim}")
    if what == "receipt":
        return await c.get(f"/api/claims/{claim}/receipt")
    body = {"reason": "票据不符"} if what == "reject" else {}
    return await c.post(f"/api/claims/{claim}/{what}", json=body)


async def _claims_list(w: Seeded, c: httpx.AsyncClient, inside: bool) -> httpx.Response:
    await _claim(w, True)
    await _claim(w, False)
    return await c.get("/api/claims", params={"district_id": _d(w, inside)})


async def _line(w: Seeded, c: httpx.AsyncClient, inside: bool) -> httpx.Response:
    period = await _period(w)
    return await c.put(f"/api/allowance/periods/{period}/lines/{_planner(w, inside)}", json={"paid": True})


async def _with_period(w: Seeded, c: httpx.AsyncClient, what: str) -> httpx.Response:
    period = await _period(w)
    if what == "refresh":
        return await c.post(f"/api/allowance/periods/{period}/refresh")
    return await c.get(f"/api/allowance/periods/{period}")


async def _allowance_xlsx(w: Seeded, c: httpx.AsyncClient) -> httpx.Response:
    return await _download(w, c, "allowance", {"period_id": await _period(w)})


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
    "POST /api/activities (the bureau's own)": Case(
        lambda w, c, i: c.post(
            "/api/activities",
            json={
                "topic": "全市培训",
                "starts_at": f"{YEAR}-06-01T09:00:00+08:00",
                "planner_ids": [_planner(w, i)],
            },
        ),
        # Staff give no district_id, which their activities need: a 400 naming it.
        {**BUREAU_ONLY, "staff": ("400", "400")},
    ),
    "POST /api/activities/{id}/attendance (the bureau's own)": Case(_meeting_attendance, BUREAU_ONLY),
    "POST /api/planners/{id}/dismissals": Case(
        lambda w, c, i: c.post(
            f"/api/planners/{_planner(w, i)}/dismissals",
            json={"ground": "own_request", "reason": "本人申请", "decided_on": f"{YEAR}-09-01"},
        ),
        BUREAU_ONLY,
    ),
    # Administration (admin only).
    "GET /api/admin/users": Case(lambda w, c, i: c.get("/api/admin/users"), ADMIN_ONLY),
    "POST /api/admin/users": Case(
        lambda w, c, i: c.post(
            "/api/admin/users",
            json={
                "username": f"new{next(_n)}",
                "role": "planner",
                "password": "long-enough-1",
                "district_ids": [_d(w, i)],
            },
        ),
        ADMIN_ONLY,
    ),
    "GET /api/admin/users/{id}": Case(
        lambda w, c, i: c.get(f"/api/admin/users/{_planner(w, i)}"), ADMIN_ONLY
    ),
    "POST /api/admin/users/{id}/disable": Case(lambda w, c, i: _admin_call(w, c, i, "disable"), ADMIN_ONLY),
    "POST /api/admin/users/{id}/enable": Case(lambda w, c, i: _admin_call(w, c, i, "enable"), ADMIN_ONLY),
    "POST /api/admin/users/{id}/password": Case(lambda w, c, i: _admin_call(w, c, i, "password"), ADMIN_ONLY),
    "PUT /api/admin/users/{id}/districts": Case(
        lambda w, c, i: _admin_call(w, c, i, "districts"), ADMIN_ONLY
    ),
    "GET /api/admin/districts": Case(lambda w, c, i: c.get("/api/admin/districts"), ADMIN_ONLY),
    "POST /api/admin/districts": Case(
        lambda w, c, i: c.post("/api/admin/districts", json={"name": f"新区{next(_n)}"}), ADMIN_ONLY
    ),
    "POST /api/admin/roster": Case(
        lambda w, c, i: c.post(
            "/api/admin/roster", content=_roster(), headers={"Content-Type": "application/octet-stream"}
        ),
        ADMIN_ONLY,
    ),
    "GET /api/admin/roster/template.xlsx": Case(
        lambda w, c, i: c.get("/api/admin/roster/template.xlsx"), ADMIN_ONLY
    ),
    # Money: PDS-9 (Pingdingshan), CQ-6 (Chongqing).
    "GET /api/allowance/periods": Case(
        lambda w, c, i: c.get("/api/allowance/periods"), BUREAU_ONLY, "pingdingshan"
    ),
    "POST /api/allowance/periods": Case(lambda w, c, i: _open_period(w, c), BUREAU_ONLY, "pingdingshan"),
    "GET /api/allowance/periods/{id}": Case(
        lambda w, c, i: _with_period(w, c, "get"), BUREAU_ONLY, "pingdingshan"
    ),
    "POST /api/allowance/periods/{id}/refresh": Case(
        lambda w, c, i: _with_period(w, c, "refresh"), BUREAU_ONLY, "pingdingshan"
    ),
    "PUT /api/allowance/periods/{id}/lines/{planner_id}": Case(_line, BUREAU_ONLY, "pingdingshan"),
    "GET /api/allowance/planners/{id}": Case(
        lambda w, c, i: c.get(f"/api/allowance/planners/{_planner(w, i)}"), OWNER_BUREAU, "pingdingshan"
    ),
    "GET /api/reports/allowance/{id}.xlsx": Case(
        lambda w, c, i: _allowance_xlsx(w, c), BUREAU_ONLY, "pingdingshan"
    ),
    "POST /api/claims": Case(lambda w, c, i: _file_claim(w, c, i), OWNER_ONLY_WRITE),
    "GET /api/claims": Case(_claims_list, OWNER_STAFF_BUREAU),
    "GET /api/claims/{id}": Case(lambda w, c, i: _claim_then(w, c, i, "one"), OWNER_STAFF_BUREAU),
    "GET /api/claims/{id}/receipt": Case(lambda w, c, i: _claim_then(w, c, i, "receipt"), OWNER_STAFF_BUREAU),
    "POST /api/claims/{id}/approve": Case(lambda w, c, i: _claim_then(w, c, i, "approve"), STAFF_ONLY_WRITE),
    "POST /api/claims/{id}/reject": Case(lambda w, c, i: _claim_then(w, c, i, "reject"), STAFF_ONLY_WRITE),
    "GET /api/work-funds/{year}": Case(
        lambda w, c, i: c.get(f"/api/work-funds/{YEAR}"),
        {"planner": (OK, OK), "staff": (DENY, DENY), "coordinator": (OK, OK), "admin": (OK, OK)},
    ),
    "PUT /api/work-funds/{year}": Case(
        lambda w, c, i: c.put(
            f"/api/work-funds/{YEAR}", json={"funds": {str(_planner(w, i)): {"amount": "100"}}}
        ),
        BUREAU_ONLY,
    ),
    # PDS-2c, PDS-10's district part, CQ-8's hand-overs.
    "GET /api/feedback-analysis/{year}/planners/{id}": Case(
        lambda w, c, i: c.get(f"/api/feedback-analysis/{YEAR}/planners/{_planner(w, i)}"), OWNER_STAFF_BUREAU
    ),
    "POST /api/feedback-analysis/{year}/planners/{id}/forwards": Case(
        lambda w, c, i: c.post(
            f"/api/feedback-analysis/{YEAR}/planners/{_planner(w, i)}/forwards",
            json={"recipient": "bureau", "forwarded_on": f"{YEAR}-12-01"},
        ),
        OWNER_STAFF_BUREAU,
    ),
    "GET /api/appraisal/{year}/planners/{id}/district-assessment": Case(
        lambda w, c, i: c.get(f"/api/appraisal/{YEAR}/planners/{_planner(w, i)}/district-assessment"),
        STAFF_SCOPED_READ,
        "pingdingshan",
    ),
    "PUT /api/appraisal/{year}/planners/{id}/district-assessment": Case(
        lambda w, c, i: c.put(
            f"/api/appraisal/{YEAR}/planners/{_planner(w, i)}/district-assessment",
            json={"district_id": _d(w, i), "criteria": WORDS},
        ),
        STAFF_ONLY_WRITE,
        "pingdingshan",
    ),
    "GET /api/reports/periods/{year}/{period}": Case(
        lambda w, c, i: c.get(f"/api/reports/periods/{YEAR}/2"),
        {"planner": (DENY, DENY), "staff": (OK, OK), "coordinator": (OK, OK), "admin": (OK, OK)},
    ),
    "PUT /api/reports/periods/{year}/{period}/districts/{id}/submission": Case(
        lambda w, c, i: c.put(
            f"/api/reports/periods/{YEAR}/2/districts/{_d(w, i)}/submission",
            json={"submitted_on": f"{YEAR}-07-05"},
        ),
        STAFF_ONLY_WRITE,
    ),
    "PUT /api/reports/periods/{year}/{period}/forward": Case(
        lambda w, c, i: c.put(
            f"/api/reports/periods/{YEAR}/2/forward", json={"forwarded_on": f"{YEAR}-07-10"}
        ),
        BUREAU_ONLY,
    ),
}


async def _admin_call(w: Seeded, c: httpx.AsyncClient, inside: bool, what: str) -> httpx.Response:
    user = await _throwaway(w, inside)
    if what == "password":
        return await c.post(f"/api/admin/users/{user}/password", json={"password": "another-password-1"})
    if what == "districts":
        return await c.put(f"/api/admin/users/{user}/districts", json={"district_ids": [w.a, w.b]})
    return await c.post(f"/api/admin/users/{user}/{what}")


def _client(w: Seeded, role: str) -> httpx.AsyncClient:
    return {"planner": w.p1, "staff": w.s1, "coordinator": w.coord, "admin": w.admin}[role]


@pytest.mark.parametrize("endpoint", list(CASES))
async def test_each_endpoint_answers_each_role_only_within_its_scope(
    db_url: str, tmp_path: Path, endpoint: str
) -> None:
    case = CASES[endpoint]
    async with make_api(db_url, tmp_path, case.profile) as api:
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
        assert bad.status_code == 400 and bad.json()["field"] == "params.period"


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
