"""A Hypothesis state machine of the sync engine against a real server process (SQLite, and PostgreSQL when
configured).

Rules: create, edit and delete visits and resident feedback on the phone, sync cleanly, sync with the
network down or with one fault injected (a lost answer, a 503, a dropped connection), and district staff
confirming synced visits. After every clean sync the server holds exactly the phone's final state: this
planner's live records with the phone's latest data, each once, at the version the phone knows; a
tombstone for each record deleted after a request carried it; nothing at all of a record deleted before
any request did; and the outbox is empty. Edits and deletes of confirmed visits come back as conflicts,
which the "person" in the clean-sync step resolves by taking the server's copy.
"""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, rule, run_state_machine_as_test

from app.store import DELETED, TOMBSTONE, LocalStore
from app.sync import SyncEngine, SyncError, login
from tests.app.helpers import CONFIRM_FLAGGED, FaultyTransport, feedback, server_counts, visit
from tests.conftest import DEFAULT_PASSWORD, LiveServer

SITES = st.text(alphabet="甲乙丙丁东西南北ABC 123", min_size=1, max_size=12).filter(lambda s: s.strip() != "")
#: The field an edit changes, per kind.
NAMED_BY = {"visit": "site", "feedback": "place"}


class SyncMachine(RuleBasedStateMachine):
    server: LiveServer
    district_id: int
    staff: httpx.Client
    workdir: Path
    counter = itertools.count()

    records = Bundle("records")

    def __init__(self) -> None:
        super().__init__()
        n = next(self.counter)
        username = f"sm-planner-{n}"
        self.planner_id = self.server.add_user(username, "planner", ["甲区"])
        self.token = login(self.server.url, username, DEFAULT_PASSWORD).token
        self.client = self.server.login(username)
        self.phone = LocalStore(self.workdir / f"phone-{n}" / "store.sqlite3")
        self.transport = FaultyTransport()
        self.expected: dict[str, dict[str, Any]] = {}  # the phone's latest data per live record
        self.tombstoned: set[str] = set()  # deleted on the phone after a request carried the record
        self.never_sent: set[str] = set()  # deleted on the phone before any request carried it
        self.confirmed: set[str] = set()

    def teardown(self) -> None:
        self.phone.close()
        self.client.close()
        self.transport.close()

    def engine(self) -> SyncEngine:
        return SyncEngine(
            self.phone,
            self.server.url,
            self.token,
            transport=self.transport,
            max_attempts=3,
            batch_size=3,
            sleep=lambda _s: None,
        )

    @rule(
        target=records,
        kind=st.sampled_from(["visit", "visit", "feedback"]),
        day=st.integers(1, 28),
        hours=st.sampled_from([0.5, 1.0, 2.25]),
        site=SITES,
    )
    def create(self, kind: str, day: int, hours: float, site: str) -> tuple[str, str]:
        if kind == "visit":
            data = visit(self.district_id, day=day, hours=hours, site=site)
        else:
            data = feedback(self.district_id, place=site, collected_at=f"2026-04-{day:02d}T15:00:00+08:00")
        rid = self.phone.save(kind, data)
        self.expected[rid] = self.phone.get(kind, rid).data  # type: ignore[union-attr]
        return kind, rid

    @rule(record=records, site=SITES)
    def edit(self, record: tuple[str, str], site: str) -> None:
        kind, rid = record
        rec = self.phone.get(kind, rid)
        if rec is None:
            return  # deleted
        self.phone.save(kind, {**rec.data, NAMED_BY[kind]: site}, rid)
        self.expected[rid] = self.phone.get(kind, rid).data  # type: ignore[union-attr]

    @rule(record=records)
    def delete(self, record: tuple[str, str]) -> None:
        kind, rid = record
        if self.phone.get(kind, rid) is None:
            return
        outcome = self.phone.delete(kind, rid)
        assert outcome in (DELETED, TOMBSTONE)
        (self.never_sent if outcome == DELETED else self.tombstoned).add(rid)
        del self.expected[rid]

    @rule()
    def sync_with_network_down(self) -> None:
        before = self.phone.outbox_count()
        self.transport.down = True
        try:
            if before:
                with pytest.raises(SyncError):
                    self.engine().sync()
        finally:
            self.transport.down = False
        assert self.phone.outbox_count() == before  # nothing lost, nothing marked done

    @rule(fault=st.sampled_from(["lose_answer", "503", "drop"]))
    def sync_with_one_fault(self, fault: str) -> None:
        self.transport.plan = [fault]
        self.engine().sync()  # retried, so it succeeds
        self.transport.plan = []

    @rule(record=records)
    def staff_confirms(self, record: tuple[str, str]) -> None:
        kind, rid = record
        rec = self.phone.get(kind, rid)
        if kind != "visit" or rec is None or rec.server_version == 0 or rid in self.confirmed:
            return
        resp = self.staff.post(f"/api/visits/{rid}/confirm", json=CONFIRM_FLAGGED)
        assert resp.status_code == 200, resp.text
        self.confirmed.add(rid)

    @rule()
    def clean_sync(self) -> None:
        self.engine().sync()
        for conflict in self.phone.conflicts():
            # Only a confirmed visit can conflict here (one phone): the server's copy is kept, and a
            # refused delete brings the visit back.
            assert conflict.record_id in self.confirmed
            assert conflict.theirs is not None
            self.phone.resolve_conflict(conflict.record_id, keep_mine=False)
            self.expected[conflict.record_id] = conflict.theirs
            self.tombstoned.discard(conflict.record_id)
        self.engine().sync()
        self.check_server_matches_phone()

    def server_records(self) -> dict[str, dict[str, Any]]:
        """Every record of this planner on the server, as a fresh phone would pull it."""
        out: dict[str, dict[str, Any]] = {}
        cursor = ""
        while True:
            body = self.client.get("/api/sync/pull", params={"cursor": cursor, "limit": 1000}).json()
            out.update({c["id"]: c for c in body["changes"] if c["kind"] in NAMED_BY})
            cursor = body["cursor"]
            if not body["has_more"]:
                return out

    def check_server_matches_phone(self) -> None:
        assert self.phone.outbox_count() == 0 and self.phone.deletes_waiting() == 0
        server = self.server_records()
        live = {rid: c for rid, c in server.items() if not c["deleted"]}
        assert set(live) == set(self.expected)
        assert {rid for rid, c in server.items() if c["deleted"]} == self.tombstoned
        assert not set(server) & self.never_sent
        for rid, change in live.items():
            rec = self.phone.get(change["kind"], rid)
            assert rec is not None and not rec.dirty
            assert change["data"] == self.expected[rid] == rec.data
            assert change["version"] == rec.server_version  # an op applied twice would have moved it on
            if change["kind"] == "visit":
                assert rec.review == change["state"]["review"]
                assert (rec.review == "confirmed") == (rid in self.confirmed)
        for rid in self.tombstoned | self.never_sent:
            assert self.phone.get("visit", rid) is None and self.phone.get("feedback", rid) is None
        counts = server_counts(self.server.db_url, self.planner_id)
        for table in ("visits", "feedback"):
            assert counts[table] == counts[f"{table}_distinct"]


def test_sync_engine_state_machine_against_a_real_server(live_server_any: LiveServer) -> None:
    SyncMachine.server = live_server_any
    SyncMachine.district_id = live_server_any.add_district("甲区")
    live_server_any.add_user("staff1", "district", ["甲区"])
    with tempfile.TemporaryDirectory() as work, live_server_any.login("staff1") as staff:
        SyncMachine.workdir = Path(work)
        SyncMachine.staff = staff
        run_state_machine_as_test(
            SyncMachine,
            settings=settings(
                max_examples=8,
                stateful_step_count=14,
                deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
            ),
        )
