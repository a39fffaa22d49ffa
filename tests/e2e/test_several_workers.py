"""Several stateless server processes over one database, as a city's deployment runs them.

Two servers on two ports share one database and one data directory (what ``serve --workers N`` does on one
host, and what several hosts behind a proxy do with a shared volume); the phone's real sync engine sends
its requests to each in turn. Nothing may depend on which process answered: every record is stored once,
pulls are complete, the sign-in limit is counted once for the deployment, tokens, photos and signed report
links made by one process are good at the other. ``serve --workers 2`` is run for real too.
"""

from __future__ import annotations

import hashlib
import io
import random
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from PIL import Image

from app.store import LocalStore
from app.sync import SyncEngine, login
from tests.app.helpers import CONFIRM_FLAGGED, feedback, server_counts, visit
from tests.conftest import DEFAULT_PASSWORD, REDIS_URL, LiveServer
from tests.server.conftest import op, push_body

pytestmark = pytest.mark.slow

#: Where the sign-in counts are kept: the database (the default) or Redis (FIELDLOG_REDIS_URL).
COUNT_STORES = ["database", "redis"]


class Alternating(httpx.BaseTransport):
    """Sends each request to the next server in turn, as a proxy in front of several workers may."""

    def __init__(self, servers: list[LiveServer]) -> None:
        self.ports = [s.port for s in servers]
        self.inner = httpx.HTTPTransport()
        self.sent: list[tuple[int, str, str]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        port = self.ports[len(self.sent) % len(self.ports)]
        request.url = request.url.copy_with(port=port)
        self.sent.append((port, request.method, request.url.path))
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()

    def ports_used_for(self, path_start: str) -> set[int]:
        return {port for port, _, path in self.sent if path.startswith(path_start)}


@dataclass
class Deployment:
    servers: list[LiveServer]
    district_id: int
    planner_id: int

    @property
    def one(self) -> LiveServer:
        return self.servers[0]


@contextmanager
def _deploy(
    tmp_path: Path, db_url: str, store: str, workers: int = 1, count: int = 2
) -> Iterator[Deployment]:
    shared = tmp_path / "shared-data"
    env = {"FIELDLOG_REDIS_URL": REDIS_URL} if store == "redis" else {}
    servers = [
        LiveServer(tmp_path, db_url=db_url, env=env, data_dir=shared, workers=workers, name=f"server{i}")
        for i in range(count)
    ]
    first = servers[0]
    first.upgrade()
    if store == "redis":
        _forget_redis_counts()
    district_id = first.add_district("甲区")
    planner_id = first.add_user("planner1", "planner", ["甲区"])
    first.add_user("planner2", "planner", ["甲区"])
    first.add_user("staff1", "district", ["甲区"])
    first.add_user("coord1", "coordinator")
    with ThreadPoolExecutor(max_workers=len(servers)) as pool:
        list(pool.map(lambda s: s.start(timeout=60), servers))
    try:
        yield Deployment(servers, district_id, planner_id)
    finally:
        for s in servers:
            s.stop()
        if store == "redis":
            _forget_redis_counts()


def _forget_redis_counts() -> None:
    """Each test starts with no counts in the machine's Redis (the servers use its default namespace)."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        for key in client.scan_iter("fieldlog:signin*"):
            client.delete(key)
    finally:
        client.close()


@pytest.fixture(params=COUNT_STORES)
def two_servers(request: pytest.FixtureRequest, tmp_path: Path, db_url: str) -> Iterator[Deployment]:
    with _deploy(tmp_path, db_url, request.param) as d:
        yield d


def _sign_in(server: LiveServer, username: str, password: str) -> httpx.Response:
    return httpx.post(f"{server.url}/api/auth/login", json={"username": username, "password": password})


def _audited_pauses(server: LiveServer) -> int:
    with server.login("coord1") as coord:
        entries = coord.get("/api/audit", params={"action": "auth.signin_paused"}).json()["entries"]
    return len(entries)


def test_mistyped_passwords_at_two_servers_are_counted_once_for_the_deployment(
    two_servers: Deployment,
) -> None:
    a, b = two_servers.servers
    # Four mistypes spread over both servers, then the right password: the count starts again.
    for server in (a, b, a, b):
        assert _sign_in(server, "planner1", "typo-1234").status_code == 401
    assert _sign_in(a, "planner1", DEFAULT_PASSWORD).status_code == 200
    # Five wrong at the two servers fill the one count: each alone has seen fewer than five.
    codes = [_sign_in(s, "planner1", "guess-123").status_code for s in (b, a, b, a, b)]
    assert codes == [401, 401, 401, 401, 429]
    for server in (a, b):
        refused = _sign_in(server, "planner1", DEFAULT_PASSWORD)
        assert refused.status_code == 429
        assert 14 * 60 < int(refused.headers["Retry-After"]) <= 15 * 60
    assert _audited_pauses(a) == 1


def test_concurrent_guesses_at_two_servers_get_five_checks_between_them(two_servers: Deployment) -> None:
    servers = two_servers.servers
    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(
            pool.map(lambda i: _sign_in(servers[i % 2], "planner2", f"guess-{i:03}").status_code, range(20))
        )
    # Only five attempts reach a password check; of those, the ones failing once the count is full say so.
    assert answers.count(401) <= 5 and answers.count(429) >= 15 and set(answers) <= {401, 429}
    assert all(_sign_in(s, "planner2", DEFAULT_PASSWORD).status_code == 429 for s in servers)
    assert _audited_pauses(servers[1]) == 1


def _jpeg(seed: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (seed * 40 % 256, 120, 200)).save(buf, format="JPEG")
    return buf.getvalue()


def test_one_phone_alternating_between_two_servers_syncs_everything_exactly_once(
    tmp_path: Path, db_url: str
) -> None:
    with _deploy(tmp_path, db_url, "database") as d:
        a, b = d.servers
        transport = Alternating(d.servers)
        session = login(a.url, "planner1", DEFAULT_PASSWORD, transport=transport)
        phone = LocalStore(tmp_path / "phone" / "store.sqlite3")
        photos = [phone.add_photo(_jpeg(i)) for i in range(3)]
        visits = phone.save_many(
            "visit",
            [visit(d.district_id, day=1 + i % 28, photos=photos[i % 3 : i % 3 + 1]) for i in range(30)],
        )
        phone.save_many("feedback", [feedback(d.district_id, content=f"意见{i}") for i in range(5)])
        phone.close()
        shutil.copytree(tmp_path / "phone", tmp_path / "phone-before-sync")
        phone = LocalStore(tmp_path / "phone" / "store.sqlite3")

        # Small batches: the push and the pull take several requests, each to the other server.
        with SyncEngine(phone, a.url, session.token, transport=transport, batch_size=4) as engine:
            report = engine.sync()
        assert (report.pushed, report.duplicates, report.rejected, report.errors) == (35, 0, 0, [])
        assert report.photos_uploaded == 3
        assert transport.ports_used_for("/api/sync/push") == {a.port, b.port}
        assert transport.ports_used_for("/api/sync/pull") == {a.port, b.port}
        counts = server_counts(a.db_url)
        assert (counts["visits"], counts["visits_distinct"]) == (30, 30)
        assert (counts["feedback"], counts["feedback_distinct"]) == (5, 5)
        assert counts["applied_ops"] == 35
        assert phone.outbox_count() == 0 and phone.photos_to_upload() == []

        # A photo uploaded through one server is served whole by each.
        with a.login("staff1") as staff_a, b.login("staff1") as staff_b:
            for digest in photos:
                for staff in (staff_a, staff_b):
                    got = staff.get(f"/api/attachments/{digest}")
                    assert got.status_code == 200 and hashlib.sha256(got.content).hexdigest() == digest
            # A review made at one server reaches the phone whichever server it pulls from.
            for rid in visits[:10]:
                staff_b.post(f"/api/visits/{rid}/confirm", json=CONFIRM_FLAGGED).raise_for_status()

        with SyncEngine(phone, a.url, session.token, transport=transport, batch_size=4) as engine:
            again = engine.sync()
        assert again.pushed == 0 and again.pulled == 10
        assert sorted(r.id for r in phone.records("visit") if r.review == "confirmed") == sorted(visits[:10])

        # A second phone of the same planner pulls every record, each once, in pages from both servers.
        fresh = LocalStore(tmp_path / "phone2" / "store.sqlite3")
        with SyncEngine(fresh, a.url, session.token, transport=transport, batch_size=3) as engine:
            pulled = engine.sync()
        ids = [r.id for r in fresh.records()]
        assert pulled.pulled == 35 and len(ids) == len(set(ids)) == 35
        fresh.close()

        # The phone as it was before its first sync sends everything again: all duplicates.
        copy = LocalStore(tmp_path / "phone-before-sync" / "store.sqlite3")
        with SyncEngine(copy, a.url, session.token, transport=transport, batch_size=4) as engine:
            resent = engine.sync()
        assert (resent.pushed, resent.duplicates) == (0, 35)
        assert server_counts(a.db_url)["applied_ops"] == 35
        copy.close()

        # The sign-in limit is the deployment's: five wrong passwords over both servers pause the pair.
        codes = [_sign_in(s, "planner1", "wrong-pw-1").status_code for s in (a, b, a, b, a)]
        assert codes == [401, 401, 401, 401, 429]
        phone.close()


def test_a_signed_report_link_made_at_one_server_opens_at_the_other(two_servers: Deployment) -> None:
    a, b = two_servers.servers
    with a.login("coord1") as coord_a:
        link = coord_a.post(
            "/api/reports/links", json={"report": "hr-summary", "params": {"year": 2026, "quarter": 1}}
        )
        link.raise_for_status()
    got = httpx.get(f"{b.url}{link.json()['url']}")
    assert got.status_code == 200, got.text
    assert got.content[:2] == b"PK"  # an XLSX file
    # And a bearer token signed by one server is good at the other.
    token = _sign_in(b, "coord1", DEFAULT_PASSWORD).json()["access_token"]
    mine = httpx.get(f"{a.url}/api/districts", headers={"Authorization": f"Bearer {token}"})
    assert mine.status_code == 200


@pytest.mark.parametrize("store", COUNT_STORES)
def test_serve_with_two_workers_runs_two_processes_that_share_the_sign_in_limit(
    tmp_path: Path, db_url: str, store: str
) -> None:
    with _deploy(tmp_path, db_url, store, workers=2, count=1) as d:
        server = d.one
        assert len(server.worker_pids()) == 2
        # Every request on its own connection, so the two workers' accept() calls share them out.
        with ThreadPoolExecutor(max_workers=10) as pool:
            answers = list(
                pool.map(lambda i: _sign_in(server, "planner1", f"guess-{i}").status_code, range(20))
            )
        assert answers.count(401) <= 5 and answers.count(429) >= 15
        assert _sign_in(server, "planner1", DEFAULT_PASSWORD).status_code == 429
        assert _audited_pauses(server) == 1
        with server.login("planner2") as client:
            ops = [op("visit", visit(d.district_id, day=i + 1)) for i in range(5)]
            pushed = client.post("/api/sync/push", json=push_body(*ops))
            assert [r["status"] for r in pushed.json()["results"]] == ["applied"] * 5


def _large_photo() -> bytes:
    """A photo of a few MB (noise does not compress), so that its upload takes a while."""
    buf = io.BytesIO()
    Image.frombytes("RGB", (1400, 1000), random.Random(7).randbytes(1400 * 1000 * 3)).save(buf, format="PNG")
    return buf.getvalue()


def test_a_photo_being_uploaded_through_one_server_is_never_served_in_part_by_the_other(
    two_servers: Deployment,
) -> None:
    a, b = two_servers.servers
    photo = _large_photo()
    digest = hashlib.sha256(photo).hexdigest()
    with a.login("planner1") as planner:
        pushed = planner.post(
            "/api/sync/push", json=push_body(op("visit", visit(two_servers.district_id, photos=[digest])))
        )
        assert pushed.json()["results"][0]["status"] == "applied"
    answers: list[tuple[int, str | None]] = []
    with b.login("staff1") as staff, ThreadPoolExecutor(max_workers=1) as pool:
        with a.login("planner1") as uploader:
            upload = pool.submit(
                uploader.put,
                f"/api/attachments/{digest}",
                content=photo,
                headers={"Content-Type": "image/png"},
            )
            while not upload.done():
                got = staff.get(f"/api/attachments/{digest}")
                answers.append(
                    (got.status_code, hashlib.sha256(got.content).hexdigest() if got.is_success else None)
                )
            assert upload.result().status_code == 201
        got = staff.get(f"/api/attachments/{digest}")
        answers.append((got.status_code, hashlib.sha256(got.content).hexdigest()))
    # Before the upload completes: not there (404); after: the whole photo. Nothing in between.
    assert {status for status, _ in answers} <= {200, 404}
    assert all(sha == digest for status, sha in answers if status == 200)
    assert answers[-1] == (200, digest)
