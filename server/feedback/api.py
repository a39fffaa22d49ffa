"""HTTP endpoints of PDS-2c: a planner's year of residents' feedback analysed, and its forwarding records."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, JSONBody

from server.core.auth import CurrentUser
from server.core.errors import bad_request
from server.core.parsing import IdPath
from server.feedback.service import record_forward, year_analysis


def _year(year: int) -> int:
    if not 2000 <= year <= 2100:
        raise bad_request("year", "must be between 2000 and 2100")
    return year


class FeedbackAnalysisController(Controller):
    path = "/api/feedback-analysis"
    tags = ("feedback",)

    @get(
        "/{year:int}/planners/{planner_id:int}",
        summary="A planner's feedback of a year by category, place and district, and when it was forwarded",
    )
    async def analysis(
        self, request: Request[CurrentUser, Any, Any], year: FromPath[int], planner_id: IdPath
    ) -> dict[str, Any]:
        return await year_analysis(
            request.app.state.db, request.app.state.settings, request.user, _year(year), planner_id
        )

    @post(
        "/{year:int}/planners/{planner_id:int}/forwards",
        status_code=201,
        summary="Record that the analysis went to the bureau or the district {recipient, forwarded_on}",
    )
    async def forward(
        self,
        request: Request[CurrentUser, Any, Any],
        year: FromPath[int],
        planner_id: IdPath,
        data: JSONBody[Any],
    ) -> dict[str, Any]:
        return await record_forward(
            request.app.state.db, request.app.state.settings, request.user, _year(year), planner_id, data
        )
