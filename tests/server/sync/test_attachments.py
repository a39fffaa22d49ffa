"""Photo uploads: only complete JPEG/PNG/WebP under their own digest are stored, atomically, idempotently."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from PIL import Image

from tests.server.conftest import Api, World, op, push, visit


def image_bytes(fmt: str = "JPEG", size: tuple[int, int] = (64, 48), mode: str = "RGB") -> bytes:
    buf = io.BytesIO()
    Image.new(mode, size, color=1 if mode == "1" else (200, 80, 20)).save(buf, format=fmt)
    return buf.getvalue()


def digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def files_under(api: Api) -> list[Path]:
    root = api.settings.attachments_dir
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
async def test_a_good_photo_is_stored_under_its_digest(world: World, fmt: str) -> None:
    body = image_bytes(fmt)
    sha = digest(body)
    resp = await world.p1.put(f"/api/attachments/{sha}", content=body)
    assert resp.status_code == 201, resp.text
    assert resp.json()["content_type"] == f"image/{fmt.lower()}"
    path = world.api.settings.attachments_dir / sha[:2] / sha[2:4] / sha
    assert path.read_bytes() == body
    assert files_under(world.api) == [path]


async def test_uploading_the_same_photo_again_is_harmless(world: World) -> None:
    body = image_bytes()
    sha = digest(body)
    assert (await world.p1.put(f"/api/attachments/{sha}", content=body)).status_code == 201
    again = await world.p1.put(f"/api/attachments/{sha}", content=body)
    assert again.status_code == 200
    assert len(files_under(world.api)) == 1
    assert await world.api.count("attachments") == 1


async def test_missing_lists_the_digests_the_server_lacks(world: World) -> None:
    have, lack = image_bytes(size=(10, 10)), image_bytes(size=(11, 11))
    await world.p1.put(f"/api/attachments/{digest(have)}", content=have)
    resp = await world.p1.post("/api/attachments/missing", json={"sha256": [digest(have), digest(lack)]})
    assert resp.status_code == 200
    assert resp.json() == {"missing": [digest(lack)]}


async def test_missing_without_a_list_checks_the_users_own_records(world: World) -> None:
    have, lack = image_bytes(size=(10, 10)), image_bytes(size=(11, 11))
    await push(world.p1, op("visit", visit(world.a, photos=[digest(have), digest(lack)])))
    await world.p1.put(f"/api/attachments/{digest(have)}", content=have)
    resp = await world.p1.post("/api/attachments/missing", json={})
    assert resp.json() == {"missing": [digest(lack)]}
    other = await world.p2.post("/api/attachments/missing", json={})
    assert other.json() == {"missing": []}


async def test_missing_with_a_bad_digest_is_400_naming_sha256(world: World) -> None:
    resp = await world.p1.post("/api/attachments/missing", json={"sha256": ["abc"]})
    assert resp.status_code == 400
    assert resp.json()["field"] == "sha256"


def _bomb(pixels_over_limit: float) -> bytes:
    side = int((50_000_000 * pixels_over_limit) ** 0.5) + 1
    return image_bytes("PNG", size=(side, side), mode="1")


BAD_UPLOADS = {
    "wrong digest": (lambda: image_bytes(), lambda b: digest(b"something else"), 422, "sha256"),
    "not a digest": (lambda: image_bytes(), lambda b: "not-hex", 400, "sha256"),
    "broken jpeg": (lambda: image_bytes()[:-200], digest, 422, "body"),
    "text renamed .jpg": (lambda: b"this is a text file, honestly\n" * 20, digest, 422, "body"),
    "gif": (lambda: image_bytes("GIF", mode="P"), digest, 422, "body"),
    "empty": (lambda: b"", digest, 400, "body"),
    "decompression bomb (1.2x the pixel limit)": (lambda: _bomb(1.2), digest, 422, "body"),
    "decompression bomb (3x the pixel limit)": (lambda: _bomb(3.0), digest, 422, "body"),
}


@pytest.mark.parametrize("case", list(BAD_UPLOADS))
async def test_a_bad_upload_is_4xx_and_nothing_is_on_disk(world: World, case: str) -> None:
    make_body, make_digest, status, field = BAD_UPLOADS[case]
    body = make_body()
    resp = await world.p1.put(f"/api/attachments/{make_digest(body)}", content=body)
    assert resp.status_code == status, resp.text
    assert resp.json()["field"] == field
    assert resp.json()["detail"].startswith(f"{field}:")
    if "bomb" in case:
        assert "pixels" in resp.json()["detail"]
    assert files_under(world.api) == []
    assert await world.api.count("attachments") == 0


async def test_an_oversized_upload_is_413_and_nothing_is_on_disk(world: World) -> None:
    body = b"\xff\xd8\xff" + b"\0" * world.api.settings.max_upload_bytes
    resp = await world.p1.put(f"/api/attachments/{digest(body)}", content=body)
    assert resp.status_code == 413
    assert resp.json()["field"] == "body"
    assert files_under(world.api) == []
    assert await world.api.count("attachments") == 0


async def test_the_same_photo_uploaded_twice_at_once_is_stored_once(world: World) -> None:
    import asyncio

    body = image_bytes(size=(300, 200))
    sha = digest(body)
    other = await world.api.login("p1")
    answers = await asyncio.gather(
        world.p1.put(f"/api/attachments/{sha}", content=body),
        other.put(f"/api/attachments/{sha}", content=body),
    )
    assert sorted(a.status_code for a in answers) == [200, 201]
    assert len(files_under(world.api)) == 1
    assert await world.api.count("attachments") == 1
