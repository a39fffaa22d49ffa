"""HTTP endpoints of written opinions' follow-up: the list and the district's follow-up record."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery, JSONBody

from server.core.auth import CurrentUser
from server.core.parsing import parse_int
from server.opinions.service import (
    MAX_LIST,
    list_opinions,
    record_followup,
)


class FollowUpController(Controller):
    path = "/api/opinions"
    tags = ("review",)

    @get("", summary="Opinions the user may see, with their follow-up (paged by cursor)")
    async def list_(
        self,
        request: Request[CurrentUser, Any, Any],
        district_id: FromQuery[str | None] = None,
        year: FromQuery[str | None] = None,
        limit: FromQuery[str | None] = None,
        cursor: FromQuery[str | None] = None,
    ) -> dict[str, Any]:
        return await list_opinions(
            request.app.state.db,
            request.app.state.settings,
            request.user,
            parse_int(district_id, "district_id", required=False),
            parse_int(year, "year", required=False, lo=2000, hi=2100),
            parse_int(limit, "limit", required=False, hi=MAX_LIST) or 100,
            parse_int(cursor, "cursor", required=False, lo=0, hi=2**62) or 0,
        )

    @post(
        "/{opinion_id:str}/follow-up", status_code=200, summary="Adoption and quality of an opinion (staff)"
    )
    async def follow_up(
        self, request: Request[CurrentUser, Any, Any], opinion_id: FromPath[str], data: JSONBody[Any]
    ) -> dict[str, Any]:
        return await record_followup(request.app.state.db, request.user, opinion_id, data)
