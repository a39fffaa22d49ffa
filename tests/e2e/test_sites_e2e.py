"""Known sites on the phone, end to end: fetched after the pull from a real server, used offline, changed by
district staff, and kept exact when a site vanishes without a change of its own."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

import httpx

from app.sites import SitePicker
from app.store import LocalStore
from app.sync import SyncEngine, login
from tests.app.helpers import FaultyTransport, visit
from tests.conftest import DEFAULT_PASSWORD
from tests.e2e.conftest import Deployment

HERE = (29.56300, 106.55160)


@dataclass(frozen=True)
class Fix:
    lat: float
    lon: float
    accuracy_m: float | None = 8.0


def live_names(phone: LocalStore, kind: str = "site") -> list[str]:
    return sorted(s.name for s in phone.find_sites(kind) if s.state == "live")


def colleague(d: Deployment, username: str = "planner2") -> tuple[LocalStore, SyncEngine]:
    """A second planner of the district, with a phone of their own."""
    d.server.add_user(username, "planner", ["甲区"])
    token = login(d.server.url, username, DEFAULT_PASSWORD).token
    phone = d.phone(username)
    return phone, SyncEngine(phone, d.server.url, token, transport=FaultyTransport(), sleep=lambda _s: None)


def test_a_phone_learns_the_sites_colleagues_visited_and_picks_the_nearest_offline(
    deployment_any: Deployment,
) -> None:
    d = deployment_any
    other_phone, other = colleague(d)
    other_phone.save("visit", visit(d.district_id, site="解放碑", lat=HERE[0], lon=HERE[1]))
    other_phone.save("visit", visit(d.district_id, site="较场口", lat=HERE[0] + 0.004, lon=HERE[1]))
    other_phone.save(
        "opinion",
        {
            "district_id": d.district_id,
            "subject": "东湖片区控规",
            "opinion_kind": "plan_review",
            "body": "同意",
            "issued_at": "2026-03-02T10:00:00+08:00",
        },
    )
    other.sync()

    phone = d.phone()
    transport = FaultyTransport()
    report = d.engine(phone, transport).sync()
    assert report.sites == 3 and report.errors == []
    assert [(x.id, x.name) for x in phone.districts()] == [(d.district_id, "甲区")]
    assert live_names(phone) == ["解放碑", "较场口"] and live_names(phone, "project") == ["东湖片区控规"]

    transport.down = True  # at the site, no signal
    default = SitePicker(phone).check_in_default(Fix(HERE[0] + 0.0003, HERE[1]))
    assert (default.site, default.district_id) == ("解放碑", d.district_id)
    assert [s.name for s in default.suggestions] == ["解放碑", "较场口"]
    assert SitePicker(phone).check_in_default(Fix(HERE[0] + 0.002, HERE[1])).site == ""

    again = d.engine(phone).sync()  # nothing changed: nothing fetched again
    assert again.sites == 0 and live_names(phone) == ["解放碑", "较场口"]


def test_what_district_staff_rename_and_retire_changes_on_the_phone_at_the_next_sync(
    deployment_any: Deployment,
) -> None:
    d = deployment_any
    phone = d.phone()
    phone.save("visit", visit(d.district_id, site="解放碑社区", lat=HERE[0], lon=HERE[1]))
    phone.save("visit", visit(d.district_id, site="拆除工地", day=2))
    d.engine(phone).sync()
    assert live_names(phone) == ["拆除工地", "解放碑社区"]
    with d.staff() as staff:
        resp = staff.post(
            "/api/sites/rename",
            json={"district_id": d.district_id, "name": "解放碑社区", "new_name": "解放碑"},
        )
        assert resp.status_code == 200, resp.text
        resp = staff.post("/api/sites/retire", json={"district_id": d.district_id, "name": "拆除工地"})
        assert resp.status_code == 200, resp.text
        resp = staff.post(
            "/api/sites", json={"district_id": d.district_id, "name": "新建学校", "lat": 29.57, "lon": 106.56}
        )
        assert resp.status_code == 201, resp.text
    d.engine(phone).sync()
    assert live_names(phone) == ["新建学校", "解放碑"]
    picker = SitePicker(phone)
    # The planner's own visits under the old names: offered under the new name, the retired one not at all.
    assert [s.name for s in picker.suggestions("", Fix(*HERE))] == ["解放碑", "新建学校"]
    assert [s.name for s in picker.suggestions("社区")] == ["解放碑"]


def test_a_site_that_vanished_without_a_change_of_its_own_is_forgotten_in_the_same_sync(
    deployment_any: Deployment,
) -> None:
    d = deployment_any
    phone = d.phone()
    rid = phone.save("visit", visit(d.district_id, site="错别字工地"))
    d.engine(phone).sync()
    assert live_names(phone) == ["错别字工地"]
    phone.save("visit", visit(d.district_id, site="正确工地"), rid)
    transport = FaultyTransport()
    d.engine(phone, transport).sync()
    assert live_names(phone) == ["正确工地"]
    # The counts showed the phone one site too many: a whole round from an empty cursor followed.
    sites_requests = [path for _, path in transport.requests if path == "/api/sites"]
    assert len(sites_requests) == 2


def test_a_district_newly_served_brings_its_older_sites(deployment: Deployment) -> None:
    d = deployment
    other_district = d.server.add_district("乙区")
    d.server.add_user("planner-b", "planner", ["乙区"])
    token = login(d.server.url, "planner-b", DEFAULT_PASSWORD).token
    b_phone = d.phone("b")
    b_phone.save("visit", visit(other_district, site="乙区老工地"))
    SyncEngine(b_phone, d.server.url, token, sleep=lambda _s: None).sync()

    phone = d.phone()
    phone.save("visit", visit(d.district_id, site="甲区工地"))
    d.engine(phone).sync()
    assert live_names(phone) == ["甲区工地"]
    # The bureau links planner1 to 乙区 as well (a dispatch); no site changed since the phone's cursor.
    with sqlite3.connect(d.server.data_dir / "fieldlog.sqlite3") as c:
        c.execute(
            "INSERT INTO user_districts (user_id, district_id) VALUES (?, ?)", (d.planner_id, other_district)
        )
    d.engine(phone).sync()
    assert live_names(phone) == ["乙区老工地", "甲区工地"]
    assert [x.name for x in phone.districts()] == ["甲区", "乙区"]


class NoSitesServer(FaultyTransport):
    """A server from before sites: the path is unknown there."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/sites":
            return httpx.Response(
                404, json={"status_code": 404, "detail": "path: Not Found", "field": "path"}
            )
        return super().handle_request(request)


def test_a_server_without_sites_or_one_failing_to_list_them_never_fails_the_records_sync(
    deployment_any: Deployment,
) -> None:
    d = deployment_any
    phone = d.phone()
    phone.save("visit", visit(d.district_id, site="甲"))
    report = d.engine(phone, NoSitesServer()).sync()
    assert report.pushed == 1 and report.errors == [] and phone.find_sites("site") == []

    phone.save("visit", visit(d.district_id, site="乙", day=2))
    busy = FaultyTransport()
    # The push, the pull, then three failed tries at the sites.
    busy.plan = [None, None, "503", "503", "503"]
    report = d.engine(phone, busy, max_attempts=3).sync()
    assert report.pushed == 1 and phone.outbox_count() == 0
    assert len(report.errors) == 1 and report.errors[0].startswith("sites: ")
    assert phone.last_sync_at() is not None
    d.engine(phone).sync()
    assert live_names(phone) == ["乙", "甲"]
