"""Sync engine faults injected with httpx.MockTransport: nothing saved on the phone is ever lost."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import httpx
import pytest

from app.store import LocalStore
from app.sync import AuthError, RequestRefused, SyncEngine, SyncError, login
from tests.app.helpers import request_json, visit


@pytest.fixture
def store(tmp_path: Path) -> LocalStore:
    s = LocalStore(tmp_path / "phone.sqlite3")
    yield s
    s.close()


def test_no_network_retries_with_growing_backoff_then_says_cannot_reach_and_keeps_everything(
    store: LocalStore,
) -> None:
    rid = store.save("visit", visit())
    calls: list[str] = []

    def drop(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        raise httpx.ConnectError("connection refused", request=request)

    sleeps: list[float] = []
    engine = SyncEngine(
        store,
        "http://server.invalid",
        "t",
        transport=httpx.MockTransport(drop),
        max_attempts=4,
        backoff_s=0.5,
        sleep=sleeps.append,
    )
    with pytest.raises(SyncError) as err:
        engine.sync()
    assert "cannot reach server" in str(err.value)
    assert not isinstance(err.value, AuthError)
    assert calls == ["/api/sync/push"] * 4
    assert len(sleeps) == 3
    # Exponential with jitter: each wait lies in [base * 2^i, 1.5 * base * 2^i].
    for i, s in enumerate(sleeps):
        assert 0.5 * 2**i <= s <= 0.75 * 2**i
    rec = store.get("visit", rid)
    assert rec is not None and rec.dirty and rec.op_state == "sent"
    assert store.outbox_count() == 1 and store.last_sync_at() is None


def test_server_errors_are_retried_like_network_errors(store: LocalStore) -> None:
    store.save("visit", visit())
    seen: list[int] = []

    def broken(request: httpx.Request) -> httpx.Response:
        seen.append(1)
        return httpx.Response(503, json={"status_code": 503, "detail": "database is restarting"})

    engine = SyncEngine(
        store, "http://s", "t", transport=httpx.MockTransport(broken), max_attempts=3, sleep=lambda _s: None
    )
    with pytest.raises(SyncError) as err:
        engine.sync()
    assert len(seen) == 3 and "database is restarting" in str(err.value)
    assert store.outbox_count() == 1


def test_an_expired_sign_in_raises_auth_error_without_retrying(store: LocalStore) -> None:
    store.save("visit", visit())
    seen: list[int] = []

    def unauthorized(request: httpx.Request) -> httpx.Response:
        seen.append(1)
        return httpx.Response(401, json={"status_code": 401, "detail": "token expired"})

    engine = SyncEngine(
        store, "http://s", "t", transport=httpx.MockTransport(unauthorized), sleep=lambda _s: None
    )
    with pytest.raises(AuthError):
        engine.sync()
    assert seen == [1] and store.outbox_count() == 1


def test_a_refused_request_raises_with_the_servers_message(store: LocalStore) -> None:
    store.save("visit", visit())

    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            400, json={"status_code": 400, "detail": "device_id: is required", "field": "device_id"}
        )

    engine = SyncEngine(store, "http://s", "t", transport=httpx.MockTransport(refuse), sleep=lambda _s: None)
    with pytest.raises(SyncError) as err:
        engine.sync()
    assert "device_id: is required" in str(err.value)


def test_wrong_password_at_sign_in_is_an_auth_error_and_no_server_is_a_sync_error() -> None:
    def wrong(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            401, json={"status_code": 401, "detail": "password: wrong username or password"}
        )

    with pytest.raises(AuthError) as err:
        login("http://s", "planner1", "nope", transport=httpx.MockTransport(wrong))
    assert "wrong username or password" in str(err.value)

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(SyncError) as err2:
        login("http://s", "planner1", "x", transport=httpx.MockTransport(down))
    assert "cannot reach server" in str(err2.value)


def test_a_pulled_batch_that_cannot_be_stored_does_not_move_the_cursor(store: LocalStore) -> None:
    store.apply_pull([], "start")
    good = {
        "kind": "visit",
        "id": "7d1f3b0e-3c35-4a43-a0b1-0a1f4b5bb010",
        "version": 1,
        "deleted": False,
        "data": visit(),
        "state": {"review": "pending"},
    }
    broken = {"kind": "visit", "id": None, "version": 2, "deleted": False, "data": visit(), "state": {}}

    def pull(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/api/sync/pull"
        assert request.url.params["cursor"] == "start"
        return httpx.Response(200, json={"changes": [good, broken], "cursor": "next", "has_more": False})

    engine = SyncEngine(store, "http://s", "t", transport=httpx.MockTransport(pull), sleep=lambda _s: None)
    with pytest.raises(SyncError) as err:
        engine.sync()
    assert "could not store" in str(err.value)
    assert store.pull_cursor() == "start" and store.records() == []
    assert store.last_sync_at() is None


def test_an_answer_missing_some_ops_leaves_them_to_be_sent_again(store: LocalStore) -> None:
    store.save_many("visit", [visit(day=d) for d in (1, 2)])

    def half(request: httpx.Request) -> httpx.Response:
        ops = request_json(request)["ops"]
        return httpx.Response(
            200,
            json={
                "server_time": "2026-03-01T00:00:00+00:00",
                "results": [{"op_id": ops[0]["op_id"], "status": "applied", "version": 1, "error": None}],
            },
        )

    engine = SyncEngine(store, "http://s", "t", transport=httpx.MockTransport(half), sleep=lambda _s: None)
    with pytest.raises(SyncError):
        engine.sync()
    assert store.outbox_count() == 1
    assert [r.op_state for r in store.records() if r.dirty] == ["sent"]


def nothing_more() -> httpx.Response:
    """The answer to the photo check and the pull, for a test about the push."""
    return httpx.Response(200, json={"missing": [], "changes": [], "cursor": "c", "has_more": False})


def all_applied(ops: list[dict[str, object]]) -> httpx.Response:
    results = [{"op_id": o["op_id"], "status": "applied", "version": 1, "error": None} for o in ops]
    return httpx.Response(200, json={"server_time": "2026-03-01T00:00:00+00:00", "results": results})


def test_pushes_travel_gzip_compressed(store: LocalStore) -> None:
    store.save_many("visit", [visit(day=d, notes="现场踏勘，提出整改意见。" * 10) for d in range(1, 21)])
    seen: list[tuple[str | None, int, int]] = []

    def server(request: httpx.Request) -> httpx.Response:
        if request.url.path != "/api/sync/push":
            return nothing_more()
        ops = request_json(request)["ops"]
        seen.append(
            (
                request.headers.get("content-encoding"),
                len(request.content),
                len(gzip.decompress(request.content)),
            )
        )
        return all_applied(ops)

    SyncEngine(store, "http://s", "t", transport=httpx.MockTransport(server), sleep=lambda _s: None).sync()
    assert [coding for coding, _, _ in seen] == ["gzip"]
    [(_, sent, inflated)] = seen
    assert sent * 5 < inflated  # what a weak mobile link has to carry
    assert store.outbox_count() == 0


def test_a_server_that_cannot_read_gzip_gets_plain_pushes_and_nothing_is_lost(store: LocalStore) -> None:
    store.save_many("visit", [visit(day=d) for d in range(1, 4)])
    codings: list[str | None] = []

    def old_server(request: httpx.Request) -> httpx.Response:
        if request.url.path != "/api/sync/push":
            return nothing_more()
        codings.append(request.headers.get("content-encoding"))
        try:
            ops = json.loads(request.content)["ops"]
        except ValueError:
            return httpx.Response(
                400, json={"status_code": 400, "detail": "body: Malformed JSON", "field": "body"}
            )
        return all_applied(ops)

    engine = SyncEngine(
        store, "http://s", "t", transport=httpx.MockTransport(old_server), batch_size=2, sleep=lambda _s: None
    )
    report = engine.sync()
    assert report.pushed == 3 and store.outbox_count() == 0
    # One refused gzip try, then plain for both batches.
    assert codings == ["gzip", None, None]


def test_a_push_refused_for_its_content_is_not_sent_again_plain(store: LocalStore) -> None:
    store.save_many("visit", [visit(day=1)])
    codings: list[str | None] = []

    def strict(request: httpx.Request) -> httpx.Response:
        codings.append(request.headers.get("content-encoding"))
        detail = {"status_code": 400, "detail": "clock_offset_s: must be a number", "field": "clock_offset_s"}
        return httpx.Response(400, json=detail)

    engine = SyncEngine(store, "http://s", "t", transport=httpx.MockTransport(strict), sleep=lambda _s: None)
    with pytest.raises(RequestRefused) as err:
        engine.sync()
    assert err.value.field == "clock_offset_s"
    assert codings == ["gzip"]  # one upload on a weak link, not two
    assert store.outbox_count() == 1
