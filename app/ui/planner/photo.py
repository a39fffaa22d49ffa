"""One photo full size, opened from the visit, the feedback being written or a feedback's page; deleting
it while only the phone has it.

A photo the server has received (its digest confirmed) is the server's too: the phone can no longer take
it back, and says so. Nor can a photo of a record district staff have confirmed. Otherwise deleting takes
the photo off its record (a change that syncs like any other) and off the phone, unless another record
still shows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import flet as ft

from app.ui.session import SessionBase, signed_in
from app.ui.theme import ERR, MUTED
from app.ui.widgets import banner, big_button, column, text
from shared import records as rec

if TYPE_CHECKING:
    from app.ui.planner.device import Services
    from app.ui.state import AppState

#: The screens a photo opens from, by the record kind each shows.
PHOTO_PARENTS = {"visit": rec.VISIT, "feedback": rec.FEEDBACK, "record": rec.FEEDBACK}


@dataclass(frozen=True)
class PhotoView:
    """The photo on screen: its bytes (full size while the phone keeps them), and whether it may go."""

    sha: str
    image: bytes | None
    full_size: bool
    #: Why it cannot be deleted, in words; None when it can.
    kept_because: str | None


class PhotoState(SessionBase):
    """Open a photo full size; delete it while only the phone has it."""

    def open_photo(self, sha: str) -> None:
        if self.screen not in PHOTO_PARENTS:
            return
        self.photo_parent = self.screen
        self.photo_sha = sha
        self.go("photo")

    def close_photo(self) -> None:
        self.go(self.photo_parent)

    def _photo_owner(self) -> tuple[str, str | None]:
        """The record the photo on screen belongs to (a feedback still being written has no id yet)."""
        if self.photo_parent == "visit":
            return rec.VISIT, self.visit_id
        if self.photo_parent == "record":
            return rec.FEEDBACK, self.record_id
        return rec.FEEDBACK, self.feedback.record_id

    def photo_kept_because(self, sha: str) -> str | None:
        """Why this photo cannot be deleted from the phone any more, or None when it can."""
        if self.store.photo_uploaded(sha):
            return self.tr("photo.kept_uploaded")
        kind, rid = self._photo_owner()
        owner = self.store.get(kind, rid) if rid else None
        if owner is not None and owner.review == "confirmed":
            return self.tr("photo.kept_confirmed")
        return None

    def photo_view(self) -> PhotoView | None:
        sha = self.photo_sha
        if not sha:
            return None
        full = self.store.photo_path(sha)
        path = full or self.store.thumb_path(sha)
        try:
            image = Path(path).read_bytes() if path else None
        except OSError:
            image = None
        return PhotoView(sha, image, full is not None, self.photo_kept_because(sha))

    def delete_photo(self) -> bool:
        """Take the photo on screen off its record and off the phone; refused (in words) once the server
        has it or its record was confirmed."""
        sha = self.photo_sha
        if not sha:
            return False
        kept = self.photo_kept_because(sha)
        if kept is not None:
            self.error = kept
            return False
        kind, rid = self._photo_owner()
        if kind == rec.FEEDBACK and self.photo_parent == "feedback":
            # The form on screen: its photos are saved with it (and already, if it was saved before).
            self.feedback.photos = [p for p in self.feedback.photos if p != sha]
        owner = self.store.get(kind, rid) if rid else None
        if owner is not None and sha in (owner.data.get("photos") or []):
            data = dict(owner.data)
            data["photos"] = [p for p in data["photos"] if p != sha]
            if self._save(kind, data, record_id=owner.id) is None:
                self.error = self.field_error
                return False
        try:
            self.store.forget_photo(sha)
        except Exception as exc:
            if not self._refused_by_storage(exc):
                raise
        self.thumbs.pop(sha, None)
        self.photo_sha = None
        self.go(self.photo_parent)
        self.notice = self.tr("photo.deleted")
        return True


@ft.component
@signed_in
def PhotoScreen(state: AppState, services: Services) -> ft.Control:
    """The photo as large as the phone shows it (pinch to zoom), and delete while it may still go."""
    view = state.photo_view_shown
    if view is None or view.image is None:
        return column(text(state.tr("photo.gone"), 18, color=MUTED))
    return column(
        ft.InteractiveViewer(
            content=ft.Image(src=view.image, fit=ft.BoxFit.CONTAIN, width=float("inf")),
            min_scale=1,
            max_scale=6,
        ),
        text(state.tr("photo.thumb_only"), 16, color=MUTED) if not view.full_size else None,
        banner(state.error, error=True),
        text(view.kept_because, 17, color=ERR) if view.kept_because else None,
        big_button(state.tr("photo.delete"), _confirming(state), icon=ft.Icons.DELETE_OUTLINE, primary=False)
        if view.kept_because is None
        else None,
    )


def _confirming(state: AppState) -> Any:
    """Delete after a yes in a dialog: a photo deleted by a slip of the thumb cannot be taken again."""

    def ask(_: Any) -> None:
        page = ft.context.page

        def yes(_: Any) -> None:
            page.pop_dialog()
            state.delete_photo()

        page.show_dialog(
            ft.AlertDialog(
                modal=True,
                title=ft.Text(state.tr("photo.delete_title"), size=20, weight=ft.FontWeight.BOLD),
                content=ft.Text(state.tr("photo.delete_text"), size=18),
                actions=[
                    ft.TextButton(content=state.tr("cancel"), on_click=lambda _: page.pop_dialog()),
                    ft.TextButton(content=state.tr("photo.delete"), on_click=yes),
                ],
            )
        )

    return ask
