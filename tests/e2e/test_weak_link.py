"""A day's work synced from the field over a weak mobile link made of real kernel parts (tests/e2e/link.py):
the phone's sync engine runs as its own process in a network namespace, the server on the veth address
on this side. Needs root (CI runs as root); every namespace, rule and qdisc is removed afterwards."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.photos import PreparedPhoto
from app.store import LocalStore
from app.sync import login
from tests.app.helpers import server_counts
from tests.conftest import DEFAULT_PASSWORD, LiveServer
from tests.e2e.days_work import FEEDBACK, OPINIONS, PHOTOS, VISITS, DaysWork, fill_phone, site_photos
from tests.e2e.link import PROFILES, WeakLink, run
from tests.e2e.phone_process import PhoneRun, run_phone

pytestmark = [pytest.mark.netem, pytest.mark.slow]

#: The longest a day's sync over the 2G-like link may take before the test gives up (it takes 8-10 min).
SYNC_LIMIT_S = 1800
OUTAGE_S = 20.0


@pytest.fixture(scope="module")
def photos() -> list[PreparedPhoto]:
    return site_photos()


@dataclass
class Site:
    link: WeakLink
    server: LiveServer
    district_id: int
    planner_id: int
    token: str


@pytest.fixture
def site_on_2g(tmp_path: Path, db_url: str) -> Iterator[Site]:
    with WeakLink(PROFILES["2g"]) as link:
        server = LiveServer(tmp_path, db_url=db_url, host=link.host_ip)
        server.upgrade()
        server.start()
        try:
            district_id = server.add_district("甲区")
            planner_id = server.add_user("planner1", "planner", ["甲区"], display_name="张规划")
            server.add_user("coord1", "coordinator")
            token = login(server.url, "planner1", DEFAULT_PASSWORD).token
            yield Site(link, server, district_id, planner_id, token)
        finally:
            server.stop()


def sync_from_the_phone(site: Site, store_path: Path, on_progress: Any = None) -> PhoneRun:
    phone = run_phone(
        site.link, store_path, site.server.url, site.token, on_progress=on_progress, limit_s=SYNC_LIMIT_S
    )
    assert phone.returncode == 0, f"phone: {phone.error}\n{phone.stderr[-3000:]}"
    return phone


class Outage:
    """Drops the link for ``OUTAGE_S`` once the sync is well into the photos, in the middle of one."""

    def __init__(self, link: WeakLink) -> None:
        self.link = link
        self.mark: int | None = None
        self.started_at_bytes: int | None = None
        self.timer: threading.Timer | None = None
        self.restored = threading.Event()

    def __call__(self, p: dict[str, Any]) -> None:
        if self.started_at_bytes is not None or p["phase"] != "photos" or p["done"] < 10:
            return
        if self.mark is None:
            self.mark = p["sent_bytes"]  # photo 11 starts here
        elif p["sent_bytes"] >= self.mark + 150_000:  # half-way through photo 11
            self.started_at_bytes = p["sent_bytes"]
            self.link.drop()
            self.timer = threading.Timer(OUTAGE_S, self._restore)
            self.timer.start()

    def _restore(self) -> None:
        self.link.restore()
        self.restored.set()

    def cancel(self) -> None:
        if self.timer is not None:
            self.timer.cancel()


def check_server_holds_the_day_once(site: Site, day: DaysWork) -> None:
    counts = server_counts(site.server.db_url)
    assert counts["visits"] == counts["visits_distinct"] == VISITS
    assert counts["opinions"] == counts["opinions_distinct"] == OPINIONS
    assert counts["feedback"] == counts["feedback_distinct"] == FEEDBACK
    assert counts["applied_ops"] == day.records
    with site.server.login("coord1") as coord:
        summary = coord.get("/api/summary/planners", params={"year": 2026}).json()
    [row] = [r for r in summary["planners"] if r["planner_id"] == site.planner_id]
    assert (row["visits_pending"], row["opinions"], row["feedback"]) == (VISITS, OPINIONS, FEEDBACK)
    with httpx.Client(base_url=site.server.url, headers={"Authorization": f"Bearer {site.token}"}) as planner:
        assert planner.post("/api/attachments/missing", json={"sha256": list(day.photos)}).json() == {
            "missing": []
        }
        for digest in day.photos:
            stored = planner.get(f"/api/attachments/{digest}")
            assert stored.status_code == 200 and hashlib.sha256(stored.content).hexdigest() == digest
    on_disk = [p for p in (site.server.data_dir / "attachments").rglob("*") if p.is_file()]
    assert sorted(p.name for p in on_disk) == sorted(day.photos)
    uploads = site.server.data_dir / "uploads"
    assert not uploads.exists() or not [p for p in uploads.rglob("*") if p.is_file()]


def test_a_days_work_syncs_once_over_a_2g_link_that_drops_for_20_s_and_the_broken_photo_resumes(
    site_on_2g: Site, photos: list[PreparedPhoto], tmp_path: Path
) -> None:
    site = site_on_2g
    store_path = tmp_path / "phone" / "store.sqlite3"
    with LocalStore(store_path) as store:
        day = fill_phone(store, site.district_id, photos)
    assert len(day.photos) == PHOTOS and 250_000 < day.photo_bytes / PHOTOS < 350_000

    outage = Outage(site.link)
    try:
        phone = sync_from_the_phone(site, store_path, outage)
    finally:
        outage.cancel()
    assert outage.started_at_bytes is not None and outage.restored.is_set()

    # One sync got through it all, and the photo the outage broke went on from the bytes the server held.
    report = phone.report
    assert report is not None and report["errors"] == []
    assert (report["pushed"], report["conflicts"], report["rejected"]) == (day.records, 0, 0)
    assert report["photos_uploaded"] == PHOTOS and report["photo_resumes"] >= 1
    assert report["photo_bytes_sent"] - day.photo_bytes < max(day.photos.values())

    # The progress bar moved: phases in order, photos one by one and bytes within each, to the totals.
    phases = [p["phase"] for p in phone.progress]
    assert phases.index("photos") > phases.index("push") and phases[-1] == "pull"
    steps = [p for p in phone.progress if p["phase"] == "photos" and p["total_bytes"]]
    assert [p["done"] for p in steps] == sorted(p["done"] for p in steps)
    assert steps[-1]["done"] == steps[-1]["total"] == PHOTOS
    assert steps[-1]["sent_bytes"] == steps[-1]["total_bytes"] == day.photo_bytes
    assert len({p["sent_bytes"] for p in steps}) > PHOTOS * 5

    # Honest statuses: saved before; while photos went, every record was on the server and each record
    # still waiting said how many of its photos were up; synced after.
    assert phone.statuses[0][1]["codes"] == {"saved": day.records}
    during = [(done, s) for done, s in phone.statuses[1:-1] if done]
    assert during, "no statuses were shown while photos were uploading"
    for done, s in during:
        assert set(s["codes"]) <= {"photos", "synced"}
        assert s["photos_done"] == done and s["waiting_photos_below_total"]
    assert phone.statuses[-1][1]["codes"] == {"synced": day.records}
    with LocalStore(store_path) as store:
        assert store.outbox_count() == 0 and store.photos_to_upload() == []

    check_server_holds_the_day_once(site, day)


def test_a_link_leaves_no_namespace_rule_or_qdisc_behind_even_when_the_test_fails() -> None:
    with pytest.raises(RuntimeError, match="the test failed here"), WeakLink(PROFILES["2g"]) as link:
        link.drop()
        names = (link.netns, link.host_if)
        raise RuntimeError("the test failed here")
    assert not any(n in run("ip", "netns", "list").stdout for n in names)
    assert link.host_if not in run("ip", "link").stdout
    assert link.host_if not in run("iptables", "-w", "-S").stdout
    assert link.host_if not in run("tc", "qdisc").stdout
    assert link.delay_line_pids and not any(Path(f"/proc/{pid}").exists() for pid in link.delay_line_pids)
