"""A written opinion (CQ-6): subject, kind, body, suggestions, required changes and dissent kept on record,
standalone or linked to a visit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import flet as ft

from app.i18n import fmt_time
from app.ui.session import SessionBase, signed_in
from app.ui.widgets import banner, big_button, column, dropdown, text, text_field, with_footer
from shared import records as rec

if TYPE_CHECKING:
    from app.ui.planner.device import Services
    from app.ui.state import AppState


@dataclass
class OpinionForm:
    """The written-opinion form; plain (not observable) so typing does not re-render the screen."""

    subject: str = ""
    opinion_kind: str = "plan_review"
    body: str = ""
    suggestions: str = ""
    required_changes: str = ""
    dissent: str = ""
    visit_id: str | None = None
    record_id: str | None = None
    #: The district chosen on the form; None: the planner's default (`SessionBase.record_district`).
    district_id: int | None = None
    issued_at: str | None = None

    def to_data(self, district_id: int | None, now: datetime) -> dict[str, Any]:
        return {
            "district_id": self.district_id or district_id,
            "subject": self.subject,
            "opinion_kind": self.opinion_kind,
            "body": self.body,
            "suggestions": self.suggestions or None,
            "required_changes": self.required_changes or None,
            "dissent": self.dissent or None,
            "visit_id": self.visit_id,
            "issued_at": self.issued_at or now.isoformat(),
        }

    @classmethod
    def from_record(cls, record_id: str, data: dict[str, Any]) -> OpinionForm:
        return cls(
            subject=data.get("subject") or "",
            opinion_kind=data.get("opinion_kind") or "plan_review",
            body=data.get("body") or "",
            suggestions=data.get("suggestions") or "",
            required_changes=data.get("required_changes") or "",
            dissent=data.get("dissent") or "",
            visit_id=data.get("visit_id"),
            record_id=record_id,
            district_id=data.get("district_id"),
            issued_at=data.get("issued_at"),
        )


class OpinionState(SessionBase):
    """Write an opinion, or fix one that was sent back."""

    def new_opinion(self, visit_id: str | None = None) -> None:
        self.opinion = OpinionForm(visit_id=visit_id)
        self.go("opinion")

    def save_opinion(self) -> str | None:
        rid = self._save(
            rec.OPINION, self.opinion.to_data(self.record_district(), self.clock()), self.opinion.record_id
        )
        if rid is not None:
            self.opinion = OpinionForm()
            self.notice = self.tr("visit.saved")
            self._show("records")
        return rid

    def visit_choices(self) -> list[tuple[str, str]]:
        """Recent visits an opinion may be linked to: (id, label)."""
        return [
            # Time first: a long place name is what gets cut off in a narrow dropdown, not the time.
            (r.id, f"{fmt_time(r.data.get('started_at'), self.lang, self.tz)} · {r.data.get('site')}")
            for r in self.store.records(rec.VISIT)[:20]
        ]


def district_choice(state: AppState, form: Any) -> ft.Control | None:
    """For a planner serving several districts: which one the record is for (default: the last used)."""
    if len(state.district_options) <= 1:
        return None

    def choose(e: ft.Event[ft.Dropdown]) -> None:
        form.district_id = int(e.control.value) if e.control.value else None

    chosen = form.district_id or state.record_district()
    return dropdown(state.tr("site.choose_district"), str(chosen or ""), state.district_options, choose)


@ft.component
@signed_in
def OpinionScreen(state: AppState, services: Services) -> ft.Control:
    form = state.opinion

    def setter(key: str) -> Any:
        def on_change(e: ft.Event[Any]) -> None:
            setattr(form, key, e.control.value or "")

        return on_change

    def set_visit(e: ft.Event[ft.Dropdown]) -> None:
        form.visit_id = None if e.control.value in (None, "", "-") else e.control.value

    def long_field(key: str) -> ft.TextField:
        return text_field(state.tr(f"field.{key}"), getattr(form, key), setter(key), multiline=True)

    visits = [("-", state.tr("opinion.standalone")), *state.visit_options]
    body = column(
        text(state.tr("opinion.title"), 26, ft.FontWeight.BOLD),
        district_choice(state, form),
        # A long list of visits scrolls inside a menu that stays on the screen.
        dropdown(state.tr("field.visit_id"), form.visit_id or "-", visits, set_visit, menu_height=360),
        text_field(state.tr("field.subject"), form.subject, setter("subject")),
        dropdown(
            state.tr("field.opinion_kind"),
            form.opinion_kind,
            [(k, state.tr(f"opinion_kind.{k}")) for k in rec.OPINION_KINDS],
            setter("opinion_kind"),
        ),
        long_field("body"),
        long_field("suggestions"),
        long_field("required_changes"),
        long_field("dissent"),
    )
    # Save stays in sight under the fields, however long the opinion gets.
    return with_footer(
        body,
        column(
            banner(state.field_error, error=True),
            big_button(state.tr("save"), lambda _: state.save_opinion(), icon=ft.Icons.SAVE),
        ),
    )
