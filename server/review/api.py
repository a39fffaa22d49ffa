"""HTTP endpoints of visit review: the client config, the staff's review queue, confirm and reject."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery, JSONBody

from server.core.auth import CurrentUser
from server.core.parsing import body_object, parse_date, parse_int, parse_text
from server.review.queue import MAX_QUEUE, QueueFilter, client_config, review_queue
from server.review.service import review_visit, undo_review
from shared.rules import CONFIRMED, REJECTED


class ReviewController(Controller):
    path = "/api"
    tags = ("review",)

    @get("/config", summary="Profile, map tiles and CRS, reason codes and flag labels for the app")
    async def config(self, request: Request[CurrentUser, Any, Any]) -> dict[str, Any]:
        return client_config(request.app.state.settings)

    @get(
        "/review/queue",
        summary="Visits to review in the user's districts with flags: oldest first as they arrived, or newest"
        " first as they happened; by planner, days and flag",
    )
    async def queue(
        self,
        request: Request[CurrentUser, Any, Any],
        district_id: FromQuery[str | None] = None,
        status: FromQuery[str] = "pending",
        limit: FromQuery[str | None] = None,
        cursor: FromQuery[str | None] = None,
        order: FromQuery[str] = "oldest",
        planner_id: FromQuery[str | None] = None,
        since: FromQuery[str | None] = None,
        until: FromQuery[str | None] = None,
        flag: FromQuery[str | None] = None,
    ) -> dict[str, Any]:
        wanted = QueueFilter(
            order=order,
            planner_id=parse_int(planner_id, "planner_id", required=False),
            since=parse_date(since, "since", required=False),
            until=parse_date(until, "until", required=False),
            flag=flag or None,
        )
        return await review_queue(
            request.app.state.db,
            request.app.state.settings,
            request.user,
            parse_int(district_id, "district_id", required=False),
            status,
            parse_int(limit, "limit", required=False, hi=MAX_QUEUE) or 50,
            cursor,
            wanted,
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

    @post(
        "/{visit_id:str}/undo",
        status_code=200,
        summary="Undo one's own confirm or reject within minutes: the visit is back in the queue (audited)",
    )
    async def undo(
        self,
        request: Request[CurrentUser, Any, Any],
        visit_id: FromPath[str],
        data: JSONBody[dict[str, Any] | None] = None,
    ) -> dict[str, Any]:
        body = body_object(data if data is not None else {})
        return await undo_review(
            request.app.state.db,
            request.app.state.settings,
            request.user,
            visit_id,
            int(parse_int(body.get("version"), "version", lo=1, hi=2**62) or 0),
        )
