"""gzip on the wire (`server.core.compression`): gzip pushes apply as plain ones, bad gzip stores nothing."""

from __future__ import annotations

import gzip
import json
import zlib
from typing import Any

import pytest

from tests.server.conftest import World, op, pull_all, push_body, visit

GZIP_JSON = {"Content-Type": "application/json", "Content-Encoding": "gzip"}


def packed(body: Any) -> bytes:
    return gzip.compress(json.dumps(body, ensure_ascii=False).encode(), compresslevel=1)


async def test_a_gzip_compressed_push_is_applied_and_a_resend_is_a_duplicate(world: World) -> None:
    body = push_body(*(op("visit", visit(world.a, site=f"片区 {i}")) for i in range(50)))
    first = await world.p1.post("/api/sync/push", content=packed(body), headers=GZIP_JSON)
    assert first.status_code == 200, first.text
    assert [r["status"] for r in first.json()["results"]] == ["applied"] * 50
    # The same ops sent plain: the server knows them by op_id whatever the coding.
    again = await world.p1.post("/api/sync/push", json=body)
    assert [r["status"] for r in again.json()["results"]] == ["duplicate"] * 50
    changes, _ = await pull_all(world.p1)
    assert sorted(c["data"]["site"] for c in changes) == sorted(f"片区 {i}" for i in range(50))


def _truncated() -> bytes:
    whole = packed(push_body(op("visit", {"district_id": 1})))
    return whole[: len(whole) // 2]


BAD_BODIES = {
    "not gzip": (b'{"device_id": "d", "ops": []}', 400),
    "cut short": (_truncated(), 400),
    "bytes after the gzip data": (gzip.compress(b'{"device_id": "d", "ops": []}') + b"junk", 400),
    # 80 MB of zeros in about 80 KB: refused at the limit (64 MB), not inflated whole.
    "a gzip bomb": (gzip.compress(b"\0" * (80 * 1024 * 1024), compresslevel=9), 413),
}


@pytest.mark.parametrize("case", list(BAD_BODIES))
async def test_a_bad_gzip_body_is_4xx_naming_the_body_and_nothing_is_stored(world: World, case: str) -> None:
    content, status = BAD_BODIES[case]
    before = await world.api.stored()
    resp = await world.p1.post("/api/sync/push", content=content, headers=GZIP_JSON)
    assert resp.status_code == status, resp.text
    assert resp.json()["field"] == "body"
    assert resp.json()["detail"].startswith("body:")
    assert await world.api.stored() == before


async def test_a_gzip_body_that_inflates_to_nothing_is_400_and_nothing_is_stored(world: World) -> None:
    resp = await world.p1.post("/api/sync/push", content=gzip.compress(b""), headers=GZIP_JSON)
    assert resp.status_code == 400, resp.text  # the same answer as an empty plain body
    assert resp.json()["detail"] == "body: is required (a JSON object)"
    assert await world.api.count("applied_ops") == 0


async def test_a_content_coding_other_than_gzip_is_415_naming_it(world: World) -> None:
    body = zlib.compress(json.dumps(push_body(op("visit", visit(world.a)))).encode())
    resp = await world.p1.post(
        "/api/sync/push", content=body, headers={"Content-Type": "application/json", "Content-Encoding": "br"}
    )
    assert resp.status_code == 415, resp.text
    assert resp.json()["field"] == "Content-Encoding"
    assert await world.api.count("visits") == 0


@pytest.mark.parametrize("signed_in", [False, True])
async def test_only_the_push_takes_a_gzip_body(world: World, signed_in: bool) -> None:
    # Anywhere else, and above all before sign-in, the server never inflates what it is sent.
    client = world.s1 if signed_in else world.api.client()
    path, body = (
        ("/api/activities", {"district_id": world.a, "topic": "议题"})
        if signed_in
        else (
            "/api/auth/login",
            {"username": "s1", "password": "x"},
        )
    )
    resp = await client.post(path, content=packed(body), headers=GZIP_JSON)
    assert resp.status_code == 415, resp.text
    assert resp.json()["field"] == "Content-Encoding"


async def test_a_pull_answer_comes_gzip_compressed_to_a_client_that_asks(world: World) -> None:
    body = push_body(*(op("visit", visit(world.a, notes="现场踏勘，提出整改意见。" * 5)) for _ in range(40)))
    assert (await world.p1.post("/api/sync/push", json=body)).status_code == 200
    resp = await world.p1.get("/api/sync/pull", headers={"Accept-Encoding": "gzip"})
    assert resp.status_code == 200
    assert resp.headers["content-encoding"] == "gzip"
    assert resp.num_bytes_downloaded * 4 < len(resp.content)  # JSON of forty records shrinks well
    assert len(resp.json()["changes"]) == 40
    plain = await world.p1.get("/api/sync/pull", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.json() == resp.json()
