"""HTTP endpoints of money: PDS-9 settlement periods and their lines, CQ-6 travel claims and work funds."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post, put
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.response import File

from server.appraisal.service import parse_year_path
from server.core.auth import CurrentUser
from server.core.parsing import IdPath, parse_int
from server.money import allowance, claims, funds


class AllowanceController(Controller):
    path = "/api/allowance"
    tags = ("money",)

    @get("/periods", summary="PDS-9 settlement periods with their totals (coordinator, admin)")
    async def periods(self, request: Request[CurrentUser, Any, Any]) -> dict[str, Any]:
        return await allowance.list_periods(request.app.state.db, request.user)

    @post(
        "/periods",
        status_code=201,
        summary="Open a settlement period {name, starts_on, ends_on}: the terms that ended in it are listed",
    )
    async def open_period(
        self, request: Request[CurrentUser, Any, Any], data: JSONBody[Any]
    ) -> dict[str, Any]:
        return await allowance.create_period(
            request.app.state.db, request.app.state.settings.profile, request.user, data
        )

    @get(
        "/periods/{period_id:int}", summary="A settlement list: who is due what, flagged, paid (coordinator)"
    )
    async def period(self, request: Request[CurrentUser, Any, Any], period_id: IdPath) -> dict[str, Any]:
        return await allowance.get_period(
            request.app.state.db, request.app.state.settings.profile, request.user, period_id
        )

    @post(
        "/periods/{period_id:int}/refresh",
        status_code=200,
        summary="Add terms that now end in the period; recompute lines nobody has touched (coordinator)",
    )
    async def refresh(self, request: Request[CurrentUser, Any, Any], period_id: IdPath) -> dict[str, Any]:
        return await allowance.refresh_period(
            request.app.state.db, request.app.state.settings.profile, request.user, period_id
        )

    @put(
        "/periods/{period_id:int}/lines/{planner_id:int}",
        summary="Enter a short term's amount with a reason, or mark a line paid/unpaid (coordinator, admin)",
    )
    async def line(
        self,
        request: Request[CurrentUser, Any, Any],
        period_id: IdPath,
        planner_id: IdPath,
        data: JSONBody[Any],
    ) -> dict[str, Any]:
        return await allowance.update_line(
            request.app.state.db,
            request.app.state.settings.profile,
            request.user,
            period_id,
            planner_id,
            data,
        )

    @get("/planners/{planner_id:int}", summary="One planner's allowance lines in every period (self, bureau)")
    async def planner(self, request: Request[CurrentUser, Any, Any], planner_id: IdPath) -> dict[str, Any]:
        return await allowance.planner_allowance(request.app.state.db, request.user, planner_id)


class ClaimController(Controller):
    path = "/api/claims"
    tags = ("money",)

    @post(
        "",
        status_code=201,
        summary="File a CQ-6 travel claim {district_id, trip_on, trip, amount, receipt_sha256} (planner)",
    )
    async def file(self, request: Request[CurrentUser, Any, Any], data: JSONBody[Any]) -> dict[str, Any]:
        return await claims.file_claim(request.app.state.db, request.app.state.settings, request.user, data)

    @get("", summary="Travel claims the user may see (own, district's, all) with totals by status")
    async def list_(
        self,
        request: Request[CurrentUser, Any, Any],
        district_id: FromQuery[str | None] = None,
        status: FromQuery[str | None] = None,
        year: FromQuery[str | None] = None,
    ) -> dict[str, Any]:
        return await claims.list_claims(
            request.app.state.db,
            request.app.state.settings,
            request.user,
            parse_int(district_id, "district_id", required=False),
            status or None,
            parse_int(year, "year", required=False, lo=2000, hi=2100),
        )

    @get("/{claim_id:str}", summary="One travel claim")
    async def one(self, request: Request[CurrentUser, Any, Any], claim_id: FromPath[str]) -> dict[str, Any]:
        return await claims.get_claim(request.app.state.db, request.user, claim_id)

    @get("/{claim_id:str}/receipt", summary="The claim's receipt photo, to whoever may see the claim")
    async def receipt(self, request: Request[CurrentUser, Any, Any], claim_id: FromPath[str]) -> File:
        path, ctype = await claims.receipt_photo(
            request.app.state.db, request.app.state.settings, request.user, claim_id
        )
        return File(path=path, media_type=ctype, content_disposition_type="inline")

    @post(
        "/{claim_id:str}/approve", status_code=200, summary="Approve a travel claim (staff of its district)"
    )
    async def approve(
        self,
        request: Request[CurrentUser, Any, Any],
        claim_id: FromPath[str],
        data: JSONBody[dict[str, Any] | None] = None,
    ) -> dict[str, Any]:
        return await claims.decide_claim(
            request.app.state.db, request.app.state.settings, request.user, claim_id, claims.APPROVED, data
        )

    @post(
        "/{claim_id:str}/reject",
        status_code=200,
        summary="Reject a travel claim with a reason (staff of its district)",
    )
    async def reject(
        self, request: Request[CurrentUser, Any, Any], claim_id: FromPath[str], data: JSONBody[Any]
    ) -> dict[str, Any]:
        return await claims.decide_claim(
            request.app.state.db, request.app.state.settings, request.user, claim_id, claims.REJECTED, data
        )


class WorkFundsController(Controller):
    path = "/api/work-funds"
    tags = ("money",)

    @get("/{year:int}", summary="CQ-6 work funds of a year beside each planner's final grade (bureau; own)")
    async def year(self, request: Request[CurrentUser, Any, Any], year: FromPath[int]) -> dict[str, Any]:
        return await funds.year_funds(
            request.app.state.db, request.app.state.settings, request.user, parse_year_path(year)
        )

    @put(
        "/{year:int}",
        summary="Set work funds {funds: {planner_id: {amount, note} | null}} (coordinator, admin)",
    )
    async def set_(
        self, request: Request[CurrentUser, Any, Any], year: FromPath[int], data: JSONBody[Any]
    ) -> dict[str, Any]:
        return await funds.set_funds(
            request.app.state.db, request.app.state.settings, request.user, parse_year_path(year), data
        )
