"""Photos, addressed by SHA-256: which ones the server still lacks, and a checked, atomic, idempotent upload.

An upload is accepted only when its bytes hash to the address, fit the size limit, and decode completely
as JPEG, PNG or WebP within the pixel limit (a decompression bomb is refused). It is written to a temporary
file, synced, and renamed into ``<data_dir>/attachments/ab/cd/<sha256>``, so a reader never sees half a photo.

Resumable upload (tus-like, without the creation step: the digest is the upload's address). ``HEAD
.../{sha256}/upload`` answers ``Upload-Offset``, the bytes the server holds of that photo from this user;
``PATCH`` sends bytes from ``Upload-Offset`` towards ``Upload-Length``. The server keeps the bytes it was
handed, also when the connection breaks or falls silent for ``UPLOAD_IDLE_S`` (a phone whose link dropped
sends no FIN; of a connection that closes, uvicorn drops the piece it had not handed over yet), in a
partial file ``<data_dir>/uploads/<user id>/<sha256>``, outside the photo store. Appends are serialised
by a lock on that file and checked against its size, so a stale or duplicated request can neither skip
nor repeat bytes (409 naming ``Upload-Offset``). The request that brings the last byte hands the whole
file to the same checks as a plain upload and removes the partial whatever they decide: a photo appears
only complete and under its own digest, and a mismatch stores nothing.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import io
import os
import re
import tempfile
import warnings
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Final, cast

import anyio.to_thread
import sqlalchemy as sa
from litestar import Request
from litestar.params import FromPath
from litestar.types import HTTPRequestEvent, Receive
from PIL import Image

from server.core.auth import DISTRICT, PLANNER, CurrentUser
from server.core.db import Database, utcnow
from server.core.errors import ApiError, bad_request, not_found
from server.core.models import Attachment, table_of
from server.core.settings import Settings
from server.sync.service import TABLES

_attachments = table_of(Attachment)
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
MAX_MISSING_QUERY = 5000
#: A resumable upload that sends nothing for this long is treated as broken off: what arrived is kept.
UPLOAD_IDLE_S: Final = 10.0
#: One PATCH request reads for at most this long; the phone goes on from the offset with the next one.
UPLOAD_REQUEST_MAX_S: Final = 300.0
_LOCK_TRIES: Final = 5
_MAX_HEADER_DIGITS: Final = 12


def attachment_path(settings: Settings, sha256: FromPath[str]) -> Path:
    return settings.attachments_dir / sha256[:2] / sha256[2:4] / sha256


def check_digest(sha256: FromPath[str]) -> str:
    if not _SHA256.match(sha256):
        raise bad_request("sha256", "must be 64 lowercase hex characters")
    return sha256


def decode_image(body: bytes, max_pixels: int) -> tuple[str, int, int]:
    """Return (content type, width, height) of a complete JPEG/PNG/WebP image, or raise ApiError 422."""
    Image.MAX_IMAGE_PIXELS = max_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(body), formats=list(FORMATS)) as im:
                fmt, (width, height) = im.format, im.size
                if width * height > max_pixels:
                    raise Image.DecompressionBombError(f"{width}x{height} pixels")
                im.verify()
            with Image.open(io.BytesIO(body), formats=list(FORMATS)) as im:
                im.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ApiError(422, "body", f"the image has more than {max_pixels} pixels ({exc})") from None
    except Image.UnidentifiedImageError:
        raise ApiError(422, "body", "is not a JPEG, PNG or WebP image") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise ApiError(422, "body", f"the image is damaged or incomplete ({exc})") from None
    if fmt not in FORMATS:
        raise ApiError(422, "body", "is not a JPEG, PNG or WebP image")
    return FORMATS[fmt], width, height


def _store(path: Path, body: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(body)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


async def read_limited(request: Request[Any, Any, Any], limit: int) -> bytes:
    """The request body, refusing (413) before reading anything when Content-Length is too big."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ApiError(413, "body", f"the photo is larger than {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(413, "body", f"the photo is larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def put_attachment(
    db: Database, settings: Settings, user: CurrentUser, sha256: str, body: bytes
) -> tuple[int, dict[str, Any]]:
    check_digest(sha256)
    if not body:
        raise bad_request("body", "is empty; send the photo's bytes")
    actual = hashlib.sha256(body).hexdigest()
    if actual != sha256:
        raise ApiError(422, "sha256", f"does not match the uploaded bytes (they hash to {actual})")
    content_type, width, height = await anyio.to_thread.run_sync(
        decode_image, body, settings.max_image_pixels
    )
    path = attachment_path(settings, sha256)
    answer = {"sha256": sha256, "size": len(body), "content_type": content_type, "stored": True}
    select = sa.select(_attachments.c.sha256).where(_attachments.c.sha256 == sha256)
    async with db.read() as conn:
        known = (await conn.execute(select)).first()
    if known and path.exists():
        return 200, answer
    # The file is written (atomically) before its row and outside the write transaction, so other writers
    # are not held up by disk I/O; a row never points at a missing file, and a file without a row is re-used.
    await anyio.to_thread.run_sync(_store, path, body)
    try:
        async with db.write() as conn:
            if (await conn.execute(select)).first():
                return 200, answer
            await conn.execute(
                _attachments.insert().values(
                    sha256=sha256,
                    size=len(body),
                    content_type=content_type,
                    width=width,
                    height=height,
                    uploaded_by=user.id,
                    stored_at=utcnow(),
                )
            )
    except sa.exc.IntegrityError:
        return 200, answer  # the same photo, uploaded at the same moment by another request, won the insert
    return 201, answer


async def _stored(db: Database, settings: Settings, sha256: str) -> dict[str, Any] | None:
    """The plain-upload answer for a photo the server already holds complete, else None."""
    query = sa.select(_attachments.c.size, _attachments.c.content_type).where(_attachments.c.sha256 == sha256)
    async with db.read() as conn:
        row = (await conn.execute(query)).first()
    if row is None or not attachment_path(settings, sha256).exists():
        return None
    return {"sha256": sha256, "size": row.size, "content_type": row.content_type, "stored": True}


def partial_path(settings: Settings, user_id: int, sha256: str) -> Path:
    return settings.data_dir / "uploads" / str(int(user_id)) / sha256


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def upload_header(value: str | None, name: str) -> int:
    """A byte count from an ``Upload-*`` header, or 400 naming the header."""
    if value is None:
        raise bad_request(name, "is required (a whole number of bytes)")
    text = value.strip()
    if not text.isdigit() or not text.isascii() or len(text) > _MAX_HEADER_DIGITS:
        raise bad_request(name, f"must be a whole number of bytes, not {value[:40]!r}")
    return int(text)


def _offset_conflict(sent: int, held: int) -> ApiError:
    return ApiError(
        409,
        "Upload-Offset",
        f"is {sent} but the server holds {held} bytes of this photo; send from {held}",
        headers={"Upload-Offset": str(held)},
    )


async def upload_offset(db: Database, settings: Settings, user: CurrentUser, sha256: str) -> int:
    """How many bytes of the photo the server holds for this user: its size once stored."""
    check_digest(sha256)
    stored = await _stored(db, settings, sha256)
    if stored is not None:
        return int(stored["size"])
    return _size(partial_path(settings, user.id, sha256))


async def _receive_part(receive: Receive, room: int) -> tuple[bytes, bool]:
    """The request body as it arrives, and whether it arrived whole.

    Stops early, keeping what came, when the client disconnects, sends nothing for ``UPLOAD_IDLE_S`` or
    has been sending for ``UPLOAD_REQUEST_MAX_S``: a phone whose link dropped is usually not told so for
    minutes, and its bytes are worth keeping. More than ``room`` bytes is 413 and nothing is kept.
    """
    parts: list[bytes] = []
    size = 0
    deadline = anyio.current_time() + UPLOAD_REQUEST_MAX_S
    while anyio.current_time() < deadline:
        with anyio.move_on_after(min(UPLOAD_IDLE_S, deadline - anyio.current_time())) as idle:
            message = await receive()
        if idle.cancelled_caught or message["type"] != "http.request":
            break  # a disconnect, or silence
        event = cast("HTTPRequestEvent", message)
        body = event["body"]
        size += len(body)
        if size > room:
            raise ApiError(
                413, "body", f"runs past Upload-Length: {room} bytes were left after Upload-Offset"
            )
        parts.append(body)
        if not event.get("more_body", False):
            return b"".join(parts), True
    return b"".join(parts), False


@contextlib.asynccontextmanager
async def _locked_partial(path: Path) -> AsyncIterator[int]:
    """The partial file, open for appending, under an exclusive lock that other workers respect too."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for _ in range(_LOCK_TRIES):
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            await anyio.to_thread.run_sync(fcntl.flock, fd, fcntl.LOCK_EX)
        except BaseException:
            os.close(fd)
            raise
        if os.fstat(fd).st_nlink:
            break
        # Completed and removed by another request while this one waited: open the path afresh.
        os.close(fd)
    else:
        raise ApiError(
            409, "Upload-Offset", "other uploads of this photo keep finishing; ask the offset again"
        )
    try:
        yield fd
    finally:
        os.close(fd)  # closing the file releases the lock


def _append(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
    os.fsync(fd)


def _read_all(fd: int) -> bytes:
    size = os.fstat(fd).st_size
    return os.pread(fd, size, 0)


async def resume_upload(
    db: Database,
    settings: Settings,
    user: CurrentUser,
    sha256: str,
    offset_header: str | None,
    length_header: str | None,
    receive: Receive,
) -> tuple[int, dict[str, Any], int]:
    """Append one PATCH's bytes at ``Upload-Offset``: (HTTP status, answer, the offset now held)."""
    check_digest(sha256)
    length = upload_header(length_header, "Upload-Length")
    offset = upload_header(offset_header, "Upload-Offset")
    if length < 1:
        raise bad_request("Upload-Length", "must be at least 1 byte")
    if length > settings.max_upload_bytes:
        raise ApiError(413, "Upload-Length", f"the photo is larger than {settings.max_upload_bytes} bytes")
    if offset > length:
        raise bad_request("Upload-Offset", f"is past Upload-Length ({offset} > {length})")
    path = partial_path(settings, user.id, sha256)
    stored = await _stored(db, settings, sha256)
    if stored is not None:
        path.unlink(missing_ok=True)  # the photo came complete by another way: its bytes are not needed
        return 200, {**stored, "offset": stored["size"]}, int(stored["size"])
    held = _size(path)
    if held != offset:  # before reading a byte; checked again under the lock
        raise _offset_conflict(offset, held)
    part, whole = await _receive_part(receive, length - offset)
    async with _locked_partial(path) as fd:
        stored = await _stored(db, settings, sha256)
        if stored is not None:
            path.unlink(missing_ok=True)
            return 200, {**stored, "offset": stored["size"]}, int(stored["size"])
        held = os.fstat(fd).st_size
        if held != offset:
            if held == 0:
                path.unlink(missing_ok=True)  # only this request's own empty file
            raise _offset_conflict(offset, held)
        if part:
            await anyio.to_thread.run_sync(_append, fd, part)
        held += len(part)
        if held < length:
            if not whole:
                raise ApiError(
                    408,
                    "body",
                    f"stopped arriving; {held} bytes are kept, send the rest from Upload-Offset {held}",
                    headers={"Upload-Offset": str(held)},
                )
            return 200, {"sha256": sha256, "offset": held, "length": length, "stored": False}, held
        body = await anyio.to_thread.run_sync(_read_all, fd)
        try:
            status, answer = await put_attachment(db, settings, user, sha256, body)
        finally:
            path.unlink(missing_ok=True)
    # Other users' unfinished copies of the same photo are not needed any more either.
    for other in path.parent.parent.glob(f"*/{sha256}"):
        other.unlink(missing_ok=True)
    return status, {**answer, "offset": held}, held


async def referenced_digests(db: Database, user: CurrentUser) -> set[str]:
    """Photo digests named by the records the user may push or review."""
    out: set[str] = set()
    async with db.read() as conn:
        for kind in ("visit", "feedback"):
            t = TABLES[kind]
            query = sa.select(t.c.data).where(t.c.deleted.is_(False))
            if user.role == PLANNER:
                query = query.where(t.c.planner_id == user.id)
            elif user.role == DISTRICT:
                query = query.where(t.c.district_id.in_(sorted(user.district_ids)))
            for (data,) in await conn.execute(query):
                out.update(d for d in (data or {}).get("photos") or [] if isinstance(d, str))
    return out


async def missing(db: Database, settings: Settings, user: CurrentUser, body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise bad_request("body", "must be a JSON object")
    given = body.get("sha256")
    if given is None:
        wanted = await referenced_digests(db, user)
    else:
        if not isinstance(given, list):
            raise bad_request("sha256", "must be a list of SHA-256 hex digests")
        if len(given) > MAX_MISSING_QUERY:
            raise bad_request("sha256", f"has more than {MAX_MISSING_QUERY} digests; ask in parts")
        for d in given:
            if not isinstance(d, str) or not _SHA256.match(d):
                raise bad_request(
                    "sha256", f"{d!r} is not a SHA-256 hex digest (64 lowercase hex characters)"
                )
        wanted = set(given)
    have: set[str] = set()
    async with db.read() as conn:
        if wanted:
            have = set(
                (
                    await conn.execute(
                        sa.select(_attachments.c.sha256).where(_attachments.c.sha256.in_(wanted))
                    )
                )
                .scalars()
                .all()
            )
    order = given if given is not None else sorted(wanted)
    return {
        "missing": [
            d for d in dict.fromkeys(order) if d not in have or not attachment_path(settings, d).exists()
        ]
    }


async def may_see_attachment(db: Database, user: CurrentUser, sha256: str) -> bool:
    """True when a record the user may see lists this photo."""
    async with db.read() as conn:
        for t in (TABLES["visit"], TABLES["feedback"]):
            refs: sa.ColumnElement[bool]
            if conn.dialect.name == "sqlite":
                refs = sa.exists(
                    sa.select(1)
                    .select_from(sa.func.json_each(t.c.data, "$.photos").table_valued("value"))
                    .where(sa.literal_column("value") == sha256)
                )
            else:
                refs = t.c.data["photos"].op("@>")(sa.func.to_jsonb(sa.func.jsonb_build_array(sha256)))
            query = sa.select(t.c.id).where(t.c.deleted == sa.false(), refs).limit(1)
            if user.role == PLANNER:
                query = query.where(t.c.planner_id == user.id)
            elif user.role == DISTRICT:
                query = query.where(t.c.district_id.in_(sorted(user.district_ids)))
            elif not user.sees_all:
                continue
            if (await conn.execute(query)).first():
                return True
    return False


async def stored_photo(db: Database, settings: Settings, user: CurrentUser, sha256: str) -> tuple[Path, str]:
    """The file and media type of a stored photo ``user`` may see; 404 otherwise."""
    check_digest(sha256)
    path = attachment_path(settings, sha256)
    if not await may_see_attachment(db, user, sha256) or not path.exists():
        raise not_found("sha256", "no such photo")
    async with db.read() as conn:
        ctype = (
            await conn.execute(sa.select(_attachments.c.content_type).where(_attachments.c.sha256 == sha256))
        ).scalar_one_or_none()
    return path, ctype or "application/octet-stream"
