"""HTTP endpoints of visit review: the client config, the staff's review queue, confirm and reject."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery, JSONBody

from server.core.auth import CurrentUser
from server.core.parsing import parse_int, parse_text
from server.review.queue import (
    MAX_QUEUE,
    client_config,
    review_queue,
)
from server.review.service import review_visit
from shared.rules import CONFIRMED, REJECTED


class ReviewController(Controller):
    path = "/api"
    tags = ("review",)

    @get("/config", summary="Profile, map tiles and CRS, reason codes and flag labels for the app")
    async def config(self, request: Request[CurrentUser, Any, Any]) -> dict[str, Any]:
        return client_config(request.app.state.settings)

    @get("/review/queue", summary="Visits to review in the user's districts, oldest first, with flags")
    async def queue(
        self,
        request: Request[CurrentUser, Any, Any],
        district_id: FromQuery[str | None] = None,
        status: FromQuery[str] = "pending",
        limit: FromQuery[str | None] = None,
        cursor: FromQuery[str | None] = None,
    ) -> dict[str, Any]:
        return await review_queue(
            request.app.state.db,
            request.app.state.settings,
            request.user,
            parse_int(district_id, "district_id", required=False),
            status,
            parse_int(limit, "limit", required=False, hi=MAX_QUEUE) or 50,
            parse_int(cursor, "cursor", required=False, lo=0, hi=2**62) or 0,
        )


class VisitController(Controller):
    path = "/api/visits"
    tags = ("review",)

    @post("/{visit_id:str}/confirm", status_code=200, summary="Confirm a checked-out visit (district staff)")
    async def confirm(
        self,
        request: Request[CurrentUser, Any, Any],
        visit_id: FromPath[str],
        data: JSONBody[dict[str, Any] | None] = None,
    ) -> dict[str, Any]:
        body = data or {}
        return await review_visit(
            request.app.state.db,
            request.app.state.settings,
            request.user,
            visit_id,
            CONFIRMED,
            reason_code=parse_text(body, "reason_code", required=False),
            note=parse_text(body, "note", required=False),
        )

    @post("/{visit_id:str}/reject", status_code=200, summary="Reject a visit with a reason (district staff)")
    async def reject(
        self,
        request: Request[CurrentUser, Any, Any],
        visit_id: FromPath[str],
        data: JSONBody[dict[str, Any] | None] = None,
    ) -> dict[str, Any]:
        body = data or {}
        reason = parse_text(body, "reason", required=True)
        return await review_visit(
            request.app.state.db,
            request.app.state.settings,
            request.user,
            visit_id,
            REJECTED,
            reason=reason,
            note=parse_text(body, "note", required=False),
        )
