"""HTTP endpoints of sync: push, pull, and the photos that travel after their records."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, head, patch, post, put
from litestar.datastructures import ResponseHeader
from litestar.params import FromPath, FromQuery, HeaderParameter, JSONBody
from litestar.response import File

from server.core.auth import CurrentUser
from server.core.compression import GZIP_BODY
from server.core.settings import Settings
from server.sync.attachments import (
    check_digest,
    missing,
    put_attachment,
    read_limited,
    resume_upload,
    stored_photo,
    upload_offset,
)
from server.sync.service import (
    parse_limit,
    pull,
    push,
)


class SyncController(Controller):
    path = "/api/sync"
    tags = ("sync",)

    @post(
        "/push",
        status_code=200,
        opt={GZIP_BODY: True},
        summary="Apply a batch of the planner's operations (one transaction)",
        description=(
            "Body: `{device_id, ops: [{op_id, kind, id, base_version, data}], clock_offset_s?}`, plain or"
            " `Content-Encoding: gzip`; `data: null` deletes. Answer: `{server_time, results: [{op_id,"
            " status, version, error, original}]}`,"
            " status applied | duplicate | conflict | rejected, in the order of `ops` (shared/protocol.py)."
        ),
    )
    async def push_ops(self, request: Request[CurrentUser, Any, Any], data: JSONBody[Any]) -> dict[str, Any]:
        return await push(request.app.state.db, request.user, data, request.app.state.settings.tz)

    @get(
        "/pull",
        summary="Changes the user may see after the cursor, in sequence order",
        description="Answer: `{changes: [{kind, id, version, deleted, data, state}], cursor, has_more}`.",
    )
    async def pull_changes(
        self,
        request: Request[CurrentUser, Any, Any],
        cursor: FromQuery[str | None] = None,
        limit: FromQuery[str | None] = None,
    ) -> dict[str, Any]:
        settings: Settings = request.app.state.settings
        return await pull(request.app.state.db, settings, request.user, cursor, parse_limit(limit))


class AttachmentController(Controller):
    path = "/api/attachments"
    tags = ("attachments",)

    @post(
        "/missing",
        status_code=200,
        summary="Which of these (or of my records') photo digests the server lacks",
    )
    async def missing_digests(
        self, request: Request[CurrentUser, Any, Any], data: JSONBody[Any]
    ) -> dict[str, Any]:
        return await missing(request.app.state.db, request.app.state.settings, request.user, data)

    @put("/{sha256:str}", summary="Upload one photo's bytes under its SHA-256")
    async def upload(
        self, request: Request[CurrentUser, Any, Any], sha256: FromPath[str]
    ) -> Response[dict[str, Any]]:
        settings: Settings = request.app.state.settings
        check_digest(sha256)
        body = await read_limited(request, settings.max_upload_bytes)
        status, result = await put_attachment(request.app.state.db, settings, request.user, sha256, body)
        return Response(result, status_code=status)

    @head(
        "/{sha256:str}/upload",
        summary="How many bytes of this photo the server holds from me (resumable upload)",
        description=(
            "`Upload-Offset` is where a resumed `PATCH` starts: 0 when nothing has arrived, the photo's size"
            " once it is stored. A server without resumable upload answers 404 here: use `PUT`."
        ),
        response_headers=[
            ResponseHeader(name="Upload-Offset", description="bytes held", documentation_only=True)
        ],
    )
    async def held_bytes(
        self, request: Request[CurrentUser, Any, Any], sha256: FromPath[str]
    ) -> Response[None]:
        offset = await upload_offset(request.app.state.db, request.app.state.settings, request.user, sha256)
        return Response(None, headers={"Upload-Offset": str(offset), "Cache-Control": "no-store"})

    @patch(
        "/{sha256:str}/upload",
        summary="Send a photo's bytes from Upload-Offset; the last byte stores it, checked like a PUT",
        description=(
            "Body: bytes from `Upload-Offset` of a photo of `Upload-Length` bytes. Bytes that arrive before a"
            " connection breaks are kept. Answer: `{sha256, offset, length, stored: false}` while bytes are"
            " missing; the PUT answer with `offset` once stored (201, or 200 if it was stored already)."
            " A wrong `Upload-Offset` is 409 with the held offset in the `Upload-Offset` header."
        ),
        response_headers=[
            ResponseHeader(name="Upload-Offset", description="bytes held", documentation_only=True)
        ],
    )
    async def send_bytes(
        self,
        request: Request[CurrentUser, Any, Any],
        sha256: FromPath[str],
        offset: Annotated[
            str | None, HeaderParameter(name="Upload-Offset", description="where these bytes start")
        ] = None,
        length: Annotated[
            str | None, HeaderParameter(name="Upload-Length", description="the whole photo's size in bytes")
        ] = None,
    ) -> Response[dict[str, Any]]:
        status, result, held = await resume_upload(
            request.app.state.db,
            request.app.state.settings,
            request.user,
            sha256,
            offset,
            length,
            request.receive,
        )
        return Response(result, status_code=status, headers={"Upload-Offset": str(held)})

    @get("/{sha256:str}", summary="A stored photo, to users who may see a record listing it")
    async def photo(self, request: Request[CurrentUser, Any, Any], sha256: FromPath[str]) -> File:
        path, ctype = await stored_photo(
            request.app.state.db, request.app.state.settings, request.user, sha256
        )
        return File(path=path, media_type=ctype, content_disposition_type="inline")
