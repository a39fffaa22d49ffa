"""Checking in where the planner is: the district's known sites, a new place named by the planner, the
district of a planner serving two, and deleting or editing what is still the planner's to change.

A real phone store filled as a sync fills it (districts with their responsibility areas, known sites); no
page and no server.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from app.store import DELETED, TOMBSTONE, LocalStore
from app.ui.state import AppState, Fix, store_path
from shared import records as rec

T0 = datetime(2026, 5, 6, 1, 0, tzinfo=UTC)
JIEFANGBEI = (29.56300, 106.55160)  # 渝中区
GUANYINQIAO = (29.57500, 106.53300)  # 江北区
YUZHONG = {"id": 1, "name": "渝中区", "area": {"center": list(JIEFANGBEI), "radius_m": 600}}
JIANGBEI = {"id": 2, "name": "江北区", "area": {"center": list(GUANYINQIAO), "radius_m": 600}}


def _site(name: str, at: tuple[float, float], district: int) -> dict[str, Any]:
    return {
        "district_id": district,
        "kind": "site",
        "name": name,
        "state": "live",
        "lat": at[0],
        "lon": at[1],
        "last_at": "2026-04-01T09:00:00+08:00",
        "uses": 3,
        "aliases": [],
        "curated_id": None,
    }


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def state(tmp_path: Path, clock: Clock) -> Iterator[AppState]:
    """Planner1 serving 渝中区 and 江北区, after a sync that brought each district's known sites."""
    s = AppState(data_dir=tmp_path / "phone-data", clock=clock)
    path = store_path(s.data_dir, "http://server.example", "planner1")
    path.parent.mkdir(parents=True)
    store = LocalStore(path, photo_dir=path.parent / "photos")
    store.apply_sites(
        {
            "districts": [YUZHONG, JIANGBEI],
            "sites": [
                _site("解放碑步行街", JIEFANGBEI, 1),
                _site("十八梯传统风貌区", (29.55300, 106.57000), 1),
                _site("观音桥商圈", GUANYINQIAO, 2),
            ],
            "cursor": "c1",
            "has_more": False,
        }
    )
    s._enter(
        store, "http://server.example", "planner1", "token", {"username": "planner1", "districts": [1, 2]}
    )
    yield s
    store.close()


def _north(at: tuple[float, float], metres: float) -> Fix:
    return Fix(at[0] + metres / 111_200, at[1], 10.0)


def test_one_tap_at_a_known_site_checks_in_there_and_in_its_district(state: AppState) -> None:
    rid = state.start_check_in(_north(GUANYINQIAO, 40))
    assert rid is not None and state.screen == "visit"
    data = state.store.get(rec.VISIT, rid).data
    assert (data["site"], data["district_id"]) == ("观音桥商圈", 2)
    assert state.place is None


def test_far_from_any_known_site_the_planner_names_the_place_and_keeps_the_time_of_the_tap(
    state: AppState, clock: Clock
) -> None:
    fix = _north(JIEFANGBEI, -1500)  # inside no area, 1.5 km south of the nearest site
    assert state.start_check_in(fix) is None
    assert state.store.records(rec.VISIT) == []
    draft = state.place
    assert draft is not None and state.screen == "visit"
    assert draft.hint == f"{fix.lat:.5f}, {fix.lon:.5f}"
    assert state.notice == state.tr("site.none_near")
    # Nearest first: 解放碑 1.5 km, 十八梯 1.8 km, 观音桥 3 km.
    assert [s.name for s in draft.suggestions][:2] == ["解放碑步行街", "十八梯传统风貌区"]

    clock.now = T0 + timedelta(minutes=2)  # the planner takes a while to type
    state.type_place("新华路")
    assert state.place is not None and state.place.suggestions == ()
    rid = state.check_in_at("新华路旧改片区")
    assert rid is not None
    data = state.store.get(rec.VISIT, rid).data
    assert data["site"] == "新华路旧改片区"
    assert data["started_at"] == T0.isoformat()
    assert (data["lat"], data["lon"]) == (fix.lat, fix.lon)
    assert state.place is None


def test_the_coordinates_are_never_the_name_of_the_place(state: AppState) -> None:
    assert state.start_check_in(_north(JIEFANGBEI, -1500)) is None
    assert state.check_in_at("") is None
    assert state.field_error == state.tr("visit.name_needed")
    assert state.store.records(rec.VISIT) == []


def test_typing_narrows_the_known_places_and_a_tap_checks_in_at_one_in_its_district(state: AppState) -> None:
    state.start_check_in(None)
    assert state.place is not None and len(state.place.suggestions) == 3
    state.type_place("观音")
    [only] = state.place.suggestions
    assert (only.name, only.district_name) == ("观音桥商圈", "江北区")
    rid = state.check_in_at(only.name, only.district_id)
    data = state.store.get(rec.VISIT, rid).data
    assert (data["site"], data["district_id"], data["lat"]) == ("观音桥商圈", 2, None)


def test_a_planner_serving_two_districts_defaults_to_the_one_whose_area_holds_the_fix(
    state: AppState,
) -> None:
    state.start_check_in(_north(GUANYINQIAO, 200))  # in 江北区's area, 200 m from its site: too far
    assert state.place is not None and state.place.district_id == 2
    assert state.district_options == [("1", "渝中区"), ("2", "江北区")]
    state.choose_place_district(1)
    assert {s.district_id for s in state.place.suggestions} == {1}
    rid = state.check_in_at("嘉陵江边")
    assert state.store.get(rec.VISIT, rid).data["district_id"] == 1


def test_a_visit_moves_to_another_of_the_planners_districts(state: AppState) -> None:
    rid = state.start_check_in(_north(JIEFANGBEI, 10))
    assert state.store.get(rec.VISIT, rid).data["district_id"] == 1
    assert state.set_visit_district(2)
    assert state.store.get(rec.VISIT, rid).data["district_id"] == 2


def test_an_opinion_goes_to_the_district_last_recorded_for_unless_the_planner_picks_another(
    state: AppState,
) -> None:
    state.start_check_in(_north(GUANYINQIAO, 10))  # a visit in 江北区
    state.new_opinion()
    assert state.district_options == [("1", "渝中区"), ("2", "江北区")]
    state.opinion.subject, state.opinion.body = "观音桥步行街改造", "同意。"
    rid = state.save_opinion()
    assert state.store.get(rec.OPINION, rid).data["district_id"] == 2

    state.new_opinion()
    state.opinion.subject, state.opinion.body, state.opinion.district_id = "十八梯", "同意。", 1
    rid = state.save_opinion()
    assert state.store.get(rec.OPINION, rid).data["district_id"] == 1
    # Edited later, it stays in the district it was written for.
    state.fix_record(rec.OPINION, rid)
    state.opinion.body = "原则同意，补充消防通道。"
    state.save_opinion()
    assert state.store.get(rec.OPINION, rid).data["district_id"] == 1


def test_deleting_a_visit_only_on_the_phone_asks_first_and_leaves_nothing(state: AppState) -> None:
    rid = state.start_check_in(_north(JIEFANGBEI, 10))
    assert rid is not None
    state.ask_delete()
    assert state.confirm_delete
    state.cancel_delete()
    assert state.store.get(rec.VISIT, rid) is not None
    state.ask_delete()
    assert state.delete_record(rec.VISIT, rid) == DELETED
    assert state.store.get(rec.VISIT, rid) is None
    assert state.screen == "records" and state.notice == state.tr("edit.deleted")
    assert not state.confirm_delete and state.visit_id is None


def _from_server(state: AppState, rid: str, review: str) -> None:
    """The phone sends what waits (the server applies it at version 1), then pulls the review's outcome."""
    ops = state.store.take_push_batch(100)
    state.store.apply_push_results(ops, [{"op_id": o.op_id, "status": "applied", "version": 1} for o in ops])
    visit = state.store.get(rec.VISIT, rid)
    change = {"kind": rec.VISIT, "id": rid, "version": 2, "deleted": False, "data": visit.data}
    state.store.apply_pull([{**change, "state": {"review": review}}], "c2")


def test_deleting_a_visit_the_server_has_tells_the_server_at_the_next_sync(state: AppState) -> None:
    rid = state.start_check_in(_north(JIEFANGBEI, 10))
    state.check_out()
    _from_server(state, rid, "pending")
    assert state.delete_record(rec.VISIT, rid) == TOMBSTONE
    assert state.notice == state.tr("edit.tombstone")


def test_a_confirmed_visit_cannot_be_deleted_and_the_screen_says_why(state: AppState) -> None:
    rid = state.start_check_in(_north(JIEFANGBEI, 10))
    state.check_out()
    _from_server(state, rid, "confirmed")
    assert state.delete_record(rec.VISIT, rid) is None
    assert state.store.get(rec.VISIT, rid) is not None
    assert state.field_error  # in words, naming what cannot be done
    state.open_record(rec.VISIT, rid)
    assert state.screen == "visit" and state.visit is not None
