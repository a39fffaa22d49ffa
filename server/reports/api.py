"""HTTP endpoints of the reports: signed download links, the XLSX/DOCX downloads, and CQ-8's hand-overs."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post, put
from litestar.params import FromPath, FromQuery, JSONBody

from server.core.auth import CurrentUser
from server.core.errors import not_found
from server.core.parsing import MAX_ROW_ID, IdPath
from server.reports import handover
from server.reports.service import (
    allowance_xlsx,
    annual,
    archive_doc,
    dispatch_notice_doc,
    hr_summary,
    make_link,
    opinion_doc,
    quarterly,
)

_NO_JWT = {"exclude_from_auth": True}


class ReportController(Controller):
    path = "/api/reports"
    tags = ("reports",)

    @post("/links", status_code=200, summary="A short-lived signed download URL for a report")
    async def links(self, request: Request[CurrentUser, Any, Any], data: JSONBody[Any]) -> dict[str, Any]:
        return make_link(request.app.state.settings, request.user, data)

    @get(
        "/quarterly.xlsx",
        opt=_NO_JWT,
        summary="CQ-8 periodic consultation-service record of a district (report_period_months; a quarter)",
    )
    async def quarterly_xlsx(
        self,
        request: Request[Any, Any, Any],
        year: FromQuery[str | None] = None,
        period: FromQuery[str | None] = None,
        quarter: FromQuery[str | None] = None,
        district_id: FromQuery[str | None] = None,
        token: FromQuery[str | None] = None,
    ) -> Response[Any]:
        return await quarterly(request, year, period, quarter, district_id)

    @get(
        "/hr-summary.xlsx",
        opt=_NO_JWT,
        summary="CQ-8 periodic summary for the HR bureau (coordinator, admin)",
    )
    async def hr_summary_xlsx(
        self,
        request: Request[Any, Any, Any],
        year: FromQuery[str | None] = None,
        period: FromQuery[str | None] = None,
        quarter: FromQuery[str | None] = None,
        token: FromQuery[str | None] = None,
    ) -> Response[Any]:
        return await hr_summary(request, year, period, quarter)

    @get(
        "/allowance/{name:str}",
        opt=_NO_JWT,
        summary="PDS-9 settlement list of a period (<period id>.xlsx; coordinator, admin)",
    )
    async def allowance(
        self, request: Request[Any, Any, Any], name: FromPath[str], token: FromQuery[str | None] = None
    ) -> Response[Any]:
        stem = name.removesuffix(".xlsx")
        ok = name.endswith(".xlsx") and stem.isascii() and stem.isdigit() and len(stem) <= 10
        if not ok or int(stem) > MAX_ROW_ID:
            raise not_found("path", "use /api/reports/allowance/<period id>.xlsx")
        return await allowance_xlsx(request, int(stem))

    @get(
        "/periods/{year:int}/{period:int}",
        summary="CQ-8: which districts submitted a period, and the HR forward",
    )
    async def period_status(
        self, request: Request[CurrentUser, Any, Any], year: FromPath[int], period: FromPath[int]
    ) -> dict[str, Any]:
        return await handover.period_status(
            request.app.state.db, request.app.state.settings, request.user, year, period
        )

    @put(
        "/periods/{year:int}/{period:int}/districts/{district_id:int}/submission",
        summary="CQ-8: record that the district's record went to the bureau {submitted_on, note} (staff)",
    )
    async def submission(
        self,
        request: Request[CurrentUser, Any, Any],
        year: FromPath[int],
        period: FromPath[int],
        district_id: IdPath,
        data: JSONBody[Any],
    ) -> dict[str, Any]:
        return await handover.record_submission(
            request.app.state.db, request.app.state.settings, request.user, year, period, district_id, data
        )

    @put(
        "/periods/{year:int}/{period:int}/forward",
        summary="CQ-8: record that the summary went to the HR bureau {forwarded_on, note} (coordinator)",
    )
    async def forward(
        self,
        request: Request[CurrentUser, Any, Any],
        year: FromPath[int],
        period: FromPath[int],
        data: JSONBody[Any],
    ) -> dict[str, Any]:
        return await handover.record_forward(
            request.app.state.db, request.app.state.settings, request.user, year, period, data
        )

    @get("/annual/{name:str}", opt=_NO_JWT, summary="CQ-4 annual work report draft of a planner (<id>.docx)")
    async def annual_docx(
        self,
        request: Request[Any, Any, Any],
        name: FromPath[str],
        year: FromQuery[str | None] = None,
        token: FromQuery[str | None] = None,
    ) -> Response[Any]:
        stem = name.removesuffix(".docx")
        # ASCII digits of at most an id's length: int() refuses other digits and very long strings.
        if not name.endswith(".docx") or not (stem.isascii() and stem.isdigit()) or len(stem) > 19:
            raise not_found("path", "use /api/reports/annual/<planner id>.docx")
        return await annual(request, int(stem), year)

    @get("/opinions/{opinion_id:str}", opt=_NO_JWT, summary="A written opinion as a formal document (.docx)")
    async def opinion_docx(
        self, request: Request[Any, Any, Any], opinion_id: FromPath[str], token: FromQuery[str | None] = None
    ) -> Response[Any]:
        if not opinion_id.endswith(".docx"):
            raise not_found("path", "use /api/reports/opinions/<id>.docx")
        return await opinion_doc(request, opinion_id.removesuffix(".docx"))

    @get(
        "/archives/{name:str}",
        opt=_NO_JWT,
        summary="A member's personal archive (<candidate id>.docx; bureau)",
    )
    async def archive_docx(
        self, request: Request[Any, Any, Any], name: FromPath[str], token: FromQuery[str | None] = None
    ) -> Response[Any]:
        return await archive_doc(request, _docx_id(name, "archives", "candidate"))

    @get(
        "/dispatch-notices/{name:str}",
        opt=_NO_JWT,
        summary="A dispatch notice, PDS-7 (<dispatch id>.docx; bureau, the district, the planner)",
    )
    async def dispatch_notice_docx(
        self, request: Request[Any, Any, Any], name: FromPath[str], token: FromQuery[str | None] = None
    ) -> Response[Any]:
        return await dispatch_notice_doc(request, _docx_id(name, "dispatch-notices", "dispatch"))


def _docx_id(name: str, route: str, what: str) -> int:
    """The id in ``<id>.docx``; anything else is a 404 naming the route's form."""
    stem = name.removesuffix(".docx")
    if not name.endswith(".docx") or not stem.isdigit() or not 1 <= int(stem) < 2**31:
        raise not_found("path", f"use /api/reports/{route}/<{what} id>.docx")
    return int(stem)
