"""gzip on the wire: request bodies phones send compressed, and compressed JSON answers.

A push of 1,000 visits is about 400 KB of JSON and about 60 KB gzipped; on the weak mobile link a
planner often has at a site, the bytes are most of the sync's time and of its data cost. The phone
sends its pushes with ``Content-Encoding: gzip`` (app/sync.py); `InflateRequestBody` inflates them
before the handler reads the body. Only handlers marked with ``opt={GZIP_BODY: True}`` take a
compressed body (the push, behind sign-in: no one can make the server inflate without a token);
elsewhere a content coding is 415. Answers are compressed by Litestar's own middleware (`RESPONSES`)
for every client that asks with ``Accept-Encoding``, as httpx does; photos and the XLSX/DOCX reports
are compressed formats already and are left alone.

Inflating is bounded and runs off the event loop: a body that inflates past the app's body limit is
refused with 413 before it is all in memory (a few KB of zeros inflate to gigabytes), a body that is
not whole gzip is 400 naming the body, and any other content coding is 415.
"""

from __future__ import annotations

import zlib
from typing import Final

import anyio.to_thread
from litestar.config.compression import CompressionConfig
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, HTTPRequestEvent, Receive, ReceiveMessage, Scope, Send

from server.core.errors import ApiError

#: Level 1: 400 KB of sync JSON packs to 61 KB in 1.5 ms here (level 6: 52 KB in 3.6 ms).
RESPONSES: Final = CompressionConfig(
    backend="gzip",
    gzip_compress_level=1,
    minimum_size=1024,
    exclude=["^/api/attachments", "^/api/reports"],
)

_INFLATE_CHUNK: Final = 1024 * 1024

#: The handler ``opt`` key that lets a route take a gzip-compressed body.
GZIP_BODY: Final = "gzip_body"


class InflateRequestBody(ASGIMiddleware):
    """Hands a ``GZIP_BODY`` handler the inflated body of a gzip request, at most ``max_size`` bytes."""

    scopes = (ScopeType.HTTP,)

    def __init__(self, max_size: int) -> None:
        self.max_size = max_size

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        coding = _content_encoding(scope)
        if coding in ("", "identity"):
            await next_app(scope, receive, send)
            return
        if coding != "gzip" or not scope["route_handler"].opt.get(GZIP_BODY):
            raise ApiError(415, "Content-Encoding", f"{coding!r} is not accepted here; send the body as is")
        packed = await _read_body(receive, self.max_size)
        body = await anyio.to_thread.run_sync(_inflate, packed, self.max_size)
        delivered = False

        async def inflated_receive() -> ReceiveMessage:
            nonlocal delivered
            if delivered:  # later calls wait for the disconnect, as the server's own receive does
                return await receive()
            delivered = True
            message: HTTPRequestEvent = {"type": "http.request", "body": body, "more_body": False}
            return message

        # The headers still say gzip and give the packed length (Litestar may have parsed them already);
        # the handler reads the body, and Litestar counts its bytes against the body limit as they come.
        await next_app(scope, inflated_receive, send)


def _content_encoding(scope: Scope) -> str:
    for key, value in scope["headers"]:
        if key == b"content-encoding":
            return value.decode("latin-1").strip().lower()
    return ""


async def _read_body(receive: Receive, max_size: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            raise ApiError(400, "body", "the request ended before its body")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > max_size:
            raise _too_large(max_size)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _inflate(data: bytes, max_size: int) -> bytes:
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # gzip framing
    out: list[bytes] = []
    size = 0
    try:
        while not inflater.eof:
            # A chunk at a time, so a bomb is stopped at the limit instead of after it is all inflated.
            piece = inflater.decompress(data, _INFLATE_CHUNK)
            data = inflater.unconsumed_tail
            if not piece and not data and not inflater.eof:
                raise ApiError(400, "body", "the gzip data ends too early")
            size += len(piece)
            if size > max_size:
                raise _too_large(max_size)
            out.append(piece)
    except zlib.error as exc:
        raise ApiError(400, "body", f"is not valid gzip ({exc})") from None
    if inflater.unused_data:
        raise ApiError(400, "body", "has bytes after the end of its gzip data")
    return b"".join(out)


def _too_large(max_size: int) -> ApiError:
    return ApiError(413, "body", f"is larger than {max_size} bytes once inflated")
