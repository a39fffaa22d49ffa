"""The sync screen says what waits on the phone and how much room it takes, and a full phone refuses a
save in plain words (the real full disk: tests/app/test_storage_faults.py)."""

from __future__ import annotations

import errno
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import flet as ft
import pytest

from app.ui.planner.device import Services
from app.ui.planner.sync import SyncScreen
from app.ui.state import AppState, Fix, store_path


@pytest.fixture
def state(tmp_path: Path) -> Iterator[AppState]:
    from app.store import LocalStore

    s = AppState(data_dir=tmp_path / "phone-data")
    path = store_path(s.data_dir, "http://server.example", "planner1")
    store = LocalStore(path, photo_dir=path.parent / "photos")
    s._enter(
        store,
        "http://server.example",
        "planner1",
        "token",
        {"username": "planner1", "districts": [{"id": 7}]},
    )
    yield s
    store.close()


def _texts(control: Any) -> list[str]:
    found = [control.value] if isinstance(control, ft.Text) and control.value else []
    for name in ("controls", "content"):
        value = getattr(control, name, None)
        for child in value if isinstance(value, list) else [value]:
            if isinstance(child, ft.Control):
                found += _texts(child)
    return found


def test_the_sync_screen_says_how_many_records_wait_on_the_phone_and_the_room_they_take(
    state: AppState,
) -> None:
    state.check_in(Fix(29.563, 106.5516, 8.0), site="滨江步道")
    state.new_opinion()
    state.opinion.subject, state.opinion.body = "控规调整", "同意"
    state.save_opinion()
    services = Services(page=None, geolocator=None, picker=None, upload_dir=None)  # type: ignore[arg-type]
    state.screen = "sync"
    state.refresh()
    rendered = SyncScreen.__component_impl__(state, services, state.sync)  # type: ignore[attr-defined]
    (line,) = [text for text in _texts(rendered) if text.startswith("本机等待上传")]
    assert line.startswith("本机等待上传：2 条记录、0 张照片，占 ") and "；本机数据共占 " in line
    assert "\n手机剩余空间：" in line
    state.toggle_lang()
    assert state.storage_text().startswith("Waiting on this phone: records 2, photos 0, taking ")


def test_a_save_refused_by_a_full_phone_says_so_and_keeps_what_was_there(
    state: AppState, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = state.check_in(Fix(29.563, 106.5516, 8.0), site="滨江步道")
    assert first is not None

    def full(*args: Any, **kwargs: Any) -> str:  # injected on purpose
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(state.store, "save", full)
    assert state.check_out(notes="现场查看") is None
    assert (
        state.field_error
        == "手机存储空间已满，这一项没有保存；之前保存的记录和照片都还在。请删掉手机上不需要的文件后再试。"
    )
    monkeypatch.undo()
    (kept,) = state.store.records("visit")
    assert kept.id == first and kept.data.get("ended_at") is None
