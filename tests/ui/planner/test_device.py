"""Photos picked on the web are uploaded to the web server (which plays the phone) and attached to the record
they were picked for; each session keeps its own uploads, so two phones never get each other's photos.

The browser's side is played here: it receives the upload address and writes the file there, as
`FilePicker.upload` makes it do; the events carry what Flet's carry (file name, progress, error).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlparse

import pytest
from PIL import Image

from app.store import LocalStore
from app.ui.planner.device import Services
from app.ui.state import AppState, Fix, store_path
from shared import records as rec


class Browser:
    """One browser tab: where the web server asked it to upload each picked file."""

    def __init__(self, upload_dir: Path) -> None:
        self.upload_dir = upload_dir
        self.asked: list[Any] = []

    def get_upload_url(self, name: str, expires: int) -> str:
        return f"http://127.0.0.1/upload/{name}?expires={expires}"

    async def upload(self, files: list[Any]) -> None:
        self.asked.extend(files)

    def send(self, picked_name: str, data: bytes) -> SimpleNamespace:
        """Write the file where the web server said (the upload finished) and return the event for it."""
        [url] = [f.upload_url for f in self.asked if f.id == picked_name]
        target = self.upload_dir / urlparse(url).path.removeprefix("/upload/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        return SimpleNamespace(file_name=picked_name, progress=1.0, error=None)


def _photo(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, format="JPEG")
    return out.getvalue()


def _phone(tmp_path: Path, username: str) -> AppState:
    s = AppState(data_dir=tmp_path / "phone-data")
    path = store_path(s.data_dir, "http://server.example", username)
    path.parent.mkdir(parents=True)
    s._enter(
        LocalStore(path, photo_dir=path.parent / "photos"),
        "http://server.example",
        username,
        "token",
        {"username": username, "districts": [7]},
    )
    return s


@pytest.fixture
def phones(tmp_path: Path) -> Iterator[tuple[AppState, AppState]]:
    a, b = _phone(tmp_path, "planner1"), _phone(tmp_path, "planner2")
    yield a, b
    a.store.close()
    b.store.close()


async def test_two_phones_uploading_photos_with_the_same_name_each_attach_their_own(
    phones: tuple[AppState, AppState], tmp_path: Path
) -> None:
    uploads = tmp_path / "uploads"
    sessions = []
    for state, colour in zip(phones, ((200, 30, 30), (30, 30, 200)), strict=True):
        browser = Browser(uploads)
        services = Services(page=browser, geolocator=None, picker=browser, upload_dir=uploads)  # type: ignore[arg-type]
        visit_id = state.check_in(Fix(29.5, 106.5), site="滨江步道")
        picked = SimpleNamespace(
            files=[SimpleNamespace(name="IMG_0001.jpg", id="IMG_0001.jpg", path=None, bytes=None)]
        )
        await services.picked(state, picked)
        assert state.photo_busy
        sessions.append((state, services, browser, visit_id, _photo(colour)))
    # Both uploads finish, the second phone's first.
    for state, services, browser, _, data in reversed(sessions):
        services.uploaded(state, browser.send("IMG_0001.jpg", data))
    for state, services, _, visit_id, data in sessions:
        [sha] = state.store.get(rec.VISIT, visit_id).data["photos"]
        stored = Image.open(state.store.photo_path(sha)).convert("RGB")
        expected = Image.open(io.BytesIO(data)).convert("RGB")
        assert stored.getpixel((10, 10)) == pytest.approx(expected.getpixel((10, 10)), abs=8)
        assert not state.photo_busy and services.uploads == {}
    # The originals are gone from the web server: only the prepared copies stay, in each phone's store.
    assert [p for p in uploads.rglob("*") if p.is_file()] == []


async def test_a_failed_upload_says_so_and_leaves_nothing_waiting(
    phones: tuple[AppState, AppState], tmp_path: Path
) -> None:
    state, _ = phones
    browser = Browser(tmp_path / "uploads")
    services = Services(page=browser, geolocator=None, picker=browser, upload_dir=tmp_path / "uploads")  # type: ignore[arg-type]
    state.new_feedback()
    picked = SimpleNamespace(files=[SimpleNamespace(name="a.jpg", id="a.jpg", path=None, bytes=None)])
    await services.picked(state, picked)
    services.uploaded(state, SimpleNamespace(file_name="a.jpg", progress=None, error="connection lost"))
    assert state.field_error == "无法读取这张照片"
    assert not state.photo_busy and services.uploads == {}
    assert state.feedback.photos == []
