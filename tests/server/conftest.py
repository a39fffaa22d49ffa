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
import sqlalchemy as sa
from argon2 import PasswordHasher
from litestar import Litestar

from server.app import create_app
from server.core.db import Database
from server.core.migrate import check_migrated, upgrade
from server.core.settings import Settings
from server.people.service import add_district, create_user
from server.sync.totals import ensure as ensure_totals
from tests.conftest import DEFAULT_PASSWORD

STORED_TABLES = ("visits", "opinions", "feedback", "applied_ops", "conflicts", "attachments")


class Api:
    """The app plus helpers to seed people and sign them in."""

    def __init__(self, app: Litestar, db: Database, settings: Settings) -> None:
        self.app, self.db, self.settings = app, db, settings
        self._clients: list[httpx.AsyncClient] = []

    def client(self, token: str | None = None, address: str = "127.0.0.1") -> httpx.AsyncClient:
        """A client of the app; ``address`` is the client address the server sees."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        c = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app, client=(address, 123)),
            base_url="http://fieldlog",
            headers=headers,
        )
        self._clients.append(c)
        return c

    async def add_district(self, name: str) -> int:
        return await add_district(self.db, name)

    async def add_user(
        self, username: str, role: str, districts: tuple[int, ...] = (), display_name: str = ""
    ) -> int:
        return await create_user(
            self.db, username, role, DEFAULT_PASSWORD, display_name=display_name, district_ids=districts
        )

    async def login(self, username: str, password: str = DEFAULT_PASSWORD) -> httpx.AsyncClient:
        resp = await self.client().post("/api/auth/login", json={"username": username, "password": password})
        assert resp.status_code == 200, resp.text
        return self.client(resp.json()["access_token"])

    async def count(self, table: str) -> int:
        """Rows in ``table`` (a table name from server/core/models.py)."""
        async with self.db.read() as conn:
            return int((await conn.execute(sa.text(f"SELECT count(*) FROM {table}"))).scalar_one())

    async def stored(self) -> dict[str, int]:
        """Row counts of every table a push or review may write."""
        return {t: await self.count(t) for t in STORED_TABLES}

    async def aclose(self) -> None:
        for c in self._clients:
            await c.aclose()


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real argon2, with the smallest cost parameters: the suite signs in hundreds of times."""
    import server.core.auth

    monkeypatch.setattr(
        server.core.auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    )


@pytest.fixture
async def api(db_url: str, tmp_path: Path) -> AsyncIterator[Api]:
    settings = Settings(data_dir=tmp_path / "data", database_url=db_url, secret_key="test-secret-" + "x" * 40)
    db = Database(db_url)
    await upgrade(db)
    await db.dispose()
    app = create_app(settings)
    # ASGITransport sends no lifespan events: startup's work runs here, and the engine is closed after.
    await check_migrated(app.state.db)
    await ensure_totals(app.state.db, settings.tz)
    a = Api(app, app.state.db, settings)
    try:
        yield a
    finally:
        await a.aclose()
        await app.state.db.dispose()


def visit(district_id: int, /, **over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "district_id": district_id,
        "site": "解放碑社区",
        "purpose": "现场指导",
        "started_at": "2025-06-01T09:00:00+08:00",
        "ended_at": "2025-06-01T10:30:00+08:00",
    }
    data.update(over)
    return data


def opinion(district_id: int, /, **over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "district_id": district_id,
        "subject": "控规调整",
        "opinion_kind": "plan_review",
        "body": "同意",
        "issued_at": "2025-06-02T10:00:00+08:00",
    }
    data.update(over)
    return data


def feedback(district_id: int, /, **over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "district_id": district_id,
        "place": "菜市场",
        "category": "traffic",
        "content": "路口拥堵",
        "collected_at": "2025-06-03T10:00:00+08:00",
    }
    data.update(over)
    return data


def op(
    kind: str,
    data: dict[str, Any] | None,
    record_id: str | None = None,
    base_version: int = 0,
    op_id: str | None = None,
) -> dict[str, Any]:
    return {
        "op_id": op_id or str(uuid.uuid4()),
        "kind": kind,
        "id": record_id or str(uuid.uuid4()),
        "base_version": base_version,
        "data": data,
    }


def push_body(*ops: dict[str, Any], device_id: str = "phone-1") -> dict[str, Any]:
    return {"device_id": device_id, "ops": list(ops)}


class World:
    """Districts A and B; planners p1 (A), p2 (B); staff s1 (A), s2 (B); a coordinator and an admin."""

    def __init__(self, api: Api) -> None:
        self.api = api

    async def build(self) -> World:
        api = self.api
        self.a = await api.add_district("A区")
        self.b = await api.add_district("B区")
        self.p1_id = await api.add_user("p1", "planner", (self.a,), display_name="张规划")
        self.p2_id = await api.add_user("p2", "planner", (self.b,), display_name="李规划")
        self.s1_id = await api.add_user("s1", "district", (self.a,))
        self.s2_id = await api.add_user("s2", "district", (self.b,))
        self.coord_id = await api.add_user("coord", "coordinator")
        self.admin_id = await api.add_user("root", "admin")
        self.p1 = await api.login("p1")
        self.p2 = await api.login("p2")
        self.s1 = await api.login("s1")
        self.s2 = await api.login("s2")
        self.coord = await api.login("coord")
        self.admin = await api.login("root")
        return self


@pytest.fixture
async def world(api: Api) -> World:
    return await World(api).build()


async def push(
    client: httpx.AsyncClient, *ops: dict[str, Any], device_id: str = "phone-1"
) -> list[dict[str, Any]]:
    """Push ``ops``; assert 200 and return the results."""
    resp = await client.post("/api/sync/push", json=push_body(*ops, device_id=device_id))
    assert resp.status_code == 200, resp.text
    results: list[dict[str, Any]] = resp.json()["results"]
    return results


async def pull_all(
    client: httpx.AsyncClient, cursor: str = "", limit: int = 500
) -> tuple[list[dict[str, Any]], str]:
    """Pull until has_more is false; return all changes and the final cursor."""
    changes: list[dict[str, Any]] = []
    while True:
        resp = await client.get("/api/sync/pull", params={"cursor": cursor, "limit": limit})
        assert resp.status_code == 200, resp.text
        body = resp.json()
        changes.extend(body["changes"])
        cursor = body["cursor"]
        if not body["has_more"]:
            return changes, cursor
