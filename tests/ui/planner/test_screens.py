"""Screens rendered without a page: what each one does once the planner has signed out."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import flet as ft
import pytest

from app.ui.planner.device import Services
from app.ui.planner.feedback import FeedbackScreen
from app.ui.planner.home import HomeScreen
from app.ui.planner.opinion import OpinionScreen
from app.ui.planner.records import RecordScreen, RecordsScreen
from app.ui.planner.sync import SyncScreen
from app.ui.planner.visit import VisitScreen
from app.ui.state import AppState, store_path

SIGNED_IN_SCREENS = (
    HomeScreen,
    VisitScreen,
    OpinionScreen,
    FeedbackScreen,
    RecordsScreen,
    RecordScreen,
    SyncScreen,
)


@pytest.fixture
def state(tmp_path: Path) -> Iterator[AppState]:
    """A signed-in phone for planner1 (entered directly: no server needed)."""
    from app.store import LocalStore

    s = AppState(data_dir=tmp_path / "phone-data")
    path = store_path(s.data_dir, "http://server.example", "planner1")
    path.parent.mkdir(parents=True)
    store = LocalStore(path, photo_dir=path.parent / "photos")
    s._enter(store, "http://server.example", "planner1", "token", {"username": "planner1", "role": "planner"})
    yield s
    store.close()


def _render(component: Any, *args: Any) -> Any:
    """Run a component's body, as Flet's update scheduler does when an observable argument changed."""
    return component.__component_impl__(*args)


def _services() -> Services:
    return Services(page=None, geolocator=None, picker=None, upload_dir=None)  # type: ignore[arg-type]


def _walk(control: Any) -> list[Any]:
    found = [control]
    for name in ("controls", "content"):
        value = getattr(control, name, None)
        for child in value if isinstance(value, list) else [value]:
            if isinstance(child, ft.Control):
                found += _walk(child)
    return found


def _texts(control: Any) -> list[str]:
    return [c.value for c in _walk(control) if isinstance(c, ft.Text) and c.value] + [
        c.content
        for c in _walk(control)
        if isinstance(c, ft.Button | ft.OutlinedButton) and isinstance(c.content, str)
    ]


def test_sign_out_on_the_sync_screen_closes_the_store_and_opens_sign_in(state: AppState) -> None:
    state.go("sync")
    rendered = _render(SyncScreen, state, _services(), state.sync)
    (button,) = [
        c for c in _walk(rendered) if isinstance(c, ft.OutlinedButton) and c.content == state.tr("signout")
    ]
    sign_out: Any = button.on_click
    sign_out(None)
    assert state.screen == "signin" and state.store is None and state.token is None


@pytest.mark.parametrize("screen", SIGNED_IN_SCREENS, ids=lambda c: c.__name__)
def test_signing_out_leaves_every_open_screen_able_to_render_without_the_store(
    state: AppState, screen: Any
) -> None:
    # Each screen re-renders by itself after sign-out, possibly before App swaps it for the sign-in screen;
    # reading the closed store there used to stop all updates, so "Sign out" seemed to do nothing.
    state.go("sync")
    state.sign_out()
    args: tuple[Any, ...] = (state, _services(), state.sync)
    if screen is not SyncScreen:
        args = (state, _services())
    rendered = _render(screen, *args)
    assert isinstance(rendered, ft.Control)
    assert _texts(rendered) == []
