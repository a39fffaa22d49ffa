"""HTTP endpoints for people: sign-in, districts, and planners' areas, terms, exit requests and dismissals."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post, put
from litestar.exceptions import NotAuthorizedException, TooManyRequestsException
from litestar.params import JSONBody

from server.core.auth import (
    CurrentUser,
)
from server.core.errors import bad_request
from server.core.parsing import IdPath
from server.people.service import (
    add_exit_request,
    get_planner,
    list_planners,
    record_dismissal,
    sign_in,
    update_planner,
    visible_districts,
)


class AuthController(Controller):
    path = "/api/auth"
    tags = ("auth",)

    @post(
        "/login",
        status_code=200,
        summary="Sign in; returns a bearer token",
        description="Repeated failures pause sign-in for that username and address (429, Retry-After).",
        raises=[NotAuthorizedException, TooManyRequestsException],
    )
    async def login(self, request: Request[Any, Any, Any], data: JSONBody[dict[str, Any]]) -> dict[str, Any]:
        for name in ("username", "password"):
            if not isinstance(data.get(name), str) or not data[name]:
                raise bad_request(name, "is required")
        address = request.client.host if request.client else "unknown"
        return await sign_in(
            request.app.state.db,
            request.app.state.sign_in,
            request.app.state.jwt_auth,
            data["username"],
            data["password"],
            address,
        )


class DistrictController(Controller):
    path = "/api/districts"
    tags = ("districts",)

    @get("", summary="Districts the signed-in user may see")
    async def list_districts(self, request: Request[CurrentUser, Any, Any]) -> list[dict[str, Any]]:
        return await visible_districts(request.app.state.db, request.user)


class PlannerController(Controller):
    path = "/api/planners"
    tags = ("planners",)

    @get("", summary="Planners the user may see, with area, term start and specialty")
    async def list_(self, request: Request[CurrentUser, Any, Any]) -> dict[str, Any]:
        return await list_planners(request.app.state.db, request.user)

    @get("/{planner_id:int}", summary="One planner with profile and exit requests")
    async def one(self, request: Request[CurrentUser, Any, Any], planner_id: IdPath) -> dict[str, Any]:
        return await get_planner(request.app.state.db, request.user, planner_id)

    @put("/{planner_id:int}", summary="Set responsibility area, term start, specialty (coordinator, admin)")
    async def update(
        self, request: Request[CurrentUser, Any, Any], planner_id: IdPath, data: JSONBody[Any]
    ) -> dict[str, Any]:
        return await update_planner(request.app.state.db, request.user, planner_id, data)

    @post("/{planner_id:int}/exit-requests", status_code=201, summary="Record an exit request (PDS-11)")
    async def exit_request(
        self, request: Request[CurrentUser, Any, Any], planner_id: IdPath, data: JSONBody[Any]
    ) -> dict[str, Any]:
        return await add_exit_request(
            request.app.state.db, request.app.state.settings.profile, request.user, planner_id, data
        )

    @post(
        "/{planner_id:int}/dismissals",
        status_code=201,
        summary="Record a dismissal: a CQ-11 ground of the profile and a reason (coordinator, admin)",
    )
    async def dismissal(
        self, request: Request[CurrentUser, Any, Any], planner_id: IdPath, data: JSONBody[Any]
    ) -> dict[str, Any]:
        return await record_dismissal(
            request.app.state.db, request.app.state.settings.profile, request.user, planner_id, data
        )
