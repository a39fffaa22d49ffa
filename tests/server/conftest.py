"""Server API fixtures: the real app (`create_app`) on a real, migrated database, driven over ASGI by httpx.

``api`` is parametrized over the engines of ``db_url`` (SQLite file; PostgreSQL when configured).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar

from server.app import create_app
from server.auth import create_user
from server.db import Database
from server.districts import add_district
from server.migrate import upgrade
from server.settings import Settings
from tests.conftest import DEFAULT_PASSWORD


class Api:
    """The app plus helpers to seed people and sign them in."""

    def __init__(self, app: Litestar, db: Database, settings: Settings) -> None:
        self.app, self.db, self.settings = app, db, settings
        self._clients: list[httpx.AsyncClient] = []

    def client(self, token: str | None = None) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        c = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url="http://fieldlog", headers=headers)
        self._clients.append(c)
        return c

    async def add_district(self, name: str) -> int:
        return await add_district(self.db, name)

    async def add_user(self, username: str, role: str, districts: tuple[int, ...] = (), display_name: str = "") -> int:
        return await create_user(
            self.db, username, role, DEFAULT_PASSWORD, display_name=display_name, district_ids=districts
        )

    async def login(self, username: str, password: str = DEFAULT_PASSWORD) -> httpx.AsyncClient:
        resp = await self.client().post("/api/auth/login", json={"username": username, "password": password})
        assert resp.status_code == 200, resp.text
        return self.client(resp.json()["access_token"])

    async def aclose(self) -> None:
        for c in self._clients:
            await c.aclose()


@pytest.fixture
async def api(db_url: str, tmp_path: Path) -> AsyncIterator[Api]:
    settings = Settings(data_dir=tmp_path / "data", database_url=db_url, secret_key="test-secret-" + "x" * 40)
    db = Database(db_url)
    await upgrade(db)
    await db.dispose()
    app = create_app(settings)
    async with app.lifespan():
        a = Api(app, app.state.db, settings)
        yield a
        await a.aclose()


def visit(district_id: int, **over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "district_id": district_id,
        "site": "解放碑社区",
        "purpose": "现场指导",
        "started_at": "2025-06-01T09:00:00+08:00",
        "ended_at": "2025-06-01T10:30:00+08:00",
    }
    data.update(over)
    return data


def opinion(district_id: int, **over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "district_id": district_id,
        "subject": "控规调整",
        "opinion_kind": "plan_review",
        "body": "同意",
        "issued_at": "2025-06-02T10:00:00+08:00",
    }
    data.update(over)
    return data


def feedback(district_id: int, **over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "district_id": district_id,
        "place": "菜市场",
        "category": "traffic",
        "content": "路口拥堵",
        "collected_at": "2025-06-03T10:00:00+08:00",
    }
    data.update(over)
    return data


def op(kind: str, data: dict[str, Any] | None, record_id: str | None = None, base_version: int = 0,
       op_id: str | None = None) -> dict[str, Any]:
    return {
        "op_id": op_id or str(uuid.uuid4()),
        "kind": kind,
        "id": record_id or str(uuid.uuid4()),
        "base_version": base_version,
        "data": data,
    }


def push_body(*ops: dict[str, Any], device_id: str = "phone-1") -> dict[str, Any]:
    return {"device_id": device_id, "ops": list(ops)}
