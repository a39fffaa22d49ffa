"""A deployment on a real server process: one district, a planner, a district staff member, a coordinator."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from app.store import LocalStore
from app.sync import SyncEngine, login
from tests.app.helpers import FaultyTransport
from tests.conftest import DEFAULT_PASSWORD, LiveServer


@dataclass
class Deployment:
    server: LiveServer
    district_id: int
    planner_id: int
    token: str
    tmp: Path
    phones: list[LocalStore] = field(default_factory=list)

    @property
    def db(self) -> str:
        """The server's database URL (SQLite or PostgreSQL), for reading its rows directly."""
        return self.server.db_url

    def phone(self, name: str = "phone") -> LocalStore:
        store = LocalStore(self.tmp / name / "store.sqlite3")
        self.phones.append(store)
        return store

    def engine(
        self, store: LocalStore, transport: httpx.BaseTransport | None = None, **kw: object
    ) -> SyncEngine:
        return SyncEngine(
            store,
            self.server.url,
            self.token,
            transport=transport or FaultyTransport(),
            sleep=lambda _s: None,
            **kw,  # type: ignore[arg-type]
        )

    def staff(self) -> httpx.Client:
        return self.server.login("staff1")

    def coordinator(self) -> httpx.Client:
        return self.server.login("coord1")


def _deploy(server: LiveServer, tmp_path: Path) -> Deployment:
    district_id = server.add_district("甲区")
    planner_id = server.add_user("planner1", "planner", ["甲区"], display_name="张规划")
    server.add_user("staff1", "district", ["甲区"])
    server.add_user("coord1", "coordinator")
    session = login(server.url, "planner1", DEFAULT_PASSWORD)
    return Deployment(server, district_id, planner_id, session.token, tmp_path)


@pytest.fixture
def deployment(live_server: LiveServer, tmp_path: Path) -> Iterator[Deployment]:
    """On SQLite, the default deployment."""
    d = _deploy(live_server, tmp_path)
    yield d
    for store in d.phones:
        store.close()


@pytest.fixture
def deployment_any(live_server_any: LiveServer, tmp_path: Path) -> Iterator[Deployment]:
    """On every server engine: SQLite, and PostgreSQL when FIELDLOG_TEST_DATABASE_URL is set."""
    d = _deploy(live_server_any, tmp_path)
    yield d
    for store in d.phones:
        store.close()
