"""Photos, addressed by SHA-256: which ones the server still lacks, and a checked, atomic, idempotent upload.

An upload is accepted only when its bytes hash to the address, fit the size limit, and decode completely
as JPEG, PNG or WebP within the pixel limit (a decompression bomb is refused). It is written to a temporary
file, synced, and renamed into ``<data_dir>/attachments/ab/cd/<sha256>``, so a reader never sees half a photo.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
import warnings
from pathlib import Path
from typing import Any

import anyio.to_thread
import sqlalchemy as sa
from litestar import Request
from litestar.params import FromPath
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
