"""Helpers for the server tests of whole flows: the app under a chosen profile, a two-district world, photos.

``make_api(db_url, tmp_path, profile)`` is the `api` fixture with ``FIELDLOG_PROFILE`` chosen; ``Seeded``
adds to `World` (districts A and B) a visit, an opinion, feedback and an activity in each district, the
ones of district B marked with `SECRET` so a test can assert they never leak to district A's people.
"""

from __future__ import annotations

import hashlib
import io
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from PIL import Image

from server.app import create_app
from server.core.db import Database
from server.core.migrate import check_migrated, upgrade
from server.core.settings import Settings
from tests.server.conftest import Api, World, feedback, op, opinion, push, visit

SECRET = "机密乙"
YEAR = 2025
REASON = {"reason_code": "verified_by_phone"}


@asynccontextmanager
async def make_api(db_url: str, tmp_path: Path, profile: str = "chongqing") -> AsyncIterator[Api]:
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=db_url,
        secret_key="test-secret-" + "x" * 40,
        profile_name=profile,
    )
    db = Database(db_url)
    await upgrade(db)
    await db.dispose()
    app = create_app(settings)
    await check_migrated(app.state.db)
    a = Api(app, app.state.db, settings)
    try:
        yield a
    finally:
        await a.aclose()
        await app.state.db.dispose()


def png(seed: int) -> tuple[str, bytes]:
    """A small real PNG, different for each seed, and its SHA-256."""
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (seed % 256, (seed * 7) % 256, 90)).save(buf, format="PNG")
    body = buf.getvalue()
    return hashlib.sha256(body).hexdigest(), body


async def upload(client: httpx.AsyncClient, seed: int) -> str:
    sha, body = png(seed)
    resp = await client.put(f"/api/attachments/{sha}", content=body, headers={"Content-Type": "image/png"})
    assert resp.status_code in (200, 201), resp.text
    return sha


async def new_visit(client: httpx.AsyncClient, district_id: int, **over: Any) -> str:
    rid = str(uuid.uuid4())
    [res] = await push(client, op("visit", visit(district_id, **over), rid))
    assert res["status"] == "applied", res
    return rid


async def new_record(client: httpx.AsyncClient, kind: str, data: dict[str, Any]) -> str:
    rid = str(uuid.uuid4())
    [res] = await push(client, op(kind, data, rid))
    assert res["status"] == "applied", res
    return rid


class Seeded(World):
    """World plus one of each record per district (district B's carry SECRET)."""

    async def seed(self) -> Seeded:
        await self.build()
        self.photo_a = await upload(self.p1, 1)
        self.photo_b = await upload(self.p2, 2)
        self.visit_a = await new_visit(self.p1, self.a, photos=[self.photo_a])
        self.visit_b = await new_visit(self.p2, self.b, site=f"{SECRET}地", photos=[self.photo_b])
        self.opinion_a = await new_record(self.p1, "opinion", opinion(self.a))
        self.opinion_b = await new_record(self.p2, "opinion", opinion(self.b, subject=f"{SECRET}意见"))
        await new_record(self.p1, "feedback", feedback(self.a))
        await new_record(self.p2, "feedback", feedback(self.b, content=f"{SECRET}反馈"))
        self.activity_a = await self.activity(self.s1, self.a, [self.p1_id], "甲会")
        self.activity_b = await self.activity(self.s2, self.b, [self.p2_id], f"{SECRET}会")
        return self

    async def activity(
        self, staff: httpx.AsyncClient, district: int, planners: list[int], topic: str, starts_at: str = ""
    ) -> int:
        resp = await staff.post(
            "/api/activities",
            json={
                "district_id": district,
                "topic": topic,
                "place": "规划局三楼",
                "starts_at": starts_at or f"{YEAR}-05-07T10:00:00+08:00",
                "planner_ids": planners,
            },
        )
        assert resp.status_code == 201, resp.text
        return int(resp.json()["id"])
