"""The phone's copy of its districts and their known sites: pages applied with their cursor, Chinese
substring search, the round that forgets what the server no longer lists, and counts that reveal a gap."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.store import LocalStore
from tests.app.helpers import visit


@pytest.fixture
def store(tmp_path: Path) -> Iterator[LocalStore]:
    s = LocalStore(tmp_path / "phone.sqlite3")
    yield s
    s.close()


def site(name: str, state: str = "live", district: int = 1, **over: Any) -> dict[str, Any]:
    return {
        "district_id": district,
        "kind": "site",
        "name": name,
        "state": state,
        "lat": 29.56,
        "lon": 106.55,
        "last_at": "2026-03-01T09:00:00+08:00",
        "uses": 2,
        "aliases": [],
        "curated_id": None,
        **over,
    }


def page(*sites: dict[str, Any], cursor: str = "c", more: bool = False, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "districts": [{"id": 1, "name": "渝中区", "area": None}],
        "sites": list(sites),
        "cursor": cursor,
        "has_more": more,
    }
    body.update(extra)
    return body


def names(store: LocalStore, query: str = "") -> list[str]:
    return sorted(s.name for s in store.find_sites("site", query) if s.state == "live")


def test_a_page_stores_live_and_retired_sites_forgets_gone_ones_and_keeps_its_cursor(
    store: LocalStore,
) -> None:
    store.apply_sites(page(site("解放碑"), site("朝天门"), site("废弃工地", "retired"), cursor="c1"))
    assert names(store) == ["朝天门", "解放碑"]
    assert [s.name for s in store.find_sites("site") if s.state == "retired"] == ["废弃工地"]
    assert store.sites_cursor() == "c1"
    [jfb] = store.find_sites("site", "解放碑")
    assert (jfb.lat, jfb.lon, jfb.uses, jfb.district_id) == (29.56, 106.55, 2, 1)
    assert jfb.last_at is not None and jfb.last_at.isoformat() == "2026-03-01T01:00:00+00:00"

    result = store.apply_sites(page(site("朝天门", "gone"), cursor="c2"))
    assert (result.changed, result.has_more) == (1, False)
    assert names(store) == ["解放碑"] and store.sites_cursor() == "c2"


def test_search_finds_any_part_of_a_chinese_name_or_of_an_earlier_name(store: LocalStore) -> None:
    store.apply_sites(
        page(site("解放碑步行街"), site("朝天门广场", aliases=["朝天门码头"]), site("Hongyadong"))
    )
    assert names(store, "步行") == ["解放碑步行街"]
    assert names(store, "码头") == ["朝天门广场"]
    assert names(store, "hongya") == ["Hongyadong"]
    assert names(store, " 广场 ") == ["朝天门广场"]
    assert names(store, "%") == [] and names(store, "_") == []  # no wildcard: the text itself
    assert len(names(store)) == 3


def test_the_districts_of_each_answer_replace_the_phones_list(store: LocalStore) -> None:
    area = {"center": [29.56, 106.55], "radius_m": 800.0}
    store.apply_sites(
        page(districts=[{"id": 2, "name": "江北区", "area": area}, {"id": 1, "name": "渝中区"}])
    )
    assert [(d.id, d.name, d.area) for d in store.districts()] == [(2, "江北区", area), (1, "渝中区", None)]
    store.apply_sites(page())
    assert [(d.id, d.name) for d in store.districts()] == [(1, "渝中区")]


def test_counts_that_differ_from_what_the_phone_holds_say_it_is_behind(store: LocalStore) -> None:
    assert not store.apply_sites(page(site("甲"), site("乙"), counts={"1": 2})).behind
    assert store.apply_sites(page(counts={"1": 1})).behind  # one of them vanished without a change
    assert store.apply_sites(page(counts={"1": 2, "3": 5})).behind  # a district newly served
    # A district the phone holds sites of but the server no longer counts.
    assert store.apply_sites(page(site("丙", district=4), counts={"1": 2})).behind
    # No counts on a page that is not the last.
    assert not store.apply_sites(page(site("丁"), more=True, counts={"1": 0})).behind


def test_a_whole_round_forgets_the_sites_it_did_not_bring_even_when_the_phone_restarts_midway(
    tmp_path: Path,
) -> None:
    path = tmp_path / "phone.sqlite3"
    with LocalStore(path) as store:
        store.apply_sites(page(site("改名前"), site("留下"), site("也留下"), counts={"1": 3}))
        assert store.apply_sites(page(counts={"1": 2})).behind
        store.start_sites_round()
        assert store.sites_cursor() is None
        store.apply_sites(page(site("留下"), cursor="p1", more=True))
    with LocalStore(path) as store:  # killed between two pages of the round
        assert store.sites_cursor() == "p1"
        assert names(store) == ["也留下", "改名前", "留下"]  # nothing forgotten before the round ends
        done = store.apply_sites(page(site("也留下"), cursor="p2", counts={"1": 2}))
        assert not done.behind
        assert names(store) == ["也留下", "留下"]
        # The next round forgets only what that round does not bring.
        store.start_sites_round()
        store.apply_sites(page(site("留下"), site("也留下"), counts={"1": 2}))
        assert names(store) == ["也留下", "留下"]


def test_entries_the_phone_cannot_read_are_skipped_and_the_rest_kept(store: LocalStore) -> None:
    odd = [{"name": 5}, "not an object", site("乙", uses="many", lat="north"), site("丙", state="unknown")]
    store.apply_sites(page(site("甲"), *odd))
    assert names(store) == ["乙", "甲"]
    [yi] = store.find_sites("site", "乙")
    assert (yi.uses, yi.lat) == (0, None)


def test_sites_of_the_planners_own_records_are_listed_newest_first(store: LocalStore) -> None:
    store.save("visit", visit(site="老城片区", day=1, lat=29.5, lon=106.5))
    store.save("visit", visit(site="新区", day=3))
    store.save(
        "opinion",
        {
            "district_id": 1,
            "subject": "东湖片区控规",
            "opinion_kind": "plan_review",
            "body": "同意",
            "issued_at": "2026-03-02T10:00:00+08:00",
        },
    )
    places = store.record_places("site")
    assert [(p.name, p.lat) for p in places] == [("新区", None), ("老城片区", 29.5)]
    assert [p.name for p in store.record_places("project", "东湖")] == ["东湖片区控规"]
    assert store.last_used_district() == 1


def test_an_older_phone_database_gains_the_sites_tables_and_keeps_its_records(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with LocalStore(path) as store:
        rid = store.save("visit", visit())
    with sqlite3.connect(path) as c:  # as a phone of the previous version left it
        c.executescript(
            "DROP TABLE sites; DROP TABLE districts; ALTER TABLE records DROP COLUMN removed;"
            " UPDATE schema_version SET version = 2;"
        )
    with LocalStore(path) as store:
        assert store.get("visit", rid) is not None
        store.apply_sites(page(site("甲")))
        assert names(store) == ["甲"]
