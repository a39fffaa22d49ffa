"""A photo on the phone: opened full size, deleted while only the phone has it (not once the server has it,
nor from a confirmed record: the planner is told why), and taken with the camera (flet-camera's methods,
played by a stand-in for the hardware this machine lacks) through the same pipeline as a picked file."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import flet_camera as fc
import pytest
from PIL import Image

from app.device import PhoneServices
from app.permissions import PermissionGate
from app.photos import prepare_photo
from app.store import LocalStore
from app.ui.planner.camera import CameraCapture, CameraError, take_photo
from app.ui.state import AppState, Fix, store_path
from shared import records as rec


def _jpeg(colour: tuple[int, int, int], size: tuple[int, int] = (640, 480)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="JPEG")
    return out.getvalue()


@pytest.fixture
def state(tmp_path: Path) -> Iterator[AppState]:
    s = AppState(data_dir=tmp_path / "phone-data")
    path = store_path(s.data_dir, "http://server.example", "planner1")
    path.parent.mkdir(parents=True)
    store = LocalStore(path, photo_dir=path.parent / "photos")
    s._enter(store, "http://server.example", "planner1", "token", {"username": "planner1", "districts": [7]})
    yield s
    store.close()


def _visit_with_photo(state: AppState, colour: tuple[int, int, int] = (200, 30, 30)) -> tuple[str, str]:
    visit_id = state.check_in(Fix(29.5, 106.5), site="滨江步道")
    assert visit_id is not None
    sha = state.add_photo(rec.VISIT, visit_id, _jpeg(colour))
    assert sha is not None
    state.refresh()
    return visit_id, sha


def test_a_photo_opens_full_size_from_its_visit_and_its_address_brings_it_back(state: AppState) -> None:
    visit_id, sha = _visit_with_photo(state)
    state.open_photo(sha)
    assert state.screen == "photo" and state.route() == f"/visit/{visit_id}/photo/{sha}"
    view = state.photo_view_shown
    assert view is not None and view.full_size and view.kept_because is None
    assert view.image == state.store.photo_path(sha).read_bytes()
    assert Image.open(io.BytesIO(view.image)).size == (640, 480)  # the stored copy, not the thumbnail
    state.close_photo()
    assert state.screen == "visit"
    state.go("home")
    state.follow(f"/visit/{visit_id}/photo/{sha}")
    assert state.screen == "photo" and state.photo_sha == sha


def test_a_photo_only_the_phone_has_is_deleted_from_its_visit_and_from_the_phone(state: AppState) -> None:
    visit_id, sha = _visit_with_photo(state)
    state.open_photo(sha)
    assert state.delete_photo()
    assert state.screen == "visit" and state.notice == "照片已删除"
    assert state.store.get(rec.VISIT, visit_id).data["photos"] == []
    assert state.store.photo_path(sha) is None and state.store.thumb_path(sha) is None
    assert state.visit is not None and state.visit.data["photos"] == []


def test_a_photo_the_server_has_stays_and_the_planner_is_told_why(state: AppState) -> None:
    visit_id, sha = _visit_with_photo(state)
    state.store.mark_photos_uploaded([sha])
    state.open_photo(sha)
    view = state.photo_view_shown
    assert view is not None and view.kept_because is not None
    assert view.kept_because.startswith("服务器已收到这张照片，不能再在手机上删除")
    assert not state.delete_photo()
    assert state.error == view.kept_because
    assert state.store.get(rec.VISIT, visit_id).data["photos"] == [sha]
    assert state.store.photo_path(sha) is not None


def test_a_photo_of_a_confirmed_visit_stays(state: AppState) -> None:
    visit_id, sha = _visit_with_photo(state)
    visit = state.store.get(rec.VISIT, visit_id)
    state.store.apply_pull(
        [
            {
                "kind": rec.VISIT,
                "id": visit_id,
                "version": 2,
                "deleted": False,
                "data": visit.data,
                "state": {"review": "confirmed"},
            }
        ],
        "c1",
    )
    state.open_photo(sha)
    assert state.photo_view_shown is not None
    assert state.photo_view_shown.kept_because == "这条记录已确认，照片不能再删除。"
    assert not state.delete_photo()


def test_a_photo_in_feedback_being_written_is_deleted_but_one_another_record_shows_stays_on_the_phone(
    state: AppState,
) -> None:
    _, shared_sha = _visit_with_photo(state, (10, 10, 200))
    state.new_feedback()
    own = state.add_photo(rec.FEEDBACK, None, _jpeg((10, 200, 10)))
    again = state.add_photo(rec.FEEDBACK, None, _jpeg((10, 10, 200)))  # the visit's picture, chosen again
    assert own is not None and again == shared_sha and state.feedback.photos == [own, shared_sha]
    state.open_photo(own)
    assert state.route() == f"/feedback/photo/{own}"
    assert state.delete_photo() and state.screen == "feedback"
    assert state.feedback.photos == [shared_sha] and state.store.photo_path(own) is None
    state.open_photo(shared_sha)
    assert state.delete_photo()
    assert state.feedback.photos == [] and state.store.photo_path(shared_sha) is not None


class StandInCamera:
    """flet-camera's `Camera` methods as the phone answers them (there is no camera on this machine)."""

    def __init__(self, picture: bytes | None = None, cameras: list[Any] | None = None) -> None:
        self.picture = picture
        self.cameras = (
            cameras
            if cameras is not None
            else [
                fc.CameraDescription("front", fc.CameraLensDirection.FRONT, 270),
                fc.CameraDescription("back", fc.CameraLensDirection.BACK, 90),
            ]
        )
        self.opened: list[tuple[Any, Any, bool]] = []

    async def get_available_cameras(self) -> list[Any]:
        return self.cameras

    async def initialize(self, description: Any, resolution_preset: Any, enable_audio: bool = True) -> None:
        self.opened.append((description, resolution_preset, enable_audio))

    async def take_picture(self) -> bytes:
        if self.picture is None:
            raise RuntimeError("CameraException(captureFailure)")
        return self.picture


async def test_the_camera_takes_a_photo_with_the_back_camera_onto_the_open_visit(state: AppState) -> None:
    visit_id = state.check_in(Fix(29.5, 106.5), site="滨江步道")
    state.open_camera()
    assert state.screen == "camera" and state.route() == f"/visit/{visit_id}/camera"
    raw = _jpeg((120, 80, 40), (4000, 3000))
    device = StandInCamera(raw)
    capture = CameraCapture(device)
    await capture.start()
    [(lens, preset, audio)] = device.opened
    assert (lens.name, preset, audio) == ("back", fc.ResolutionPreset.VERY_HIGH, False)
    sha = state.picture_taken(await capture.shoot())
    # The same pipeline as a picked file: resized to 2048 px, the digest of the stored copy.
    assert sha == prepare_photo(raw).sha256
    assert state.screen == "visit" and state.notice == "照片已保存到本机"
    assert state.store.get(rec.VISIT, visit_id).data["photos"] == [sha]


async def test_a_camera_that_fails_says_the_gallery_still_works(state: AppState) -> None:
    state.check_in(Fix(29.5, 106.5), site="滨江步道")
    state.open_camera()
    with pytest.raises(CameraError):
        await CameraCapture(StandInCamera(cameras=[])).start()
    capture = CameraCapture(StandInCamera(picture=None))
    await capture.start()
    with pytest.raises(CameraError) as failed:
        await capture.shoot()
    state.camera_failed(failed.value)
    assert state.error == "相机打不开，可以返回后从相册选择照片。" and state.screen == "camera"


class Page:
    def __init__(self) -> None:
        self.dialogs: list[Any] = []

    def show_dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog)

    def pop_dialog(self) -> None:
        self.dialogs.pop()


async def test_on_a_phone_the_camera_opens_only_after_its_permission_and_a_refusal_is_explained(
    state: AppState,
) -> None:
    state.check_in(Fix(29.5, 106.5), site="滨江步道")
    answers = iter(["denied", "granted"])

    async def ask(need: str) -> str:
        assert need == "camera"
        return next(answers)

    page = Page()
    services = PhoneServices(
        page=page,  # type: ignore[arg-type]
        geolocator=SimpleNamespace(open_app_settings=None),  # type: ignore[arg-type]
        picker=None,  # type: ignore[arg-type]
        upload_dir=None,
        camera=True,
        gate=PermissionGate(ask),
        lang=lambda: state.lang,
    )
    await take_photo(state, services)
    assert state.screen == "visit"
    [dialog] = page.dialogs
    assert dialog.title.value == "相机权限"
    await take_photo(state, services)
    assert state.screen == "camera"
