"""HTTP endpoints of the appraisal: the yearly summary, the dashboard, map and alerts, dossiers and grades."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, put
from litestar.params import FromPath, FromQuery, JSONBody

from server.appraisal.dashboard import (
    MAX_POINTS,
    alerts_for,
    dashboard,
    visit_map,
)
from server.appraisal.district import get_assessments, record_assessment
from server.appraisal.service import (
    appraisal,
    parse_year_path,
    planner_dossier,
    set_grades,
)
from server.appraisal.summary import (
    parse_year,
    planner_summary,
)
from server.core.auth import CurrentUser
from server.core.parsing import IdPath, parse_int


class SummaryController(Controller):
    path = "/api/summary"
    tags = ("summary",)

    @get("/planners", summary="Per-planner yearly numbers (visits, hours, opinions, feedback, absences)")
    async def planners(
        self, request: Request[CurrentUser, Any, Any], year: FromQuery[str | None] = None
    ) -> dict[str, Any]:
        return await planner_summary(
            request.app.state.db, request.app.state.settings, request.user, parse_year(year)
        )


class AppraisalController(Controller):
    path = "/api/appraisal"
    tags = ("appraisal",)

    @get("/{year:int}", summary="Dossiers, suggested and final grades of a year (coordinator, admin)")
    async def year(self, request: Request[CurrentUser, Any, Any], year: FromPath[int]) -> dict[str, Any]:
        return await appraisal(
            request.app.state.db, request.app.state.settings, request.user, parse_year_path(year)
        )

    @get("/{year:int}/planners/{planner_id:int}", summary="One dossier with the records behind every number")
    async def planner(
        self, request: Request[CurrentUser, Any, Any], year: FromPath[int], planner_id: IdPath
    ) -> dict[str, Any]:
        return await planner_dossier(
            request.app.state.db, request.app.state.settings, request.user, parse_year_path(year), planner_id
        )

    @get(
        "/{year:int}/planners/{planner_id:int}/district-assessment",
        summary="PDS-10: the districts' part of a planner's appraisal (staff of its districts, bureau)",
    )
    async def district_assessment(
        self, request: Request[CurrentUser, Any, Any], year: FromPath[int], planner_id: IdPath
    ) -> dict[str, Any]:
        return await get_assessments(
            request.app.state.db,
            request.app.state.settings.profile,
            request.user,
            parse_year_path(year),
            planner_id,
        )

    @put(
        "/{year:int}/planners/{planner_id:int}/district-assessment",
        summary="PDS-10: record the district's words on each criterion, and a grade it proposes (staff)",
    )
    async def record_district_assessment(
        self,
        request: Request[CurrentUser, Any, Any],
        year: FromPath[int],
        planner_id: IdPath,
        data: JSONBody[Any],
    ) -> dict[str, Any]:
        return await record_assessment(
            request.app.state.db,
            request.app.state.settings.profile,
            request.user,
            parse_year_path(year),
            planner_id,
            data,
        )

    @put("/{year:int}/grades", summary="Set final grades; more excellent than the CQ-9 cap is refused (422)")
    async def grades(
        self, request: Request[CurrentUser, Any, Any], year: FromPath[int], data: JSONBody[Any]
    ) -> dict[str, Any]:
        return await set_grades(
            request.app.state.db, request.app.state.settings, request.user, parse_year_path(year), data
        )


class DashboardController(Controller):
    path = "/api"
    tags = ("dashboard",)

    @get("/dashboard", summary="Per-planner and per-district numbers of a year, pace and alerts")
    async def year(
        self, request: Request[CurrentUser, Any, Any], year: FromQuery[str | None] = None
    ) -> dict[str, Any]:
        return await dashboard(
            request.app.state.db, request.app.state.settings, request.user, parse_year(year)
        )

    @get("/dashboard/map", summary="Visit positions of a year (GCJ-02 when the basemap needs it)")
    async def map(
        self,
        request: Request[CurrentUser, Any, Any],
        year: FromQuery[str | None] = None,
        district_id: FromQuery[str | None] = None,
        limit: FromQuery[str | None] = None,
    ) -> dict[str, Any]:
        return await visit_map(
            request.app.state.db,
            request.app.state.settings,
            request.user,
            parse_year(year),
            parse_int(district_id, "district_id", required=False),
            parse_int(limit, "limit", required=False, hi=MAX_POINTS) or 5000,
        )

    @get(
        "/alerts", summary="Open alerts: behind pace, CQ-11, term ending (PDS-10), short exit notice (PDS-11)"
    )
    async def alerts(
        self, request: Request[CurrentUser, Any, Any], year: FromQuery[str | None] = None
    ) -> dict[str, Any]:
        return await alerts_for(
            request.app.state.db, request.app.state.settings, request.user, parse_year(year)
        )
