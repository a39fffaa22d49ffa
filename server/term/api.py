"""HTTP endpoints of the planner's term: the pool, district requests, dispatches, terms and gaps."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post, put
from litestar.params import FromQuery, JSONBody, Parameter, QueryParameter

from server.core.auth import CurrentUser
from server.core.parsing import parse_int
from server.term.archive import archive
from server.term.dispatch import (
    file_request,
    get_dispatch,
    get_request,
    list_dispatches,
    list_requests,
    pick,
    put_contract,
    record_step,
    request_candidates,
    withdraw_dispatch,
    withdraw_request,
)
from server.term.forms import day
from server.term.pool import (
    add_candidate,
    add_objection,
    decide_objection,
    get_candidate,
    grant_exception,
    idle_members,
    list_candidates,
    publish_notice,
    remove_member,
    review_candidate,
    specialty_gaps,
    update_candidate,
)
from server.term.terms import close_service, decide_term, district_gaps, leave_early, list_terms
from server.term.vocabulary import vocabulary

Req = Request[CurrentUser, Any, Any]
#: The term's tables number their rows in 32 bits: a larger id in a path is a 400 naming it.
IdPath = Annotated[int, Parameter(gt=0, le=2**31 - 1)]


class PoolController(Controller):
    path = "/api/pool"
    tags = ("pool",)

    @get("/vocabulary", summary="Codes and labels of the term, and the profile's rules (any signed-in user)")
    async def codes(self, request: Req) -> dict[str, Any]:
        return vocabulary(request.app.state.settings.profile)

    @get("/candidates", summary="Candidates and members with status and eligibility (coordinator, admin)")
    async def list_(self, request: Req, status: FromQuery[str | None] = None) -> dict[str, Any]:
        return await list_candidates(request.app.state.db, request.app.state.settings, request.user, status)

    @post("/candidates", status_code=201, summary="Enter a candidate from the public call (PDS-4)")
    async def add(self, request: Req, data: JSONBody[Any]) -> dict[str, Any]:
        return await add_candidate(request.app.state.db, request.app.state.settings, request.user, data)

    @get("/candidates/{candidate_id:int}", summary="One candidate with eligibility, notice and objections")
    async def one(self, request: Req, candidate_id: IdPath) -> dict[str, Any]:
        return await get_candidate(
            request.app.state.db, request.app.state.settings, request.user, candidate_id
        )

    @put("/candidates/{candidate_id:int}", summary="Correct a candidate's data (eligibility follows)")
    async def update(self, request: Req, candidate_id: IdPath, data: JSONBody[Any]) -> dict[str, Any]:
        s = request.app.state
        return await update_candidate(s.db, s.settings, request.user, candidate_id, data)

    @post(
        "/candidates/{candidate_id:int}/exception",
        status_code=200,
        summary="Grant CQ-2's exception for outstanding practice, with a written reason",
    )
    async def exception(self, request: Req, candidate_id: IdPath, data: JSONBody[Any]) -> dict[str, Any]:
        s = request.app.state
        return await grant_exception(s.db, s.settings, request.user, candidate_id, data)

    @post(
        "/candidates/{candidate_id:int}/review", status_code=200, summary="Approve or reject (PDS-4 review)"
    )
    async def review(self, request: Req, candidate_id: IdPath, data: JSONBody[Any]) -> dict[str, Any]:
        s = request.app.state
        return await review_candidate(s.db, s.settings, request.user, candidate_id, data)

    @post(
        "/candidates/{candidate_id:int}/notice",
        status_code=200,
        summary="Publish the public notice; its end is at least 5 working days on (PDS-4)",
    )
    async def notice(self, request: Req, candidate_id: IdPath, data: JSONBody[Any]) -> dict[str, Any]:
        s = request.app.state
        return await publish_notice(s.db, s.settings, request.user, candidate_id, data)

    @post(
        "/candidates/{candidate_id:int}/objections",
        status_code=201,
        summary="Record an objection filed while the notice ran (PDS-4)",
    )
    async def objection(self, request: Req, candidate_id: IdPath, data: JSONBody[Any]) -> dict[str, Any]:
        s = request.app.state
        return await add_objection(s.db, s.settings, request.user, candidate_id, data)

    @post(
        "/objections/{objection_id:int}/decision",
        status_code=200,
        summary="Decide an objection: upheld cancels the entry (PDS-4)",
    )
    async def decide(self, request: Req, objection_id: IdPath, data: JSONBody[Any]) -> dict[str, Any]:
        s = request.app.state
        return await decide_objection(s.db, s.settings, request.user, objection_id, data)

    @post(
        "/candidates/{candidate_id:int}/removal",
        status_code=200,
        summary="Remove a member from the pool with a coded reason and a note (PDS-6)",
    )
    async def removal(self, request: Req, candidate_id: IdPath, data: JSONBody[Any]) -> dict[str, Any]:
        s = request.app.state
        return await remove_member(s.db, s.settings, request.user, candidate_id, data)

    @get("/candidates/{candidate_id:int}/archive", summary="The personal archive (个人档案) as JSON")
    async def archive(self, request: Req, candidate_id: IdPath) -> dict[str, Any]:
        return await archive(request.app.state.db, request.app.state.settings, request.user, candidate_id)

    @get("/idle", summary="Members with no service for a long time (PDS-5; days or FIELDLOG_POOL_IDLE_DAYS)")
    async def idle(self, request: Req, days: FromQuery[str | None] = None) -> dict[str, Any]:
        period = parse_int(days, "days", required=False, lo=1, hi=36500)
        return await idle_members(request.app.state.db, request.app.state.settings, request.user, period)

    @get("/specialty-gaps", summary="Specialties open requests need that the pool lacks (PDS-5)")
    async def gaps(self, request: Req) -> dict[str, Any]:
        return await specialty_gaps(request.app.state.db, request.app.state.settings, request.user)


class DispatchRequestController(Controller):
    path = "/api/dispatch-requests"
    tags = ("dispatch",)

    @post("", status_code=201, summary="File a district's request for planners (PDS-7; staff, bureau)")
    async def file(self, request: Req, data: JSONBody[Any]) -> dict[str, Any]:
        return await file_request(request.app.state.db, request.app.state.settings, request.user, data)

    @get("", summary="Requests the user may see, with their status and seats")
    async def list_(
        self, request: Req, status: FromQuery[str | None] = None, district_id: FromQuery[str | None] = None
    ) -> dict[str, Any]:
        district = parse_int(district_id, "district_id", required=False)
        s = request.app.state
        return await list_requests(s.db, s.settings, request.user, status, district)

    @get("/{request_id:int}", summary="One request")
    async def one(self, request: Req, request_id: IdPath) -> dict[str, Any]:
        return await get_request(request.app.state.db, request.app.state.settings, request.user, request_id)

    @post(
        "/{request_id:int}/withdraw", status_code=200, summary="Withdraw a request's open seats, with a note"
    )
    async def withdraw(self, request: Req, request_id: IdPath, data: JSONBody[Any]) -> dict[str, Any]:
        s = request.app.state
        return await withdraw_request(s.db, s.settings, request.user, request_id, data)

    @get(
        "/{request_id:int}/candidates",
        summary="Pool members ranked by specialty match, with reasons and exclusions (PDS-7; bureau)",
    )
    async def candidates(self, request: Req, request_id: IdPath) -> dict[str, Any]:
        s = request.app.state
        return await request_candidates(s.db, s.settings, request.user, request_id)

    @post(
        "/{request_id:int}/dispatches",
        status_code=201,
        summary="Pick a member: the dispatch notice and the term (PDS-7, PDS-10), or CQ-3's steps",
    )
    async def pick(self, request: Req, request_id: IdPath, data: JSONBody[Any]) -> dict[str, Any]:
        return await pick(request.app.state.db, request.app.state.settings, request.user, request_id, data)


class DispatchController(Controller):
    path = "/api/dispatches"
    tags = ("dispatch",)

    @get("", summary="Dispatches the user may see (bureau all, staff their districts', planner their own)")
    async def list_(self, request: Req, status: FromQuery[str | None] = None) -> dict[str, Any]:
        return await list_dispatches(request.app.state.db, request.app.state.settings, request.user, status)

    @get("/{dispatch_id:int}", summary="One dispatch: notice, CQ-3 steps, terms, contracts, decisions")
    async def one(self, request: Req, dispatch_id: IdPath) -> dict[str, Any]:
        return await get_dispatch(request.app.state.db, request.app.state.settings, request.user, dispatch_id)

    @post("/{dispatch_id:int}/steps", status_code=200, summary="Record a CQ-3 appointment step with its date")
    async def step(self, request: Req, dispatch_id: IdPath, data: JSONBody[Any]) -> dict[str, Any]:
        s = request.app.state
        return await record_step(s.db, s.settings, request.user, dispatch_id, data)

    @post("/{dispatch_id:int}/withdraw", status_code=200, summary="Withdraw a proposed dispatch, with a note")
    async def withdraw(self, request: Req, dispatch_id: IdPath, data: JSONBody[Any]) -> dict[str, Any]:
        s = request.app.state
        return await withdraw_dispatch(s.db, s.settings, request.user, dispatch_id, data)

    @put(
        "/{dispatch_id:int}/contract",
        summary="The contract and certificate record of the current term (PDS-8)",
    )
    async def contract(self, request: Req, dispatch_id: IdPath, data: JSONBody[Any]) -> dict[str, Any]:
        s = request.app.state
        return await put_contract(s.db, s.settings, request.user, dispatch_id, data)

    @post(
        "/{dispatch_id:int}/decision",
        status_code=200,
        summary="Record the end-of-term decision with the grade (PDS-10, CQ-9, CQ-11)",
    )
    async def decision(self, request: Req, dispatch_id: IdPath, data: JSONBody[Any]) -> dict[str, Any]:
        s = request.app.state
        return await decide_term(s.db, s.settings, request.user, dispatch_id, data)

    @post(
        "/{dispatch_id:int}/exit",
        status_code=200,
        summary="Leaving early (PDS-11): the exit request and the replacement request",
    )
    async def exit(self, request: Req, dispatch_id: IdPath, data: JSONBody[Any]) -> dict[str, Any]:
        s = request.app.state
        return await leave_early(s.db, s.settings, request.user, dispatch_id, data)

    @post("/{dispatch_id:int}/close", status_code=200, summary="Close a service whose last day has come")
    async def close(self, request: Req, dispatch_id: IdPath) -> dict[str, Any]:
        return await close_service(
            request.app.state.db, request.app.state.settings, request.user, dispatch_id
        )


class TermController(Controller):
    path = "/api/terms"
    tags = ("terms",)

    @get("", summary="Terms the user may see, with days left, grade and (bureau) the suggested decision")
    async def list_(self, request: Req) -> dict[str, Any]:
        return await list_terms(request.app.state.db, request.app.state.settings, request.user)

    @get("/gaps", summary="Each district's days without a planner since its first request (PDS-11)")
    async def gaps(
        self,
        request: Req,
        start_on: Annotated[str | None, QueryParameter(name="from")] = None,
        to: FromQuery[str | None] = None,
    ) -> dict[str, Any]:
        start = day(start_on, "from", required=False)
        end = day(to, "to", required=False)
        return await district_gaps(request.app.state.db, request.app.state.settings, request.user, start, end)
