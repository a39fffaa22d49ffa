"""Authorisation of the term's endpoints (pool, requests, dispatches, terms, their documents) as a matrix:
endpoint x role (planner, district staff, coordinator, admin) x a record in scope (district A, where planner
p1 and staff s1 serve, and p1's own dispatch) and one out of scope (district B, p2's dispatch, whose
candidate's name carries `SECRET`). Out of scope is 403 or 404, and no answer to a planner or district staff
contains district B's data. Each endpoint runs under the profile whose rule it serves.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from tests.server.term_world import add_member, add_request, candidate, day, dispatch, ok
from tests.server.world import SECRET, Seeded, make_api

ROLES = ("planner", "staff", "coordinator", "admin")
OK, DENY = "ok", "deny"
PDS, CQ = "pingdingshan", "chongqing"


class TermSeeded(Seeded):
    """Seeded (districts A and B) plus the pool: p1 and p2 entered as members and dispatched to their
    districts, a request in each district."""

    profile: str

    async def seed_term(self, profile: str) -> TermSeeded:
        await self.seed()
        self.profile = profile
        self.counter = 0
        self.cand_a = await add_member(self.coord, profile, name="甲规划", user_id=self.p1_id)
        self.cand_b = await add_member(self.coord, profile, name=f"{SECRET}规划", user_id=self.p2_id)
        self.req_a = await add_request(self.s1, self.a)
        self.req_b = await add_request(self.s2, self.b, service_focus=f"{SECRET}片区")
        self.disp_a = (await dispatch(self.coord, profile, self.req_a, self.cand_a, "2026-01-05"))["id"]
        self.disp_b = (await dispatch(self.coord, profile, self.req_b, self.cand_b, "2026-01-05"))["id"]
        return self

    def cand(self, inside: bool) -> int:
        return self.cand_a if inside else self.cand_b

    def disp(self, inside: bool) -> int:
        return self.disp_a if inside else self.disp_b

    def district(self, inside: bool) -> int:
        return self.a if inside else self.b

    async def fresh_candidate(self, stage: str = "member", **over: Any) -> int:
        """A new candidate, as far as ``stage`` (applied, in_notice, member)."""
        self.counter += 1
        body = candidate(name=f"新人{self.counter}", **over)
        if stage == "applied":
            return int((await ok(await self.coord.post("/api/pool/candidates", json=body), 201))["id"])
        if stage == "in_notice":
            body["applied_on"] = day(0)
            cid = (await ok(await self.coord.post("/api/pool/candidates", json=body), 201))["id"]
            await ok(
                await self.coord.post(f"/api/pool/candidates/{cid}/review", json={"outcome": "approved"})
            )
            await ok(await self.coord.post(f"/api/pool/candidates/{cid}/notice", json={"starts_on": day(0)}))
            return int(cid)
        return await add_member(self.coord, self.profile, **body)

    async def fresh_request(self, inside: bool) -> int:
        staff = self.s1 if inside else self.s2
        return await add_request(staff, self.district(inside))

    async def fresh_dispatch(self, inside: bool, starts_on: str = "2026-02-01") -> dict[str, Any]:
        """A new serving dispatch (pingdingshan) or a proposed one (chongqing) in district A or B."""
        cid = await self.fresh_candidate()
        rid = await self.fresh_request(inside)
        if self.profile == CQ:
            return await ok(
                await self.coord.post(f"/api/dispatch-requests/{rid}/dispatches", json={"candidate_id": cid}),
                201,
            )
        account = {"username": f"new{self.counter}", "password": "a-long-password"}
        return await dispatch(self.coord, self.profile, rid, cid, starts_on, account)


Call = Callable[[TermSeeded, httpx.AsyncClient, bool], Awaitable[httpx.Response]]


@dataclass(frozen=True)
class Case:
    call: Call
    #: role -> (expected in scope, expected out of scope)
    expect: dict[str, tuple[str, str]]
    profile: str = PDS
    #: Extra checks on a 2xx answer, given (world, role, inside, response).
    check: Callable[[TermSeeded, str, bool, httpx.Response], list[str]] = field(default=lambda *a: [])


BUREAU_ONLY = {"planner": (DENY, DENY), "staff": (DENY, DENY), "coordinator": (OK, OK), "admin": (OK, OK)}
STAFF_SCOPED = {"planner": (DENY, DENY), "staff": (OK, DENY), "coordinator": (OK, OK), "admin": (OK, OK)}
OWNER_STAFF_BUREAU = {"planner": (OK, DENY), "staff": (OK, DENY), "coordinator": (OK, OK), "admin": (OK, OK)}
EVERYONE = {r: (OK, OK) for r in ROLES}


async def _download(
    w: TermSeeded, c: httpx.AsyncClient, report: str, params: dict[str, object]
) -> httpx.Response:
    link = await c.post("/api/reports/links", json={"report": report, "params": params})
    assert link.status_code == 200, link.text
    return await w.api.client().get(link.json()["url"])


async def _objection_decision(w: TermSeeded, c: httpx.AsyncClient, i: bool) -> httpx.Response:
    cid = await w.fresh_candidate("in_notice")
    o = await ok(
        await w.coord.post(
            f"/api/pool/candidates/{cid}/objections", json={"filed_on": day(0), "content": "异议"}
        ),
        201,
    )
    return await c.post(
        f"/api/pool/objections/{o['objections'][0]['id']}/decision",
        json={"outcome": "dismissed", "note": "不成立"},
    )


async def _close(w: TermSeeded, c: httpx.AsyncClient, i: bool) -> httpx.Response:
    d = await w.fresh_dispatch(i, starts_on=day(-5))
    await ok(
        await w.coord.post(
            f"/api/dispatches/{d['id']}/decision", json={"decision": "not_renew", "note": "调整"}
        )
    )
    # As if the last day had come: the service is due to be closed.
    async with w.api.db.write() as conn:
        await conn.execute(sa.text(f"UPDATE dispatches SET ends_on = '{day(-1)}' WHERE id = {d['id']}"))
    return await c.post(f"/api/dispatches/{d['id']}/close")


async def _step(w: TermSeeded, c: httpx.AsyncClient, i: bool) -> httpx.Response:
    d = await w.fresh_dispatch(i)
    return await c.post(f"/api/dispatches/{d['id']}/steps", json={"step": "needs_survey", "done_on": day(0)})


async def _withdraw_dispatch(w: TermSeeded, c: httpx.AsyncClient, i: bool) -> httpx.Response:
    d = await w.fresh_dispatch(i)
    return await c.post(f"/api/dispatches/{d['id']}/withdraw", json={"note": "区县意见：暂缓"})


async def _pick(w: TermSeeded, c: httpx.AsyncClient, i: bool) -> httpx.Response:
    cid = await w.fresh_candidate()
    rid = await w.fresh_request(i)
    body = {
        "candidate_id": cid,
        "starts_on": "2026-03-01",
        "account": {"username": f"pick{cid}", "password": "a-long-password"},
    }
    return await c.post(f"/api/dispatch-requests/{rid}/dispatches", json=body)


def _only_own(w: TermSeeded, role: str, inside: bool, resp: httpx.Response) -> list[str]:
    """A list answer to a planner or district staff holds only their own / their district's items."""
    if role not in ("planner", "staff"):
        return []
    body = resp.json()
    items = body.get("dispatches") or body.get("terms") or body.get("requests") or body.get("districts") or []
    wrong = [x for x in items if x.get("district_id") not in (None, w.a)]
    return [f"{role}: sees district B's {wrong[0]}"] if wrong else []


CASES: dict[str, Case] = {
    "GET /api/pool/vocabulary": Case(lambda w, c, i: c.get("/api/pool/vocabulary"), EVERYONE),
    "GET /api/pool/candidates": Case(lambda w, c, i: c.get("/api/pool/candidates"), BUREAU_ONLY),
    "POST /api/pool/candidates": Case(
        lambda w, c, i: c.post("/api/pool/candidates", json=candidate()), BUREAU_ONLY
    ),
    "GET /api/pool/candidates/{id}": Case(
        lambda w, c, i: c.get(f"/api/pool/candidates/{w.cand(i)}"), BUREAU_ONLY
    ),
    "PUT /api/pool/candidates/{id}": Case(
        lambda w, c, i: c.put(f"/api/pool/candidates/{w.cand(i)}", json={"contact": "138"}), BUREAU_ONLY
    ),
    "POST /api/pool/candidates/{id}/exception": Case(
        lambda w, c, i: _then(
            w.fresh_candidate("applied", title="senior", registered_planner=False),
            lambda cid: c.post(f"/api/pool/candidates/{cid}/exception", json={"reason": "行业影响力突出"}),
        ),
        BUREAU_ONLY,
        CQ,
    ),
    "POST /api/pool/candidates/{id}/review": Case(
        lambda w, c, i: _then(
            w.fresh_candidate("applied"),
            lambda cid: c.post(f"/api/pool/candidates/{cid}/review", json={"outcome": "approved"}),
        ),
        BUREAU_ONLY,
    ),
    "POST /api/pool/candidates/{id}/notice": Case(
        lambda w, c, i: _then(
            _approved(w), lambda cid: c.post(f"/api/pool/candidates/{cid}/notice", json={"starts_on": day(0)})
        ),
        BUREAU_ONLY,
    ),
    "POST /api/pool/candidates/{id}/objections": Case(
        lambda w, c, i: _then(
            w.fresh_candidate("in_notice"),
            lambda cid: c.post(
                f"/api/pool/candidates/{cid}/objections", json={"filed_on": day(0), "content": "异议"}
            ),
        ),
        BUREAU_ONLY,
    ),
    "POST /api/pool/objections/{id}/decision": Case(_objection_decision, BUREAU_ONLY),
    "POST /api/pool/candidates/{id}/removal": Case(
        lambda w, c, i: _then(
            w.fresh_candidate(),
            lambda cid: c.post(
                f"/api/pool/candidates/{cid}/removal", json={"reason": "own_request", "note": "退休"}
            ),
        ),
        BUREAU_ONLY,
    ),
    "GET /api/pool/candidates/{id}/archive": Case(
        lambda w, c, i: c.get(f"/api/pool/candidates/{w.cand(i)}/archive"), BUREAU_ONLY
    ),
    "GET /api/pool/idle": Case(lambda w, c, i: c.get("/api/pool/idle", params={"days": 1}), BUREAU_ONLY),
    "GET /api/pool/specialty-gaps": Case(lambda w, c, i: c.get("/api/pool/specialty-gaps"), BUREAU_ONLY),
    "POST /api/dispatch-requests": Case(
        lambda w, c, i: c.post(
            "/api/dispatch-requests",
            json={
                "district_id": w.district(i),
                "specialties": ["landscape"],
                "planners_needed": 1,
                "service_focus": "公园",
            },
        ),
        STAFF_SCOPED,
    ),
    "GET /api/dispatch-requests": Case(
        lambda w, c, i: c.get("/api/dispatch-requests", params={"district_id": w.district(i)}),
        STAFF_SCOPED,
        check=_only_own,
    ),
    "GET /api/dispatch-requests/{id}": Case(
        lambda w, c, i: c.get(f"/api/dispatch-requests/{w.req_a if i else w.req_b}"), STAFF_SCOPED
    ),
    "POST /api/dispatch-requests/{id}/withdraw": Case(
        lambda w, c, i: _then(
            w.fresh_request(i),
            lambda rid: c.post(f"/api/dispatch-requests/{rid}/withdraw", json={"note": "不再需要"}),
        ),
        STAFF_SCOPED,
    ),
    "GET /api/dispatch-requests/{id}/candidates": Case(
        lambda w, c, i: c.get(f"/api/dispatch-requests/{w.req_a if i else w.req_b}/candidates"), BUREAU_ONLY
    ),
    "POST /api/dispatch-requests/{id}/dispatches": Case(_pick, BUREAU_ONLY),
    "GET /api/dispatches": Case(lambda w, c, i: c.get("/api/dispatches"), EVERYONE, check=_only_own),
    "GET /api/dispatches/{id}": Case(
        lambda w, c, i: c.get(f"/api/dispatches/{w.disp(i)}"), OWNER_STAFF_BUREAU
    ),
    "POST /api/dispatches/{id}/steps": Case(_step, BUREAU_ONLY, CQ),
    "POST /api/dispatches/{id}/withdraw": Case(_withdraw_dispatch, BUREAU_ONLY, CQ),
    "PUT /api/dispatches/{id}/contract": Case(
        lambda w, c, i: c.put(f"/api/dispatches/{w.disp(i)}/contract", json={"service_fee_cny": "5000"}),
        BUREAU_ONLY,
    ),
    "POST /api/dispatches/{id}/decision": Case(
        lambda w, c, i: _then(
            w.fresh_dispatch(i),
            lambda d: c.post(
                f"/api/dispatches/{d['id']}/decision", json={"decision": "not_renew", "note": "调整"}
            ),
        ),
        BUREAU_ONLY,
    ),
    "POST /api/dispatches/{id}/exit": Case(
        lambda w, c, i: _then(
            w.fresh_dispatch(i),
            lambda d: c.post(
                f"/api/dispatches/{d['id']}/exit", json={"filed_on": "2026-03-02", "leave_on": "2026-04-01"}
            ),
        ),
        BUREAU_ONLY,
    ),
    "POST /api/dispatches/{id}/close": Case(_close, BUREAU_ONLY),
    "GET /api/terms": Case(lambda w, c, i: c.get("/api/terms"), EVERYONE, check=_only_own),
    "GET /api/terms/gaps": Case(
        lambda w, c, i: c.get("/api/terms/gaps"),
        {"planner": (DENY, DENY), "staff": (OK, OK), "coordinator": (OK, OK), "admin": (OK, OK)},
        check=_only_own,
    ),
    "GET /api/reports/archives/{id}.docx": Case(
        lambda w, c, i: _download(w, c, "archive", {"candidate_id": w.cand(i)}), BUREAU_ONLY
    ),
    "GET /api/reports/dispatch-notices/{id}.docx": Case(
        lambda w, c, i: _download(w, c, "dispatch-notice", {"dispatch_id": w.disp(i)}), OWNER_STAFF_BUREAU
    ),
}


async def _then(first: Awaitable[Any], then: Callable[[Any], Awaitable[httpx.Response]]) -> httpx.Response:
    return await then(await first)


async def _approved(w: TermSeeded) -> int:
    cid = await w.fresh_candidate("applied", applied_on=day(0))
    await ok(await w.coord.post(f"/api/pool/candidates/{cid}/review", json={"outcome": "approved"}))
    return cid


def _client(w: TermSeeded, role: str) -> httpx.AsyncClient:
    return {"planner": w.p1, "staff": w.s1, "coordinator": w.coord, "admin": w.admin}[role]


@pytest.mark.parametrize("endpoint", list(CASES))
async def test_each_term_endpoint_answers_each_role_only_within_its_scope(
    db_url: str, tmp_path: Path, endpoint: str
) -> None:
    case = CASES[endpoint]
    async with make_api(db_url, tmp_path, case.profile) as api:
        w = await TermSeeded(api).seed_term(case.profile)
        wrong: list[str] = []
        for role in ROLES:
            for inside in (True, False):
                resp = await case.call(w, _client(w, role), inside)
                want = case.expect[role][0 if inside else 1]
                code = resp.status_code
                got = OK if code < 300 else DENY if code in (403, 404) else str(code)
                where = f"{role} {'in' if inside else 'out of'} scope"
                if got != want:
                    wrong.append(f"{where}: {code} {resp.text[:200]}")
                is_json = resp.headers.get("content-type", "").startswith("application/json")
                if got == DENY and is_json and set(resp.json()) != {"status_code", "detail", "field"}:
                    wrong.append(f"{where}: a refusal with more than an error: {resp.text[:200]}")
                if role in ("planner", "staff") and is_json and SECRET in resp.text:
                    wrong.append(f"{where}: district B's data leaked: {resp.text[:200]}")
                if got == OK and is_json:
                    wrong += case.check(w, role, inside, resp)
        assert not wrong, "\n".join(wrong)


def test_the_matrix_covers_every_term_endpoint_of_the_served_schema(tmp_path: Path) -> None:
    from server.app import create_app
    from server.core.settings import Settings

    app = create_app(Settings(data_dir=tmp_path, secret_key="x" * 48))
    schema = app.openapi_schema.to_schema()
    served = {
        f"{method.upper()} {path}"
        for path, item in schema["paths"].items()
        for method in item
        if path.startswith(("/api/pool", "/api/dispatch", "/api/terms"))
        or path.startswith(("/api/reports/archives", "/api/reports/dispatch-notices"))
    }
    listed = {k.replace("{id}.docx", "{name}").replace("{id}", "{x}") for k in CASES}
    normalised = {
        s.replace("{candidate_id}", "{x}")
        .replace("{request_id}", "{x}")
        .replace("{dispatch_id}", "{x}")
        .replace("{objection_id}", "{x}")
        for s in served
    }
    assert normalised == listed
