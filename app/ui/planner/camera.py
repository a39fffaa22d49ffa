"""Taking a photo with the phone's camera (flet-camera), beside choosing one from the gallery.

Phone builds offer the camera (after asking for its permission); web mode keeps the file picker only,
unless ``FIELDLOG_CAMERA=on`` (a browser test drives the real camera control with Chromium's fake camera).
The picture goes through the same pipeline as a picked file (`app.photos.prepare_photo`).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Protocol

import flet as ft

from app.ui.session import SessionBase, signed_in
from app.ui.theme import MUTED
from app.ui.widgets import banner, big_button, button, column, half_and_half, text
from shared import records as rec

if TYPE_CHECKING:
    from app.ui.planner.device import Services
    from app.ui.state import AppState

log = logging.getLogger(__name__)

#: The screens the camera opens from, by the record kind each adds its photos to.
CAMERA_PARENTS = {"visit": rec.VISIT, "feedback": rec.FEEDBACK}


class CameraDevice(Protocol):
    """What the app uses of `flet_camera.Camera` (1.0.5)."""

    async def get_available_cameras(self) -> list[Any]: ...

    async def initialize(
        self, description: Any, resolution_preset: Any, enable_audio: bool = True
    ) -> Any: ...

    async def take_picture(self) -> bytes: ...


class CameraError(RuntimeError):
    """The camera could not be opened or took no picture."""


def pick_camera(cameras: list[Any]) -> Any:
    """The camera on the back of the phone (what a site is photographed with), else the first one."""
    if not cameras:
        raise CameraError("no camera on this device")
    for c in cameras:
        direction = getattr(getattr(c, "lens_direction", None), "value", getattr(c, "lens_direction", None))
        if direction == "back":
            return c
    return cameras[0]


class CameraCapture:
    """One camera opened for one screen: start it, take pictures (bytes of an encoded image)."""

    def __init__(self, device: CameraDevice) -> None:
        self.device = device
        self.ready = False

    async def start(self) -> None:
        import flet_camera as fc

        try:
            chosen = pick_camera(list(await self.device.get_available_cameras()))
            # The pipeline keeps at most 2048 px: a "very high" preset (1080p-class) is enough and quick.
            await self.device.initialize(chosen, fc.ResolutionPreset.VERY_HIGH, enable_audio=False)
        except CameraError:
            raise
        except Exception as exc:
            raise CameraError(f"the camera did not open: {exc}") from exc
        self.ready = True

    async def shoot(self) -> bytes:
        if not self.ready:
            raise CameraError("the camera is not open")
        try:
            data = await self.device.take_picture()
        except Exception as exc:
            raise CameraError(f"no picture: {exc}") from exc
        if not data:
            raise CameraError("no picture")
        return bytes(data)


class CameraState(SessionBase):
    """Open the camera for the visit or the feedback on screen; its picture joins that record's photos."""

    def open_camera(self) -> None:
        if self.screen not in CAMERA_PARENTS:
            return
        self.camera_parent = self.screen
        self.go("camera")

    def close_camera(self) -> None:
        self.go(self.camera_parent)

    def camera_target(self) -> tuple[str, str | None]:
        if self.camera_parent == "feedback":
            return rec.FEEDBACK, self.feedback.record_id
        return rec.VISIT, self.visit_id

    def picture_taken(self, raw: bytes) -> str | None:
        """The picture goes through the photo pipeline onto its record; back to the screen it was for."""
        kind, rid = self.camera_target()
        sha = self.add_photo(kind, rid, raw)
        if sha is not None:
            self.close_camera()
            self.notice = self.tr("visit.photo_added")
        return sha

    def camera_failed(self, exc: BaseException) -> None:
        log.info("camera: %r", exc)
        self.error = self.tr("camera.failed")


async def take_photo(state: AppState, services: Services) -> None:
    """The "take photo" button: on a phone the camera permission first (a refusal is explained, and the
    gallery still works), then the camera screen."""
    if await services.camera_allowed():
        state.open_camera()


def photo_buttons(state: AppState, services: Services) -> ft.Control:
    """Take a photo (where the camera is offered) and choose one from the gallery (always)."""
    gallery = button(
        state.tr("visit.add_photo") if not services.camera else state.tr("camera.gallery"),
        icon=ft.Icons.PHOTO_LIBRARY if services.camera else ft.Icons.ADD_A_PHOTO,
        action=ft.PickFiles(services.picker, file_type=ft.FilePickerFileType.IMAGE),
    )
    if not services.camera:
        return gallery

    async def shoot(_: Any) -> None:
        await take_photo(state, services)

    return half_and_half(
        button(state.tr("camera.take"), shoot, icon=ft.Icons.PHOTO_CAMERA), gallery, spacing=8
    )


@ft.component
@signed_in
def CameraScreen(state: AppState, services: Services) -> ft.Control:
    """The camera's picture on the whole screen and one big shutter button under the thumb."""
    import flet_camera as fc

    camera = ft.use_memo(lambda: fc.Camera(expand=True, preview_enabled=True), [])
    capture = ft.use_memo(lambda: CameraCapture(camera), [])
    ready, set_ready = ft.use_state(False)
    busy, set_busy = ft.use_state(False)

    async def start() -> None:
        try:
            await capture.start()
        except CameraError as exc:
            state.camera_failed(exc)
            return
        set_ready(True)

    ft.on_mounted(start)

    async def shoot(_: Any) -> None:
        set_busy(True)
        try:
            raw = await capture.shoot()
        except CameraError as exc:
            state.camera_failed(exc)
            set_busy(False)
            return
        state.picture_taken(raw)
        set_busy(False)

    return column(
        ft.Container(
            camera, height=460, border_radius=12, clip_behavior=ft.ClipBehavior.HARD_EDGE, bgcolor="#111"
        ),
        text(state.tr("camera.starting"), 16, color=MUTED) if not ready and not state.error else None,
        banner(state.error, error=True),
        banner(state.field_error, error=True),
        big_button(state.tr("camera.shutter"), shoot, icon=ft.Icons.CAMERA, key="shutter")
        if ready and not busy
        else ft.ProgressBar()
        if busy
        else None,
    )
