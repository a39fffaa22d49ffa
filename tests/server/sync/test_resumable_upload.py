"""Resumable photo upload: bytes are kept where a connection broke, appended only at the held offset, and
the photo appears once, complete and under its own digest, or not at all."""

from __future__ import annotations

import asyncio
import hashlib
import io
import socket
import time
from pathlib import Path

import httpx
import pytest
from PIL import Image

from server.sync.attachments import UPLOAD_IDLE_S
from tests.conftest import LiveServer
from tests.server.conftest import Api, World

MAX_ROUNDS = 60


def photo(seed: int = 1, size: tuple[int, int] = (320, 240)) -> bytes:
    """A real JPEG of noise (tens of kilobytes), different for each seed."""
    noise = Image.effect_noise(size, 40 + seed).convert("RGB")
    buf = io.BytesIO()
    noise.save(buf, format="JPEG", quality=90)
    return buf.getvalue()


def digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def stored_files(api: Api) -> list[Path]:
    root = api.settings.attachments_dir
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def partial_files(api: Api) -> list[Path]:
    root = api.settings.data_dir / "uploads"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


async def held(client: httpx.AsyncClient, sha: str) -> int:
    resp = await client.head(f"/api/attachments/{sha}/upload")
    assert resp.status_code == 200, resp.text
    return int(resp.headers["Upload-Offset"])


async def send(client: httpx.AsyncClient, body: bytes, offset: int, end: int) -> httpx.Response:
    return await client.patch(
        f"/api/attachments/{digest(body)}/upload",
        content=body[offset:end],
        headers={
            "Upload-Offset": str(offset),
            "Upload-Length": str(len(body)),
            "Content-Type": "application/offset+octet-stream",
        },
    )


async def upload_in_parts(client: httpx.AsyncClient, body: bytes, part: int) -> httpx.Response:
    """What a phone does: ask the offset, send the next part, again after a 409, until stored."""
    for _ in range(MAX_ROUNDS):
        offset = await held(client, digest(body))
        resp = await send(client, body, offset, min(len(body), offset + part))
        if resp.status_code == 409:
            continue
        assert resp.status_code in (200, 201), resp.text
        if resp.json()["stored"]:
            return resp
    raise AssertionError(f"not stored after {MAX_ROUNDS} rounds")


async def test_a_photo_sent_in_parts_is_stored_only_when_its_last_byte_arrives(world: World) -> None:
    body = photo()
    sha = digest(body)
    assert await held(world.p1, sha) == 0

    first = await send(world.p1, body, 0, len(body) // 3)
    assert first.status_code == 200, first.text
    assert first.json() == {"sha256": sha, "offset": len(body) // 3, "length": len(body), "stored": False}
    assert first.headers["Upload-Offset"] == str(len(body) // 3)
    assert await held(world.p1, sha) == len(body) // 3
    assert stored_files(world.api) == [] and await world.api.count("attachments") == 0

    last = await send(world.p1, body, len(body) // 3, len(body))
    assert last.status_code == 201, last.text
    assert last.json()["stored"] is True and last.json()["size"] == len(body)
    [path] = stored_files(world.api)
    assert path.name == sha and digest(path.read_bytes()) == sha
    assert partial_files(world.api) == []
    assert await world.api.count("attachments") == 1
    assert await held(world.p1, sha) == len(body)


async def test_a_part_sent_at_the_wrong_offset_is_409_naming_upload_offset_and_changes_nothing(
    world: World,
) -> None:
    body = photo()
    sha = digest(body)
    await send(world.p1, body, 0, 1000)
    for wrong in (0, 999, 1001):
        resp = await send(world.p1, body, wrong, wrong + 500)
        assert resp.status_code == 409, resp.text
        assert resp.json()["field"] == "Upload-Offset"
        assert "1000" in resp.json()["detail"]
        assert resp.headers["Upload-Offset"] == "1000"
    assert await held(world.p1, sha) == 1000
    last = await send(world.p1, body, 1000, len(body))
    assert last.status_code == 201
    assert stored_files(world.api)[0].read_bytes() == body


async def test_an_upload_whose_bytes_hash_to_another_digest_stores_nothing(world: World) -> None:
    body, claimed = photo(1), digest(photo(2))
    headers = {"Upload-Offset": "0", "Upload-Length": str(len(body))}
    half = await world.p1.patch(f"/api/attachments/{claimed}/upload", content=body[:1000], headers=headers)
    assert half.status_code == 200
    rest = await world.p1.patch(
        f"/api/attachments/{claimed}/upload",
        content=body[1000:],
        headers={**headers, "Upload-Offset": "1000"},
    )
    assert rest.status_code == 422, rest.text
    assert rest.json()["field"] == "sha256"
    assert stored_files(world.api) == [] and partial_files(world.api) == []
    assert await world.api.count("attachments") == 0
    assert await held(world.p1, claimed) == 0


async def test_a_complete_upload_that_is_not_an_image_stores_nothing(world: World) -> None:
    body = b"not a photo at all, only text\n" * 100
    resp = await send(world.p1, body, 0, len(body))
    assert resp.status_code == 422 and resp.json()["field"] == "body"
    assert stored_files(world.api) == [] and partial_files(world.api) == []


@pytest.mark.parametrize("same_planner", [True, False], ids=["one planner's two phones", "two planners"])
async def test_the_same_photo_uploaded_at_once_from_two_phones_ends_as_one_file(
    world: World, same_planner: bool
) -> None:
    body = photo(3, size=(640, 480))
    other = await world.api.login("p1") if same_planner else world.p2
    answers = await asyncio.gather(
        upload_in_parts(world.p1, body, part=len(body) // 7),
        upload_in_parts(other, body, part=len(body) // 5),
    )
    assert sorted(a.status_code for a in answers) == [200, 201]
    [path] = stored_files(world.api)
    assert path.read_bytes() == body
    assert partial_files(world.api) == []
    assert await world.api.count("attachments") == 1


async def test_a_photo_the_server_holds_is_confirmed_without_sending_it_again(world: World) -> None:
    body = photo()
    sha = digest(body)
    assert (await world.p1.put(f"/api/attachments/{sha}", content=body)).status_code == 201
    assert await held(world.p2, sha) == len(body)
    resp = await send(world.p2, body, len(body), len(body))
    assert resp.status_code == 200 and resp.json()["stored"] is True
    assert len(stored_files(world.api)) == 1 and partial_files(world.api) == []


BAD_HEADERS = {
    "no Upload-Offset": ({"Upload-Length": "10"}, 400, "Upload-Offset"),
    "Upload-Offset not a number": ({"Upload-Offset": "ten", "Upload-Length": "10"}, 400, "Upload-Offset"),
    "negative Upload-Offset": ({"Upload-Offset": "-1", "Upload-Length": "10"}, 400, "Upload-Offset"),
    "Upload-Offset past Upload-Length": (
        {"Upload-Offset": "11", "Upload-Length": "10"},
        400,
        "Upload-Offset",
    ),
    "no Upload-Length": ({"Upload-Offset": "0"}, 400, "Upload-Length"),
    "Upload-Length zero": ({"Upload-Offset": "0", "Upload-Length": "0"}, 400, "Upload-Length"),
    "Upload-Length over the limit": (
        {"Upload-Offset": "0", "Upload-Length": "99999999999"},
        413,
        "Upload-Length",
    ),
}


@pytest.mark.parametrize("case", list(BAD_HEADERS))
async def test_bad_upload_headers_are_refused_naming_the_header_and_nothing_is_kept(
    world: World, case: str
) -> None:
    headers, status, field = BAD_HEADERS[case]
    resp = await world.p1.patch(f"/api/attachments/{'a' * 64}/upload", content=b"x" * 10, headers=headers)
    assert resp.status_code == status, resp.text
    assert resp.json()["field"] == field and resp.json()["detail"].startswith(f"{field}:")
    assert partial_files(world.api) == [] and stored_files(world.api) == []


async def test_a_part_running_past_upload_length_is_413_and_nothing_of_it_is_kept(world: World) -> None:
    body = photo()
    resp = await world.p1.patch(
        f"/api/attachments/{digest(body)}/upload",
        content=body,
        headers={"Upload-Offset": "0", "Upload-Length": str(len(body) - 1)},
    )
    assert resp.status_code == 413 and resp.json()["field"] == "body"
    assert await held(world.p1, digest(body)) == 0
    assert stored_files(world.api) == []


async def test_a_bad_digest_in_the_upload_path_is_400_naming_sha256(world: World) -> None:
    assert (await world.p1.head("/api/attachments/not-a-digest/upload")).status_code == 400
    resp = await world.p1.patch(
        "/api/attachments/not-a-digest/upload",
        content=b"x",
        headers={"Upload-Offset": "0", "Upload-Length": "1"},
    )
    assert resp.status_code == 400 and resp.json()["field"] == "sha256"


def test_bytes_that_arrived_before_the_link_went_silent_are_kept_and_the_upload_resumes_there(
    live_server_any: LiveServer,
) -> None:
    """A real server process. The phone's link dies after 60% of the body: no more bytes and no FIN, as
    when the radio loses the cell. The server stops waiting after its idle limit and keeps those bytes."""
    server = live_server_any
    server.add_district("甲区")
    server.add_user("planner1", "planner", ["甲区"])
    body = photo(4, size=(800, 600))
    sha = digest(body)
    cut = len(body) * 6 // 10
    with server.login("planner1") as client:
        token = client.headers["Authorization"]
        head = (
            f"PATCH /api/attachments/{sha}/upload HTTP/1.1\r\nHost: {server.url.split('//')[1]}\r\n"
            f"Authorization: {token}\r\nUpload-Offset: 0\r\nUpload-Length: {len(body)}\r\n"
            f"Content-Type: application/offset+octet-stream\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        offset = 0
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw:
            raw.sendall(head.encode() + body[:cut])
            deadline = time.monotonic() + UPLOAD_IDLE_S + 20
            while time.monotonic() < deadline:
                offset = int(client.head(f"/api/attachments/{sha}/upload").headers["Upload-Offset"])
                if offset:
                    break
                time.sleep(0.2)
        assert offset == cut
        attachments = server.data_dir / "attachments"
        assert not attachments.exists() or not any(p.is_file() for p in attachments.rglob("*"))
        resp = client.patch(
            f"/api/attachments/{sha}/upload",
            content=body[offset:],
            headers={"Upload-Offset": str(offset), "Upload-Length": str(len(body))},
        )
        assert resp.status_code == 201, resp.text
    path = attachments / sha[:2] / sha[2:4] / sha
    assert digest(path.read_bytes()) == sha
    assert not [p for p in (server.data_dir / "uploads").rglob("*") if p.is_file()]


async def test_asking_or_sending_upload_bytes_needs_a_sign_in(world: World) -> None:
    anonymous = world.api.client()
    assert (await anonymous.head(f"/api/attachments/{'a' * 64}/upload")).status_code == 401
    resp = await anonymous.patch(
        f"/api/attachments/{'a' * 64}/upload",
        content=b"x",
        headers={"Upload-Offset": "0", "Upload-Length": "1"},
    )
    assert resp.status_code == 401
    assert partial_files(world.api) == []
