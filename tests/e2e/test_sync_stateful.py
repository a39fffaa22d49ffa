"""A Hypothesis state machine of the sync engine against a real server process.

Rules: create and edit visits, sync cleanly, sync with the network down or with one fault injected
(a lost answer, a 503, a dropped connection), and district staff confirming synced visits. After every
clean sync: the server holds exactly this planner's records with the phone's latest data, each once,
at the version the phone knows, and the outbox is empty. Edits of confirmed visits come back as
conflicts, which the "person" in the clean-sync step resolves by taking the server's copy.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, rule, run_state_machine_as_test

from app.store import LocalStore
from app.sync import SyncEngine, SyncError, login
from tests.app.helpers import CONFIRM_FLAGGED, FaultyTransport, visit
from tests.conftest import DEFAULT_PASSWORD, LiveServer

SITES = st.text(alphabet="甲乙丙丁东西南北ABC 123", min_size=1, max_size=12).filter(lambda s: s.strip() != "")


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
        self.phone = LocalStore(self.workdir / f"phone-{n}" / "store.sqlite3")
        self.transport = FaultyTransport()
        self.expected: dict[str, dict[str, Any]] = {}  # the phone's latest data per record
        self.confirmed: set[str] = set()

    def teardown(self) -> None:
        self.phone.close()
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

    @rule(target=records, day=st.integers(1, 28), hours=st.sampled_from([0.5, 1.0, 2.25]), site=SITES)
    def create(self, day: int, hours: float, site: str) -> str:
        data = visit(self.district_id, day=day, hours=hours, site=site)
        rid = self.phone.save("visit", data)
        self.expected[rid] = self.phone.get("visit", rid).data  # type: ignore[union-attr]
        return rid

    @rule(rid=records, site=SITES)
    def edit(self, rid: str, site: str) -> None:
        rec = self.phone.get("visit", rid)
        assert rec is not None
        self.phone.save("visit", {**rec.data, "site": site}, rid)
        self.expected[rid] = self.phone.get("visit", rid).data  # type: ignore[union-attr]

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

    @rule(rid=records)
    def staff_confirms(self, rid: str) -> None:
        rec = self.phone.get("visit", rid)
        if rec is None or rec.server_version == 0 or rid in self.confirmed:
            return
        resp = self.staff.post(f"/api/visits/{rid}/confirm", json=CONFIRM_FLAGGED)
        assert resp.status_code == 200, resp.text
        self.confirmed.add(rid)

    @rule()
    def clean_sync(self) -> None:
        self.engine().sync()
        for conflict in self.phone.conflicts():
            # Only a confirmed visit can conflict here (one phone): the server's copy is kept.
            assert conflict.record_id in self.confirmed
            assert conflict.theirs is not None
            self.phone.resolve_conflict(conflict.record_id, keep_mine=False)
            self.expected[conflict.record_id] = conflict.theirs
        self.engine().sync()
        self.check_server_matches_phone()

    def check_server_matches_phone(self) -> None:
        assert self.phone.outbox_count() == 0
        db = self.server.data_dir / "fieldlog.sqlite3"
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as c:
            rows = c.execute(
                "SELECT id, data, version, review FROM visits WHERE planner_id = ?", (self.planner_id,)
            ).fetchall()
        server = {rid: (json.loads(data), version, review) for rid, data, version, review in rows}
        assert len(rows) == len(server)
        assert set(server) == set(self.expected)
        for rid, (data, version, review) in server.items():
            rec = self.phone.get("visit", rid)
            assert rec is not None and not rec.dirty
            assert data == self.expected[rid] == rec.data
            assert version == rec.server_version  # an op applied twice would have moved it on
            assert rec.review == review
            assert (review == "confirmed") == (rid in self.confirmed)


def test_sync_engine_state_machine_against_a_real_server(live_server: LiveServer) -> None:
    SyncMachine.server = live_server
    SyncMachine.district_id = live_server.add_district("甲区")
    live_server.add_user("staff1", "district", ["甲区"])
    with tempfile.TemporaryDirectory() as work, live_server.login("staff1") as staff:
        SyncMachine.workdir = Path(work)
        SyncMachine.staff = staff
        run_state_machine_as_test(
            SyncMachine,
            settings=settings(
                max_examples=6,
                stateful_step_count=12,
                deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
            ),
        )
