"""My records: every visit, opinion and feedback on the phone with its honest status, and what to fix.

The list can be searched (words in what the record says) and narrowed to one year; a card opens its
record: a visit on the visit screen, an opinion or a resident's feedback on a page of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import flet as ft

from app.edits import Changeable, RecordEditor
from app.i18n import fmt_hours, fmt_time
from app.status import RecordStatus, record_status
from app.store import DELETED
from app.ui.planner.feedback import FeedbackForm
from app.ui.planner.opinion import OpinionForm
from app.ui.planner.visit import delete_controls, photo_strip
from app.ui.session import SessionBase, signed_in
from app.ui.theme import ERR, MUTED
from app.ui.widgets import banner, big_button, button, card, chip, column, dropdown, tap_card, text
from shared import records as rec
from shared import rules

if TYPE_CHECKING:
    from app.ui.planner.device import Services
    from app.ui.state import AppState

#: What a record says, by kind: the fields a search looks in.
SEARCHED = {
    rec.VISIT: ("site", "purpose", "participants", "notes"),
    rec.OPINION: ("subject", "body", "suggestions", "required_changes", "dissent"),
    rec.FEEDBACK: ("place", "content"),
}
#: The fields an opinion or a feedback page shows, in order (labels from the catalogue's ``field.*``).
SHOWN = {
    rec.OPINION: (
        "subject",
        "opinion_kind",
        "issued_at",
        "body",
        "suggestions",
        "required_changes",
        "dissent",
    ),
    rec.FEEDBACK: ("place", "category", "collected_at", "content", "contact"),
}


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
    #: The local year of the record's time (a visit's start, an opinion's issue, a feedback's collection).
    year: int | None = None
    #: What a search looks in: the title and what the record says, lower case.
    words: str = ""


@dataclass
class RecordSearch:
    """What is typed in the search box; plain (not observable), so typing does not re-render the list."""

    typed: str = ""


@dataclass(frozen=True)
class RecordDetail:
    """An opinion or a resident's feedback as its page shows it."""

    kind: str
    id: str
    title: str
    status_code: str
    status_text: str
    reason: str | None
    can_fix: bool
    #: (label, value) for each field that holds something, in `SHOWN` order.
    fields: tuple[tuple[str, str], ...]
    photos: tuple[str, ...] = ()
    #: For an opinion written about a visit: the visit's words and id, to open it.
    visit: tuple[str, str] | None = None
    #: Whether the planner may still edit or delete it on the phone, and why not.
    changeable: Changeable | None = None


class RecordsState(SessionBase):
    """The records on the phone, in words; searching them; opening one, or a refused one to fix it."""

    def record_items(self) -> list[RecordItem]:
        """Every record on the phone (Sync counts what waits from these: never narrowed by a search)."""
        items: list[RecordItem] = []
        for r in self.store.records():
            if r.kind not in rec.KINDS:
                continue  # invitation answers are shown with their invitation on Home
            st = record_status(r)
            title = self._record_title(r)
            said = " ".join(str(r.data.get(k) or "") for k in SEARCHED.get(r.kind, ()))
            items.append(
                RecordItem(
                    kind=r.kind,
                    id=r.id,
                    title=title,
                    subtitle=self._record_subtitle(r),
                    status_code=st.code,
                    status_text=self.status_text(st),
                    reason=st.reason,
                    can_fix=st.code in ("rejected", "invalid"),
                    flags=self._record_flags(r),
                    year=self._record_year(r),
                    words=f"{title} {said}".lower(),
                )
            )
        return items

    def shown_records(self) -> list[RecordItem]:
        """The records the list shows: of the chosen year, holding every word searched for."""
        words = self.records_query.lower().split()
        return [
            i
            for i in self.record_items()
            if (self.records_year is None or i.year == self.records_year) and all(w in i.words for w in words)
        ]

    def years_on_phone(self) -> list[int]:
        """The years the phone has records of, newest first (the year filter's choices)."""
        return sorted({i.year for i in self.record_items() if i.year is not None}, reverse=True)

    def search_records(self, query: str) -> None:
        self.search.typed = query
        self.records_query = query.strip()
        self.refresh()

    def filter_year(self, year: int | None) -> None:
        self.records_year = year
        self.refresh()

    def status_text(self, st: RecordStatus) -> str:
        if st.code == "photos":
            return self.tr("status.photos", done=st.done, total=st.total)
        return self.tr(f"status.{st.code}")

    def _record_year(self, r: Any) -> int | None:
        try:
            return rules.local_year(rec.occurred_at(r.kind, r.data), self.tz)
        except (KeyError, TypeError, ValueError):
            return None

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

    def open_record(self, kind: str, record_id: str) -> None:
        """A card in the list was tapped: a visit opens on its screen, an opinion or feedback on its page."""
        if kind == rec.VISIT:
            self.open_visit_screen(record_id)
            return
        self.record_kind, self.record_id = kind, record_id
        self.go("record")

    def record_detail(self) -> RecordDetail | None:
        kind, rid = self.record_kind, self.record_id
        r = self.store.get(kind, rid) if kind in SHOWN and rid else None
        if r is None:
            return None
        st = record_status(r)
        fields = []
        for key in SHOWN[r.kind]:
            value = r.data.get(key)
            if value in (None, ""):
                continue
            if key == "opinion_kind":
                value = self.tr(f"opinion_kind.{value}")
            elif key == "category":
                value = self.tr(f"category.{value}")
            elif key in ("issued_at", "collected_at"):
                value = fmt_time(value, self.lang, self.tz)
            fields.append((self.tr(f"field.{key}"), str(value)))
        visit = None
        linked = self.store.get(rec.VISIT, r.data["visit_id"]) if r.data.get("visit_id") else None
        if linked is not None:
            when = fmt_time(linked.data.get("started_at"), self.lang, self.tz)
            visit = (f"{when} · {linked.data.get('site') or ''}", linked.id)
        return RecordDetail(
            kind=r.kind,
            id=r.id,
            title=self._record_title(r),
            status_code=st.code,
            status_text=self.status_text(st),
            reason=st.reason,
            can_fix=st.code in ("rejected", "invalid"),
            fields=tuple(fields),
            photos=tuple(r.data.get("photos") or ()),
            visit=visit,
            changeable=RecordEditor(self.store).changeable(r),
        )

    def ask_delete(self) -> None:
        self.confirm_delete = True

    def cancel_delete(self) -> None:
        self.confirm_delete = False

    def delete_record(self, kind: str, record_id: str) -> str | None:
        """Delete one of the planner's records (`app.edits`); the list then says what became of it."""
        self.confirm_delete = False
        outcome = self._write(lambda: RecordEditor(self.store).delete(kind, record_id))
        if outcome is None:
            return None
        if kind == rec.VISIT and self.visit_id == record_id:
            self.visit_id = None
        self.go("records")
        self.notice = self.tr("edit.deleted" if outcome == DELETED else "edit.tombstone")
        return outcome

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
        lambda _: state.open_record(kind, rid),
    )


def _filters(state: AppState) -> ft.Control:
    """Search (words the record holds) and the year, above the list."""
    draft = state.search

    def on_change(e: ft.Event[ft.TextField]) -> None:
        draft.typed = e.control.value or ""

    def search(_: Any = None) -> None:
        state.search_records(draft.typed)

    def set_year(e: ft.Event[ft.Dropdown]) -> None:
        state.filter_year(None if e.control.value in (None, "", "-") else int(e.control.value))

    years = [
        ("-", state.tr("records.all_years")),
        *((str(y), state.tr("records.year", year=y)) for y in state.record_years),
    ]
    return ft.Column(
        [
            ft.TextField(
                label=state.tr("records.search"),
                value=state.records_query,
                on_change=on_change,
                on_submit=search,
                text_size=18,
                border_color=MUTED,
                prefix_icon=ft.Icons.SEARCH,
                suffix=ft.IconButton(
                    ft.Icons.ARROW_FORWARD, on_click=search, tooltip=state.tr("records.search_go")
                ),
                content_padding=ft.Padding.symmetric(horizontal=14, vertical=12),
            ),
            dropdown(
                state.tr("records.year_filter"),
                str(state.records_year) if state.records_year is not None else "-",
                years,
                set_year,
            ),
        ],
        spacing=10,
        horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
    )


@ft.component
@signed_in
def RecordsScreen(state: AppState, services: Services) -> ft.Control:
    rows = [_record_card(state, item) for item in state.records]
    narrowed = bool(state.records_query) or state.records_year is not None
    empty = state.tr("records.none_found") if narrowed else state.tr("records.empty")
    return column(
        text(state.tr("records.title"), 26, ft.FontWeight.BOLD),
        banner(state.notice),
        _filters(state),
        text(state.tr("records.found", count=len(rows)), 16, color=MUTED) if narrowed else None,
        *(rows or [text(empty, 18, color=MUTED)]),
    )


@ft.component
@signed_in
def RecordScreen(state: AppState, services: Services) -> ft.Control:
    """One opinion or one resident's feedback, as written, with its status."""
    d = state.detail
    if d is None:
        return column(text(state.tr("records.gone"), 18, color=MUTED))
    kind, rid = d.kind, d.id
    linked = d.visit
    return column(
        text(d.title, 24, ft.FontWeight.BOLD),
        ft.Row([chip(d.status_code, d.status_text)], wrap=True),
        banner(state.tr("records.reason", reason=d.reason), error=True) if d.reason else None,
        card(
            *(
                control
                for label, value in d.fields
                for control in (text(label, 15, color=MUTED), text(value, 18))
            )
        ),
        button(
            state.tr("records.linked_visit", visit=linked[0]),
            lambda _: state.open_visit_screen(linked[1]),
            icon=ft.Icons.PLACE,
        )
        if linked
        else None,
        text(state.tr("visit.photos", count=len(d.photos)), 17) if d.photos else None,
        photo_strip(state, list(d.photos)) if d.photos else None,
        big_button(state.tr("records.fix"), lambda _: state.fix_record(kind, rid), icon=ft.Icons.BUILD)
        if d.can_fix
        else button(state.tr("edit.edit"), lambda _: state.fix_record(kind, rid), icon=ft.Icons.EDIT)
        if d.changeable is not None and d.changeable.edit
        else None,
        banner(state.field_error, error=True),
        delete_controls(state, d.changeable, kind, rid) if d.changeable is not None else None,
    )
