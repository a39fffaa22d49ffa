"""My records: every visit, opinion and feedback on the phone with its honest status, and what to fix."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import flet as ft

from app.i18n import fmt_hours, fmt_time
from app.status import RecordStatus, record_status
from app.ui.planner.feedback import FeedbackForm
from app.ui.planner.opinion import OpinionForm
from app.ui.session import SessionBase, signed_in
from app.ui.theme import ERR, MUTED
from app.ui.widgets import banner, button, chip, column, tap_card, text
from shared import records as rec
from shared import rules

if TYPE_CHECKING:
    from app.ui.planner.device import Services
    from app.ui.state import AppState


@dataclass(frozen=True)
class RecordItem:
    kind: str
    id: str
    title: str
    subtitle: str
    status_code: str
    status_text: str
    reason: str | None
    can_fix: bool
    #: Things a person must look at: left open overnight, no GPS fix.
    flags: tuple[str, ...] = ()


class RecordsState(SessionBase):
    """The records on the phone, in words; opening a refused one to fix it."""

    def record_items(self) -> list[RecordItem]:
        items: list[RecordItem] = []
        for r in self.store.records():
            if r.kind not in rec.KINDS:
                continue  # invitation answers are shown with their invitation on Home
            st = record_status(r)
            items.append(
                RecordItem(
                    kind=r.kind,
                    id=r.id,
                    title=self._record_title(r),
                    subtitle=self._record_subtitle(r),
                    status_code=st.code,
                    status_text=self.status_text(st),
                    reason=st.reason,
                    can_fix=st.code in ("rejected", "invalid"),
                    flags=self._record_flags(r),
                )
            )
        return items

    def status_text(self, st: RecordStatus) -> str:
        if st.code == "photos":
            return self.tr("status.photos", done=st.done, total=st.total)
        return self.tr(f"status.{st.code}")

    def _record_flags(self, r: Any) -> tuple[str, ...]:
        if r.kind != rec.VISIT:
            return ()
        flags = []
        if self.visit_overnight(r):
            flags.append(self.tr("visit.overnight"))
        if r.data.get("lat") is None:
            flags.append(self.tr("visit.no_fix_badge"))
        return tuple(flags)

    def _record_title(self, r: Any) -> str:
        d = r.data
        label = (
            d.get("site")
            if r.kind == rec.VISIT
            else d.get("subject")
            if r.kind == rec.OPINION
            else d.get("place")
        )
        return f"{self.tr('kind.' + r.kind)} · {label or ''}"

    def _record_subtitle(self, r: Any) -> str:
        d = r.data
        when = fmt_time(rec.occurred_at(r.kind, d), self.lang, self.tz)
        if r.kind == rec.VISIT:
            if d.get("ended_at"):
                worked = fmt_hours(rules.visit_hours(d["started_at"], d["ended_at"]))
                return f"{when} · {self.tr('visit.hours', hours=worked)}"
            return f"{when} · {self.tr('visit.running')}"
        return when

    def fix_record(self, kind: str, record_id: str) -> None:
        """Open a rejected record in its form so the planner can fix it and send it again."""
        r = self.store.get(kind, record_id)
        if r is None:
            return
        if kind == rec.VISIT:
            self.open_visit_screen(record_id)
        elif kind == rec.OPINION:
            self.opinion = OpinionForm.from_record(record_id, r.data)
            self.go("opinion")
        else:
            self.feedback = FeedbackForm.from_record(record_id, r.data)
            self.go("feedback")


def _record_card(state: AppState, item: RecordItem) -> ft.Control:
    kind, rid = item.kind, item.id
    return tap_card(
        [
            text(item.title, 18, ft.FontWeight.BOLD),
            text(item.subtitle, 16, color=MUTED),
            ft.Row(
                [chip(item.status_code, item.status_text), *(chip("photos", flag) for flag in item.flags)],
                wrap=True,
            ),
            text(state.tr("records.reason", reason=item.reason), 16, color=ERR) if item.reason else None,
            button(state.tr("records.fix"), lambda _: state.fix_record(kind, rid), icon=ft.Icons.BUILD)
            if item.can_fix
            else None,
        ],
        (lambda _: state.open_visit_screen(rid)) if kind == rec.VISIT else None,
    )


@ft.component
@signed_in
def RecordsScreen(state: AppState, services: Services) -> ft.Control:
    rows = [_record_card(state, item) for item in state.records]
    return column(
        text(state.tr("records.title"), 26, ft.FontWeight.BOLD),
        banner(state.notice),
        *(rows or [text(state.tr("records.empty"), 18, color=MUTED)]),
    )
