"""A visit: check in with one tap (GPS fix and time), notes and photos as you go, check out with one tap.

Without a GPS fix the planner names the place and the visit shows that no fix was taken. A visit district
staff sent back (or the server refused) opens here to be fixed and sent again.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import flet as ft

from app.edits import Changeable, RecordEditor
from app.i18n import fmt_hours, fmt_time
from app.photos import PhotoError, prepare_photo
from app.sites import Suggestion
from app.status import record_status
from app.ui.planner.camera import photo_buttons
from app.ui.session import SessionBase, signed_in
from app.ui.theme import ACCENT, MUTED
from app.ui.widgets import (
    banner,
    big_button,
    button,
    card,
    chip,
    column,
    dropdown,
    half_and_half,
    tap_card,
    text,
    text_field,
)
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


@dataclass(frozen=True)
class PlaceDraft:
    """A check-in waiting for its place: no known site is near the fix (or there is no fix).

    The time in is the tap's, kept while the planner names the place or picks one of the suggestions."""

    fix: Fix | None
    started_at: str
    district_id: int | None
    #: The fix as text, shown in the empty place field ("" without a fix); never the place's name.
    hint: str
    typed: str = ""
    suggestions: tuple[Suggestion, ...] = ()
    #: The planner picked the district: the suggestions keep to it (else they come from every district).
    district_chosen: bool = False


class VisitState(SessionBase):
    """Check in, save as you go, check out; photos for the visit (or the feedback) on screen."""

    def start_check_in(self, fix: Fix | None) -> str | None:
        """The check-in button on Home: a new check-in at this moment, nothing kept from an earlier one."""
        self.place = None
        return self.check_in(fix)

    def check_in(
        self, fix: Fix | None, site: str | None = None, district_id: int | None = None
    ) -> str | None:
        """One tap: save an open visit with the time and GPS fix at the nearest known site.

        With no known site near enough (or no fix) the place must be named first: `place` holds the
        check-in (its time, the fix, the district) and the suggestions, nearest first."""
        site = (site or "").strip()
        draft = self.place
        now = self.clock()
        started_at = draft.started_at if draft is not None else now.isoformat()
        picker = self.site_picker()
        if not site:
            default = picker.check_in_default(fix)
            if not default.ready:
                self.place = PlaceDraft(
                    fix,
                    started_at,
                    draft.district_id if draft is not None else default.district_id,
                    default.hint,
                    suggestions=tuple(default.suggestions),
                )
                self.visit_needs_place = True
                self.visit_id = None
                self.notice = self.tr("visit.no_fix") if fix is None else self.tr("site.none_near")
                self._show("visit")
                return None
            site = default.site
            district_id = district_id or default.district_id
        elif district_id is None:
            district_id = draft.district_id if draft is not None else picker.default_district(fix)
        data = {
            "district_id": district_id or self.district_id,
            "site": site,
            "purpose": self.tr("visit.default_purpose"),
            "started_at": started_at,
            "lat": fix.lat if fix else None,
            "lon": fix.lon if fix else None,
            "accuracy_m": fix.accuracy_m if fix else None,
            "created_at": now.isoformat(),
        }
        rid = self._save(rec.VISIT, data)
        if rid is None:
            self._show("visit")
            return None
        self.place = None
        self.visit_id = rid
        self.visit_needs_place = False
        self.notice = self.tr("visit.saved")
        self._show("visit")
        return rid

    def check_in_at(self, site: str, district_id: int | None = None) -> str | None:
        """The place is named (typed, or a suggestion tapped): check in there with the waiting fix."""
        if not site.strip():
            self.field_error = self.tr("visit.name_needed")
            return None
        draft = self.place
        return self.check_in(draft.fix if draft else None, site, district_id)

    def check_in_typed(self) -> str | None:
        """ "Check in here" with what the place field holds now (read at the tap, not when drawn)."""
        return self.check_in_at(self.place.typed if self.place else "")

    def type_place(self, typed: str) -> None:
        """The planner types in the place field: the suggestions narrow to names that hold it."""
        draft = self.place
        if draft is None:
            # The screen was opened by its address, not by a check-in: the check-in starts now.
            picker = self.site_picker()
            draft = PlaceDraft(None, self.clock().isoformat(), picker.default_district(None), "")
        district_id = draft.district_id if draft.district_chosen else None
        found = self.site_picker().suggestions(typed, draft.fix, district_id=district_id)
        self.place = replace(draft, typed=typed, suggestions=tuple(found))

    def choose_place_district(self, district_id: int | None) -> None:
        draft = self.place
        if draft is None:
            return
        self.place = replace(draft, district_id=district_id, district_chosen=district_id is not None)
        self.type_place(draft.typed)

    def set_visit_district(self, district_id: int) -> bool:
        """A planner serving several districts moves the visit on screen to another of them."""
        return self.update_visit(district_id=district_id)

    def district_name(self, district_id: int | None) -> str:
        return self.site_picker().district_name(district_id)

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


def _suggestion(state: AppState, s: Suggestion) -> ft.Control:
    """One known place: a tap checks in there (and in its district)."""
    facts = []
    if s.distance_m is not None:
        facts.append(state.tr("site.distance", metres=f"{s.distance_m:.0f}"))
    if s.district_name and len(state.district_options) > 1:
        facts.append(s.district_name)
    if not s.known:
        facts.append(state.tr("site.only_here"))
    return tap_card(
        [
            text(s.name, 18, ft.FontWeight.BOLD),
            text(" · ".join(facts), 15, color=MUTED) if facts else None,
        ],
        lambda _: state.check_in_at(s.name, s.district_id),
    )


def _name_place(state: AppState, services: Services) -> ft.Control:
    """No known site near the fix, or no fix: pick a place from the list or name a new one."""
    draft = state.place
    typed = draft.typed if draft else ""
    hint = draft.hint if draft else ""
    has_fix = draft is not None and draft.fix is not None

    def on_change(e: ft.Event[ft.TextField]) -> None:
        state.type_place(e.control.value or "")

    def set_district(e: ft.Event[ft.Dropdown]) -> None:
        state.choose_place_district(int(e.control.value) if e.control.value else None)

    async def retry_fix(_: Any) -> None:
        fix = await services.get_fix()
        state.check_in(fix, typed)

    suggestions = list(draft.suggestions) if draft else []
    exact = any(s.name == typed.strip() for s in suggestions)
    return column(
        text(state.tr("visit.title"), 26, ft.FontWeight.BOLD),
        banner(state.tr("site.none_near") if has_fix else state.tr("visit.no_fix")),
        dropdown(
            state.tr("site.choose_district"),
            str(draft.district_id) if draft and draft.district_id else "",
            state.district_options,
            set_district,
        )
        if len(state.district_options) > 1
        else None,
        ft.TextField(
            label=state.tr("field.site"),
            value=typed,
            hint_text=hint or None,
            on_change=on_change,
            on_submit=lambda _: state.check_in_typed(),
            text_size=18,
            border_color=MUTED,
            prefix_icon=ft.Icons.SEARCH,
            content_padding=ft.Padding.symmetric(horizontal=14, vertical=12),
        ),
        text(state.tr("visit.fix_only", where=hint), 15, color=MUTED) if hint else None,
        banner(state.field_error, error=True),
        text(state.tr("site.new", name=typed.strip()), 16, color=MUTED)
        if typed.strip() and not exact
        else None,
        big_button(state.tr("visit.check_in_here"), lambda _: state.check_in_typed(), icon=ft.Icons.PIN_DROP),
        text(state.tr("site.known"), 17, ft.FontWeight.BOLD) if suggestions else None,
        *(_suggestion(state, s) for s in suggestions),
        None if has_fix else button(state.tr("visit.locating"), retry_fix, icon=ft.Icons.GPS_FIXED),
    )


@ft.component
@signed_in
def VisitScreen(state: AppState, services: Services) -> ft.Control:
    draft: Any = ft.use_ref(lambda: {})
    visit = state.visit
    if visit is None:
        return _name_place(state, services)

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
    allowed = RecordEditor(state.store).changeable(visit)
    editable = allowed.edit
    photos = list(d.get("photos") or [])

    def save_changes(_: Any) -> None:
        if state.update_visit(**edits):
            edits.clear()
            state.notice = state.tr("visit.saved")

    def set_district(e: ft.Event[ft.Dropdown]) -> None:
        if e.control.value:
            state.set_visit_district(int(e.control.value))

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
        dropdown(
            state.tr("site.choose_district"),
            str(d.get("district_id") or ""),
            state.district_options,
            set_district,
        )
        if editable and len(state.district_options) > 1
        else text(state.tr("site.district", name=state.district_name(d.get("district_id"))), 16, color=MUTED)
        if len(state.district_options) > 1
        else None,
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
        button(state.tr("edit.save_changes"), save_changes, icon=ft.Icons.SAVE)
        if editable and not open_ and rejection is None
        else None,
        delete_controls(state, allowed, rec.VISIT, visit.id),
    )


def delete_controls(state: AppState, allowed: Changeable, kind: str, record_id: str) -> ft.Control | None:
    """Delete, asked once more before it happens; or why the record can no longer be changed."""
    if not allowed.delete:
        return text(state.tr(allowed.reason), 15, color=MUTED) if allowed.reason else None
    if not state.confirm_delete:
        return button(state.tr("edit.delete"), lambda _: state.ask_delete(), icon=ft.Icons.DELETE_OUTLINE)
    return card(
        text(state.tr("edit.confirm_delete"), 18, ft.FontWeight.BOLD),
        text(state.tr("edit.delete_only_here" if allowed.only_here else "edit.delete_told"), 15, color=MUTED),
        half_and_half(
            button(state.tr("cancel"), lambda _: state.cancel_delete()),
            button(
                state.tr("edit.delete_yes"),
                lambda _: state.delete_record(kind, record_id),
                icon=ft.Icons.DELETE,
            ),
        ),
    )
