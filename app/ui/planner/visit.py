"""A visit: check in with one tap (GPS fix and time), notes and photos as you go, check out with one tap.

Without a GPS fix the planner names the place and the visit shows that no fix was taken. A visit district
staff sent back (or the server refused) opens here to be fixed and sent again.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import flet as ft

from app.i18n import fmt_hours, fmt_time
from app.photos import PhotoError, prepare_photo
from app.status import record_status
from app.ui.planner.camera import photo_buttons
from app.ui.session import SessionBase, signed_in
from app.ui.theme import ACCENT, MUTED
from app.ui.widgets import banner, big_button, button, card, chip, column, text, text_field
from shared import records as rec
from shared import rules

if TYPE_CHECKING:
    from app.ui.planner.device import Services
    from app.ui.state import AppState


@dataclass(frozen=True)
class Fix:
    """A GPS fix from the phone (WGS-84)."""

    lat: float
    lon: float
    accuracy_m: float | None = None


class VisitState(SessionBase):
    """Check in, save as you go, check out; photos for the visit (or the feedback) on screen."""

    def check_in(self, fix: Fix | None, site: str | None = None) -> str | None:
        """One tap: save an open visit with the time and GPS fix; without a fix the place must be named."""
        site = (site or "").strip()
        if fix is None and not site:
            # The visit will show that no fix was taken; the planner names the place instead.
            self.visit_needs_place = True
            self.visit_id = None
            self.notice = self.tr("visit.no_fix")
            self._show("visit")
            return None
        now = self.clock()
        if not site and fix is not None:
            site = f"{fix.lat:.5f}, {fix.lon:.5f}"
        data = {
            "district_id": self.district_id,
            "site": site,
            "purpose": self.tr("visit.default_purpose"),
            "started_at": now.isoformat(),
            "lat": fix.lat if fix else None,
            "lon": fix.lon if fix else None,
            "accuracy_m": fix.accuracy_m if fix else None,
            "created_at": now.isoformat(),
        }
        rid = self._save(rec.VISIT, data)
        if rid is None:
            self._show("visit")
            return None
        self.visit_id = rid
        self.visit_needs_place = False
        self.notice = self.tr("visit.saved")
        self._show("visit")
        return rid

    def current_visit(self) -> Any:
        return self.store.get(rec.VISIT, self.visit_id) if self.visit_id else None

    def open_visit_screen(self, visit_id: str) -> None:
        self.visit_id = visit_id
        self.visit_needs_place = False
        self.go("visit")

    def update_visit(self, **changes: Any) -> bool:
        """Save notes, participants or the place of the visit on screen (only fields that changed)."""
        visit = self.current_visit()
        if visit is None:
            self.error = self.tr("error.no_open_visit")
            return False
        data = dict(visit.data)
        changed = {
            k: (v if v != "" else None) for k, v in changes.items() if (data.get(k) or None) != (v or None)
        }
        if not changed:
            return True
        data.update(changed)
        return self._save(rec.VISIT, data, record_id=visit.id) is not None

    def check_out(self, **changes: Any) -> float | None:
        """One tap: the end time is now; hours follow from the rule. Unsaved notes go in the same save."""
        visit = self.current_visit()
        if visit is None:
            self.error = self.tr("error.no_open_visit")
            return None
        data = dict(visit.data)
        data.update({k: (v or None) for k, v in changes.items()})
        data["ended_at"] = self.clock().isoformat()
        if self._save(rec.VISIT, data, record_id=visit.id) is None:
            return None
        hours = rules.visit_hours(data["started_at"], data["ended_at"])
        self.notice = self.tr("visit.hours", hours=fmt_hours(hours))
        return hours

    def rejection(self, record: Any) -> str | None:
        """Why district staff or the server refused this record, when it must be fixed and resent."""
        st = record_status(record)
        if st.code in ("rejected", "invalid"):
            return st.reason or self.tr(f"status.{st.code}")
        return None

    def visit_overnight(self, visit: Any) -> bool:
        return rules.left_open_overnight(
            visit.data["started_at"], visit.data.get("ended_at"), self.clock(), self.tz
        )

    def photo_target(self) -> tuple[str, str | None]:
        """The record a photo picked now belongs to: the feedback being written, or the visit on screen."""
        if self.screen == "camera":
            return self.camera_target()
        if self.screen == "feedback":
            return rec.FEEDBACK, self.feedback.record_id
        return rec.VISIT, self.visit_id

    def add_photo(self, kind: str, record_id: str | None, raw: bytes) -> str | None:
        """Prepare a picked photo, keep only the prepared copy on the phone, and attach its digest."""
        try:
            prepared = prepare_photo(raw)
        except PhotoError:
            self.field_error = self.tr("error.photo")
            return None
        try:
            sha: str = self.store.add_photo(prepared.jpeg, prepared.thumb)
        except Exception as exc:
            if not self._refused_by_storage(exc):
                raise
            return None
        if kind == rec.FEEDBACK and record_id is None:
            if sha not in self.feedback.photos:
                self.feedback.photos.append(sha)
            self.notice = self.tr("visit.photo_added")
            self.touch()
            return sha
        target = self.store.get(kind, record_id) if record_id else None
        if target is None:
            self.error = self.tr("error.no_open_visit")
            return None
        data = dict(target.data)
        photos = list(data.get("photos") or [])
        if sha not in photos:
            photos.append(sha)
        data["photos"] = photos
        if self._save(kind, data, record_id=target.id) is None:
            return None
        self.notice = self.tr("visit.photo_added")
        return sha

    def _thumbnails(self, shas: list[str]) -> dict[str, bytes]:
        """The list thumbnails of these photos that are on the phone (read once, kept while shown)."""
        shown: dict[str, bytes] = {}
        for sha in shas:
            if sha in self.thumbs:
                shown[sha] = self.thumbs[sha]
                continue
            path = self.store.thumb_path(sha)
            try:
                shown[sha] = Path(path).read_bytes()
            except (OSError, TypeError):
                continue
        return shown


def photo_strip(state: AppState, shas: list[str]) -> ft.Control | None:
    """The photos' thumbnails; a tap opens one full size (`app.ui.planner.photo`)."""
    shown = [sha for sha in shas if sha in state.thumbs]
    if not shown:
        return None
    return ft.Row(
        [
            ft.Container(
                ft.Image(src=state.thumbs[sha], width=96, height=96, fit=ft.BoxFit.COVER, border_radius=8),
                on_click=lambda _, s=sha: state.open_photo(s),
                tooltip=state.tr("photo.open"),
                border_radius=8,
                key=f"thumb-{sha[:12]}",
            )
            for sha in shown
        ],
        wrap=True,
        spacing=8,
    )


def _no_fix(state: AppState, services: Services, place: dict[str, str]) -> ft.Control:
    """No GPS fix: the planner names the place and checks in there (or tries the fix again)."""

    def set_place(e: ft.Event[ft.TextField]) -> None:
        place["site"] = e.control.value or ""

    async def retry_fix(_: Any) -> None:
        fix = await services.get_fix()
        state.check_in(fix, place.get("site"))

    return column(
        text(state.tr("visit.title"), 26, ft.FontWeight.BOLD),
        banner(state.tr("visit.no_fix")),
        text_field(state.tr("field.site"), place.get("site"), set_place),
        banner(state.field_error, error=True),
        big_button(
            state.tr("visit.check_in_here"),
            lambda _: state.check_in(None, place.get("site")),
            icon=ft.Icons.PIN_DROP,
        ),
        button(state.tr("visit.locating"), retry_fix, icon=ft.Icons.GPS_FIXED),
    )


@ft.component
@signed_in
def VisitScreen(state: AppState, services: Services) -> ft.Control:
    draft: Any = ft.use_ref(lambda: {})
    visit = state.visit
    if visit is None:
        return _no_fix(state, services, draft.current)

    d = visit.data
    edits: dict[str, str] = draft.current

    def setter(key: str) -> Any:
        def on_change(e: ft.Event[ft.TextField]) -> None:
            edits[key] = e.control.value or ""

        return on_change

    def save_edits(_: Any = None) -> None:
        # Only an open visit saves as you go; a rejected one waits for "fix and resend".
        if edits and d.get("ended_at") is None:
            state.update_visit(**edits)

    def check_out(_: Any) -> None:
        if state.check_out(**edits) is not None:
            edits.clear()

    if d.get("lat") is not None:
        acc = f"{d['accuracy_m']:.0f}" if d.get("accuracy_m") is not None else "?"
        where: ft.Control = text(
            state.tr("visit.fix", lat=f"{d['lat']:.5f}", lon=f"{d['lon']:.5f}", acc=acc), 16, color=MUTED
        )
    else:
        where = chip("photos", state.tr("visit.no_fix_badge"))
    ended = d.get("ended_at")
    started = fmt_time(d["started_at"], state.lang, state.tz)
    times: list[ft.Control] = [text(state.tr("visit.started", time=started), 18)]
    if ended:
        times.append(text(state.tr("visit.ended", time=fmt_time(ended, state.lang, state.tz)), 18))
        times.append(
            text(
                state.tr("visit.hours", hours=fmt_hours(rules.visit_hours(d["started_at"], ended))),
                22,
                ft.FontWeight.BOLD,
                color=ACCENT,
            )
        )
    else:
        times.append(chip("synced", state.tr("visit.running")))
    open_ = ended is None
    rejection = state.rejection(visit)
    editable = open_ or rejection is not None
    photos = list(d.get("photos") or [])

    def resend(_: Any) -> None:
        if state.update_visit(**edits):
            edits.clear()
            state.notice = state.tr("records.resent")

    def edit_field(key: str, *, multiline: bool = False) -> ft.TextField:
        return text_field(
            state.tr(f"field.{key}"),
            edits.get(key, d.get(key)),
            setter(key),
            multiline=multiline,
            read_only=not editable,
            on_blur=save_edits,
        )

    return column(
        text(state.tr("visit.title"), 26, ft.FontWeight.BOLD),
        banner(state.notice),
        banner(state.tr("records.reason", reason=rejection), error=True) if rejection else None,
        banner(state.tr("visit.overnight"), error=True) if state.visit_overnight(visit) else None,
        card(*times, where),
        edit_field("site"),
        edit_field("participants"),
        edit_field("notes", multiline=True),
        text(state.tr("visit.photos", count=len(photos)), 17),
        photo_strip(state, photos),
        text(state.tr("visit.photo_uploading"), 16, color=MUTED) if state.photo_busy else None,
        photo_buttons(state, services) if open_ else None,
        banner(state.field_error, error=True),
        big_button(state.tr("visit.check_out"), check_out, icon=ft.Icons.LOGOUT)
        if open_
        else big_button(state.tr("records.fix"), resend, icon=ft.Icons.SEND)
        if rejection is not None
        else button(
            state.tr("visit.write_opinion"), lambda _: state.new_opinion(visit.id), icon=ft.Icons.EDIT_NOTE
        ),
    )
