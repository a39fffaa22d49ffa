"""A deployment on a real server process: one district, a planner, a district staff member, a coordinator."""

from __future__ import annotations

from collections.abc import Callable, Iterator
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
    def db_path(self) -> Path:
        return self.server.data_dir / "fieldlog.sqlite3"

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


@pytest.fixture
def deployment(live_server: LiveServer, tmp_path: Path) -> Iterator[Deployment]:
    district_id = live_server.add_district("甲区")
    planner_id = live_server.add_user("planner1", "planner", ["甲区"], display_name="张规划")
    live_server.add_user("staff1", "district", ["甲区"])
    live_server.add_user("coord1", "coordinator")
    session = login(live_server.url, "planner1", DEFAULT_PASSWORD)
    d = Deployment(live_server, district_id, planner_id, session.token, tmp_path)
    yield d
    for store in d.phones:
        store.close()


PhoneFactory = Callable[[str], LocalStore]
