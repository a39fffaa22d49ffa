"""HTTP endpoints of sites: the list phones fetch after their pull, and district staff's curation."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromQuery, JSONBody

from server.core.auth import CurrentUser
from server.core.parsing import parse_int
from server.sites.service import add_site, list_sites, parse_limit, rename_site, retire_site
from shared.records import MAX_ID


class SiteController(Controller):
    path = "/api/sites"
    tags = ("sites",)

    @get(
        "",
        summary="Sites and projects of the user's districts that changed after the cursor",
        description=(
            "Answer: `{districts: [{id, name, area}], sites: [{district_id, kind, name, state, lat, lon,"
            " last_at, uses, aliases, curated_id}], cursor, has_more, counts?}`; state live | retired | gone;"
            " `counts` (live sites per district) on the last page (shared/protocol.py, Sites)."
        ),
    )
    async def list_(
        self,
        request: Request[CurrentUser, Any, Any],
        cursor: FromQuery[str | None] = None,
        limit: FromQuery[str | None] = None,
        district_id: FromQuery[str | None] = None,
    ) -> dict[str, Any]:
        return await list_sites(
            request.app.state.db,
            request.user,
            cursor,
            parse_limit(limit),
            parse_int(district_id, "district_id", required=False, hi=MAX_ID),
        )

    @post("", status_code=201, summary="Add a site or project to a district's list, or restore a retired one")
    async def add(self, request: Request[CurrentUser, Any, Any], data: JSONBody[Any]) -> dict[str, Any]:
        return await add_site(request.app.state.db, request.user, data)

    @post("/rename", status_code=200, summary="Rename a site; records under the old name count for the new")
    async def rename(self, request: Request[CurrentUser, Any, Any], data: JSONBody[Any]) -> dict[str, Any]:
        return await rename_site(request.app.state.db, request.user, data)

    @post("/retire", status_code=200, summary="Take a site off the phones' lists")
    async def retire(self, request: Request[CurrentUser, Any, Any], data: JSONBody[Any]) -> dict[str, Any]:
        return await retire_site(request.app.state.db, request.user, data)
