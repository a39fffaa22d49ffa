"""The phone's devices for one session: a GPS fix, and photos picked (read at once, or uploaded on the web).

In web mode the browser uploads a picked file to the web server, which plays the phone; each session keeps
its own uploads in flight, so two people adding photos at the same time never get each other's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import flet as ft
import flet_geolocator as ftg

from app.ui.planner.visit import Fix

if TYPE_CHECKING:
    from app.ui.state import AppState

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PendingUpload:
    """A picked photo on its way to the web server, and the record it belongs to."""

    name: str
    kind: str
    record_id: str | None


@dataclass
class Services:
    """One session's device services, and the photo uploads it started."""

    page: ft.Page
    geolocator: ftg.Geolocator
    picker: ft.FilePicker
    upload_dir: Path | None
    upload_prefix: str = field(default_factory=lambda: secrets.token_hex(8))
    fix_timeout_s: float = float(os.environ.get("FIELDLOG_GPS_TIMEOUT", "8"))
    #: Uploads in flight, by the picked file's name (what the upload event names).
    uploads: dict[str, PendingUpload] = field(default_factory=dict)
    #: The camera is offered beside the gallery (phone builds; web mode only when FIELDLOG_CAMERA=on).
    camera: bool = False

    async def camera_allowed(self) -> bool:
        """In a browser the browser itself asks for the camera when the camera starts."""
        return True

    async def get_fix(self) -> Fix | None:
        """One GPS fix, or None when the phone gives none in time (then the planner names the place)."""
        try:
            pos = await asyncio.wait_for(
                self.geolocator.get_current_position(
                    ftg.GeolocatorConfiguration(accuracy=ftg.GeolocatorPositionAccuracy.HIGH)
                ),
                timeout=self.fix_timeout_s,
            )
        except Exception as exc:  # no permission, no signal, timeout: all mean "no fix"
            log.info("no GPS fix: %r", exc)
            return None
        if pos is None or pos.latitude is None or pos.longitude is None:
            return None
        return Fix(float(pos.latitude), float(pos.longitude), float(pos.accuracy) if pos.accuracy else None)

    async def picked(self, state: AppState, e: Any) -> None:
        """Photos were chosen: read them (path on phones, bytes if given) or upload them (the web)."""
        files = list(e.files or [])
        if not files:
            return
        kind, record_id = state.photo_target()
        uploads = []
        for f in files:
            if f.path:
                state.add_photo(kind, record_id, await asyncio.to_thread(Path(f.path).read_bytes))
            elif f.bytes:
                state.add_photo(kind, record_id, f.bytes)
            else:
                name = f"{self.upload_prefix}/{secrets.token_hex(6)}-{os.path.basename(f.name)}"
                uploads.append(
                    ft.FilePickerUploadFile(upload_url=self.page.get_upload_url(name, 600), id=f.id)
                )
                self.uploads[f.name] = PendingUpload(name, kind, record_id)
        if uploads:
            state.photo_busy = True
            await self.picker.upload(uploads)

    def uploaded(self, state: AppState, e: Any) -> None:
        """An upload to the web server finished: the file there is the original; attach it and delete it."""
        if e.error:
            self.uploads.pop(e.file_name, None)
            state.photo_busy = False
            state.field_error = state.tr("error.photo")
            return
        if e.progress is None or e.progress < 1.0:
            return
        entry = self.uploads.pop(e.file_name, None)
        if entry is None or self.upload_dir is None:
            return
        path = self.upload_dir / entry.name
        try:
            state.add_photo(entry.kind, entry.record_id, path.read_bytes())
        finally:
            # The original is never kept: only the prepared, EXIF-free copy stays in the store.
            with contextlib.suppress(OSError):
                path.unlink()
            state.photo_busy = False
