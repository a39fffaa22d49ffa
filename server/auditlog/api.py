"""HTTP endpoint of the audit log, for the bureau."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.params import FromQuery

from server.auditlog.service import audit_entries
from server.core.auth import CurrentUser
from server.core.parsing import parse_int


class AuditController(Controller):
    path = "/api/audit"
    tags = ("audit",)

    @get("", summary="Audit log, newest first: who, when, what changed (coordinator, admin)")
    async def entries(
        self,
        request: Request[CurrentUser, Any, Any],
        limit: FromQuery[str | None] = None,
        before: FromQuery[str | None] = None,
        action: FromQuery[str | None] = None,
    ) -> dict[str, Any]:
        return await audit_entries(
            request.app.state.db,
            request.user,
            parse_int(limit, "limit", required=False, hi=500) or 100,
            parse_int(before, "before", required=False),
            action,
        )
