"""A resident's feedback: where, what about, what they said, photos; their contact only with their consent."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import flet as ft

from app.ui.planner.camera import photo_buttons
from app.ui.planner.opinion import district_choice
from app.ui.planner.visit import photo_strip
from app.ui.session import SessionBase, signed_in
from app.ui.theme import FONT
from app.ui.widgets import banner, big_button, column, dropdown, text, text_field, with_footer
from shared import records as rec

if TYPE_CHECKING:
    from app.ui.planner.device import Services
    from app.ui.state import AppState


@dataclass
class FeedbackForm:
    """Resident feedback; the contact is kept only while the consent box is ticked."""

    place: str = ""
    category: str = "planning"
    content: str = ""
    contact: str = ""
    contact_consent: bool = False
    photos: list[str] = field(default_factory=list)
    lat: float | None = None
    lon: float | None = None
    record_id: str | None = None
    #: The district chosen on the form; None: the planner's default (`SessionBase.record_district`).
    district_id: int | None = None
    collected_at: str | None = None

    def to_data(self, district_id: int | None, now: datetime) -> dict[str, Any]:
        consent = bool(self.contact_consent)
        return {
            "district_id": self.district_id or district_id,
            "place": self.place,
            "category": self.category,
            "content": self.content,
            "photos": list(self.photos),
            # Without consent the contact is dropped, never stored "just in case".
            "contact": (self.contact or None) if consent else None,
            "contact_consent": consent,
            "lat": self.lat,
            "lon": self.lon,
            "collected_at": self.collected_at or now.isoformat(),
        }

    @classmethod
    def from_record(cls, record_id: str, data: dict[str, Any]) -> FeedbackForm:
        return cls(
            place=data.get("place") or "",
            category=data.get("category") or "planning",
            content=data.get("content") or "",
            contact=data.get("contact") or "",
            contact_consent=bool(data.get("contact_consent")),
            photos=list(data.get("photos") or []),
            lat=data.get("lat"),
            lon=data.get("lon"),
            record_id=record_id,
            district_id=data.get("district_id"),
            collected_at=data.get("collected_at"),
        )


class FeedbackState(SessionBase):
    """Write down a resident's feedback, or fix one that was sent back."""

    def new_feedback(self) -> None:
        self.feedback = FeedbackForm()
        self.go("feedback")

    def save_feedback(self) -> str | None:
        data = self.feedback.to_data(self.record_district(), self.clock())
        rid = self._save(rec.FEEDBACK, data, self.feedback.record_id)
        if rid is not None:
            self.feedback = FeedbackForm()
            self.notice = self.tr("visit.saved")
            self._show("records")
        return rid


@ft.component
@signed_in
def FeedbackScreen(state: AppState, services: Services) -> ft.Control:
    form = state.feedback
    consent, set_consent = ft.use_state(form.contact_consent)

    def setter(key: str) -> Any:
        def on_change(e: ft.Event[Any]) -> None:
            setattr(form, key, e.control.value or "")

        return on_change

    def toggle_consent(e: ft.Event[ft.Checkbox]) -> None:
        form.contact_consent = bool(e.control.value)
        set_consent(form.contact_consent)

    body = column(
        text(state.tr("feedback.title"), 26, ft.FontWeight.BOLD),
        district_choice(state, form),
        banner(state.notice),
        text_field(state.tr("field.place"), form.place, setter("place")),
        dropdown(
            state.tr("field.category"),
            form.category,
            [(k, state.tr(f"category.{k}")) for k in rec.FEEDBACK_CATEGORIES],
            setter("category"),
        ),
        text_field(state.tr("field.content"), form.content, setter("content"), multiline=True),
        text(state.tr("visit.photos", count=len(form.photos)), 17),
        photo_strip(state, form.photos),
        photo_buttons(state, services),
        ft.Container(
            # The checkbox keeps Material's 48 px tap target; a fixed height on it squeezed the label.
            ft.Checkbox(
                label=state.tr("field.contact_consent"),
                value=consent,
                on_change=toggle_consent,
                label_style=ft.TextStyle(size=18, font_family=FONT),
            ),
            padding=ft.Padding.symmetric(vertical=4),
        ),
        text_field(
            state.tr("field.contact"),
            form.contact,
            setter("contact"),
            disabled=not consent,
            hint=state.tr("feedback.contact_hint"),
        ),
    )
    return with_footer(
        body,
        column(
            banner(state.field_error, error=True),
            big_button(state.tr("save"), lambda _: state.save_feedback(), icon=ft.Icons.SAVE),
        ),
    )
