"""Every planner screen has an address the state can go back to (the browser's back and forward buttons),
and the screens draw what the state read when something changed, never the store while drawing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import flet as ft
import pytest

from app.store import LocalStore
from app.ui.planner.device import Services
from app.ui.planner.home import HomeScreen
from app.ui.planner.records import RecordsScreen
from app.ui.planner.sync import SyncScreen
from app.ui.state import AppState, Fix, store_path


@pytest.fixture
def state(tmp_path: Path) -> Iterator[AppState]:
    s = AppState(data_dir=tmp_path / "phone-data")
    path = store_path(s.data_dir, "http://server.example", "planner1")
    path.parent.mkdir(parents=True)
    store = LocalStore(path, photo_dir=path.parent / "photos")
    s._enter(store, "http://server.example", "planner1", "token", {"username": "planner1", "districts": [7]})
    yield s
    store.close()


def _services() -> Services:
    return Services(page=None, geolocator=None, picker=None, upload_dir=None)  # type: ignore[arg-type]


def _texts(control: Any) -> list[str]:
    found: list[str] = []
    if isinstance(control, ft.Text) and control.value:
        found.append(control.value)
    for name in ("controls", "content"):
        value = getattr(control, name, None)
        for child in value if isinstance(value, list) else [value]:
            if isinstance(child, ft.Control):
                found += _texts(child)
    return found


class _StoreGone:
    """A store that can no longer be read (as if its file vanished): drawing must not need it."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the store was read while drawing ({name})")


def test_each_screen_has_an_address_that_brings_it_back(state: AppState) -> None:
    visit_id = state.check_in(Fix(29.5, 106.5), site="滨江步道")
    assert state.route() == f"/visit/{visit_id}"
    for screen in ("home", "records", "sync", "opinion", "feedback"):
        state.go(screen)
        address = state.route()
        state.go("records" if screen != "records" else "sync")
        state.follow(address)
        assert (state.screen, state.route()) == (screen, address)
    state.follow(f"/visit/{visit_id}")
    assert (state.screen, state.visit_id) == ("visit", visit_id)
    assert state.visit is not None and state.visit.id == visit_id


def test_an_unknown_address_or_a_visit_not_on_this_phone_shows_home(state: AppState) -> None:
    state.go("sync")
    state.follow("/activities/3")
    assert state.screen == "home" and state.route() == "/"
    state.go("sync")
    state.follow("/visit/00000000-0000-0000-0000-000000000000")
    assert state.screen == "home"


def test_the_address_of_a_visit_without_a_fix_asks_for_the_place_again(state: AppState) -> None:
    state.check_in(None)
    assert state.route() == "/visit"
    state.go("home")
    state.follow("/visit")
    assert state.screen == "visit" and state.visit_needs_place and state.visit is None


def test_home_records_and_sync_draw_what_was_read_without_touching_the_store(state: AppState) -> None:
    state.check_in(Fix(29.5, 106.5), site="滨江步道")
    state.check_out()
    drawn: dict[str, list[str]] = {}
    for screen, component, extra in (
        ("home", HomeScreen, ()),
        ("records", RecordsScreen, ()),
        ("sync", SyncScreen, (state.sync,)),
    ):
        state.go(screen)
        store = state.store
        state.store = _StoreGone()
        try:
            draw: Any = component.__component_impl__  # type: ignore[attr-defined]
            drawn[screen] = _texts(draw(state, _services(), *extra))
        finally:
            state.store = store
    assert "实地指导 · 滨江步道" in drawn["records"]
    assert any("待上传：1 项" in t for t in drawn["home"])
    assert "等待上传：1 项" in drawn["sync"]


def test_what_a_screen_shows_is_read_again_when_the_store_changes(state: AppState) -> None:
    state.go("records")
    assert state.records == []
    state.check_in(Fix(29.5, 106.5), site="滨江步道")  # opens the visit screen
    state.go("records")
    assert [i.title for i in state.records] == ["实地指导 · 滨江步道"]
