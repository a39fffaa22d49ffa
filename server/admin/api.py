"""HTTP endpoints of administration (admin role): users, districts, the roster import and its template."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import quote

from litestar import Controller, Request, Response, get, post, put
from litestar.params import FromQuery, JSONBody
from openpyxl import Workbook
from openpyxl.styles import Font

from server.admin import roster
from server.admin.service import (
    create,
    create_district,
    get_user,
    import_roster,
    list_districts,
    list_users,
    reset_password,
    set_active,
    set_districts,
)
from server.core.access import require_role
from server.core.auth import ADMIN, CurrentUser
from server.core.errors import ApiError, bad_request
from server.core.parsing import IdPath

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: RFC 6266: roster.xlsx for old clients, 花名册.xlsx in UTF-8.
TEMPLATE_DISPOSITION = "attachment; filename=\"roster.xlsx\"; filename*=UTF-8''" + quote("花名册.xlsx")


async def _read_bounded(request: Request[Any, Any, Any], limit: int) -> bytes:
    """The request body, refused (413) before it is read when it declares more than ``limit`` bytes."""
    too_big = ApiError(413, "file", f"is larger than {limit} bytes; split the roster")
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise too_big
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_big
        chunks.append(chunk)
    return b"".join(chunks)


def _flag(raw: str | None, name: str) -> bool:
    if raw is None or raw == "":
        return False
    if raw.lower() in ("1", "true", "yes"):
        return True
    if raw.lower() in ("0", "false", "no"):
        return False
    raise bad_request(name, "must be true or false")


def _template() -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "花名册"
    ws.append(list(roster.TEMPLATE_HEADERS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    example = wb.create_sheet("示例")
    example.append(list(roster.TEMPLATE_HEADERS))
    for row in roster.template_rows():
        example.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


class AdminController(Controller):
    path = "/api/admin"
    tags = ("admin",)

    @get("/users", summary="Every user with role, state and districts (admin)")
    async def users(
        self, request: Request[CurrentUser, Any, Any], role: FromQuery[str | None] = None
    ) -> dict[str, Any]:
        return await list_users(request.app.state.db, request.user, role or None)

    @post(
        "/users", status_code=201, summary="Add a user: username, display_name, role, password, district_ids"
    )
    async def add_user(self, request: Request[CurrentUser, Any, Any], data: JSONBody[Any]) -> dict[str, Any]:
        return await create(request.app.state.db, request.user, data)

    @get("/users/{user_id:int}", summary="One user (admin)")
    async def user(self, request: Request[CurrentUser, Any, Any], user_id: IdPath) -> dict[str, Any]:
        return await get_user(request.app.state.db, request.user, user_id)

    @post(
        "/users/{user_id:int}/disable",
        status_code=200,
        summary="Disable a user: records kept, sign-in refused, tokens void (admin)",
    )
    async def disable(self, request: Request[CurrentUser, Any, Any], user_id: IdPath) -> dict[str, Any]:
        return await set_active(request.app.state.db, request.user, user_id, False)

    @post("/users/{user_id:int}/enable", status_code=200, summary="Enable a disabled user again (admin)")
    async def enable(self, request: Request[CurrentUser, Any, Any], user_id: IdPath) -> dict[str, Any]:
        return await set_active(request.app.state.db, request.user, user_id, True)

    @post(
        "/users/{user_id:int}/password",
        status_code=200,
        summary="Reset a password; signs out every device of the user (admin)",
    )
    async def password(
        self, request: Request[CurrentUser, Any, Any], user_id: IdPath, data: JSONBody[Any]
    ) -> dict[str, Any]:
        return await reset_password(request.app.state.db, request.user, user_id, data)

    @put(
        "/users/{user_id:int}/districts", summary="Set the districts a planner or staff member serves (admin)"
    )
    async def districts_of(
        self, request: Request[CurrentUser, Any, Any], user_id: IdPath, data: JSONBody[Any]
    ) -> dict[str, Any]:
        return await set_districts(request.app.state.db, request.user, user_id, data)

    @get("/districts", summary="Every district with its active planners and staff (admin)")
    async def districts(self, request: Request[CurrentUser, Any, Any]) -> dict[str, Any]:
        return await list_districts(request.app.state.db, request.user)

    @post("/districts", status_code=201, summary="Add a district (admin)")
    async def add_district(
        self, request: Request[CurrentUser, Any, Any], data: JSONBody[Any]
    ) -> dict[str, Any]:
        return await create_district(request.app.state.db, request.user, data)

    @post(
        "/roster",
        status_code=201,
        summary="Import a roster (the XLSX bytes as the body); nothing is imported until every row is clean",
        description=(
            "Columns: 用户名, 姓名, 角色, 区县, 专业方向, 聘期开始, 初始密码, 备注 (or their English"
            " names; see `GET /api/admin/roster/template.xlsx`). A bad row answers 422 with"
            " `errors: [{row, column, field, message}]`. `?dry_run=true` only checks. Passwords left"
            " empty are made and shown once."
        ),
    )
    async def roster(
        self, request: Request[CurrentUser, Any, Any], dry_run: FromQuery[str | None] = None
    ) -> Response[dict[str, Any]]:
        require_role(request.user, ADMIN)
        dry = _flag(dry_run, "dry_run")
        data = await _read_bounded(request, roster.MAX_BYTES)
        status, answer = await import_roster(
            request.app.state.db, request.app.state.settings.profile, request.user, data, dry
        )
        return Response(answer, status_code=status)

    @get("/roster/template.xlsx", summary="An empty roster with its columns, and an example sheet (admin)")
    async def template(self, request: Request[CurrentUser, Any, Any]) -> Response[bytes]:
        require_role(request.user, ADMIN)
        return Response(
            _template(),
            media_type=XLSX,
            headers={"Content-Disposition": TEMPLATE_DISPOSITION},
        )
