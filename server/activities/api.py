"""HTTP endpoints of consultation activities: create, list, one activity, record attendance (CQ-11)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromQuery, JSONBody

from server.activities.service import (
    create_activity,
    get_activity,
    list_activities,
    record_attendance,
)
from server.core.auth import CurrentUser
from server.core.parsing import IdPath, parse_int


class ActivityController(Controller):
    path = "/api/activities"
    tags = ("activities",)

    @post(
        "",
        status_code=201,
        summary="Create an activity and invite planners (district staff; the bureau its own)",
    )
    async def create(self, request: Request[CurrentUser, Any, Any], data: JSONBody[Any]) -> dict[str, Any]:
        return await create_activity(request.app.state.db, request.user, data)

    @get("", summary="Activities of a district and year, with invitations and attendance")
    async def list_(
        self,
        request: Request[CurrentUser, Any, Any],
        district_id: FromQuery[str | None] = None,
        year: FromQuery[str | None] = None,
    ) -> dict[str, Any]:
        return await list_activities(
            request.app.state.db,
            request.app.state.settings,
            request.user,
            parse_int(district_id, "district_id", required=False),
            parse_int(year, "year", required=False, lo=2000, hi=2100),
        )

    @get("/{activity_id:int}", summary="One activity with invitations and attendance")
    async def one(self, request: Request[CurrentUser, Any, Any], activity_id: IdPath) -> dict[str, Any]:
        return await get_activity(request.app.state.db, request.user, activity_id)

    @post(
        "/{activity_id:int}/attendance", status_code=200, summary="Record a planner's attendance (its holder)"
    )
    async def attendance(
        self, request: Request[CurrentUser, Any, Any], activity_id: IdPath, data: JSONBody[Any]
    ) -> dict[str, Any]:
        return await record_attendance(request.app.state.db, request.user, activity_id, data)
