"""Terms and the end-of-term decision for the bureau: every serving planner's term with its days left, the
latest grade and what it suggests (a suggestion only, with its reason); one term's page where a person
records renew, not renew or dismiss with the grade beside it (PDS-10, CQ-9, CQ-11); and each district's days
without a planner (PDS-11).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import flet as ft

from app.errors import ServerError
from app.ui.coordinator.term_base import TermBase
from app.ui.termkit import (
    choice_wrap,
    form_values,
    gaps_panel,
    heading,
    labelled,
    line,
    muted,
    section,
    setter,
    status_chip,
    term_summary,
    title_row,
    valid_day,
)
from app.ui.widgets import (
    banner,
    big_button,
    button,
    column,
    dropdown,
    logged,
    panel,
    tap_card,
    text,
    text_field,
)

if TYPE_CHECKING:
    from app.ui.coordinator.state import CoordinatorState


class TermsState(TermBase):
    """The terms with their suggestions, the gaps, and the decision on one term."""

    async def load_terms(self) -> bool:
        return await self._load("terms", terms=self.client.terms(), gaps=self.client.district_gaps())

    def term_entries(self) -> list[dict[str, Any]]:
        entries = list(self.terms.get("terms") or [])

        def order(t: dict[str, Any]) -> tuple[int, int]:
            term = t.get("term") or {}
            undecided = t.get("status") == "serving" and not term.get("decision")
            return (0 if undecided else 1, int(term.get("days_left") or 0))

        return sorted(entries, key=order)

    def the_term(self) -> dict[str, Any]:
        for t in self.terms.get("terms") or []:
            if t.get("dispatch_id") == self.term_of:
                return dict(t)
        return {}

    async def open_term(self, dispatch_id: int) -> bool:
        self.term_of = dispatch_id
        return await self._load("term_decision", terms=self.client.terms())

    def suggestion_text(self, t: dict[str, Any]) -> str | None:
        s = t.get("suggestion")
        if not s:
            return None
        return self.tr("terms.suggestion", why=self.reason(s.get("reason")))

    def decision_choices(self) -> list[tuple[str, str]]:
        dismissal = bool(self.words.body.get("dismissal_grounds"))
        return [(c, label) for c, label in self.choices("decisions") if c != "dismiss" or dismissal]

    async def decide(self, decision: str, values: dict[str, Any]) -> bool:
        """Record the decision on the term on screen; the planner's status follows at once (audited)."""
        t = self.the_term()
        if not t or not decision:
            self.error = self.needs("decision")
            return False
        body: dict[str, Any] = {"decision": decision}
        grade = t.get("latest_grade")
        if grade:
            body["grade_year"] = grade.get("year")
        note = str(values.get("note") or "").strip()
        if note:
            body["note"] = note
        if decision == "dismiss":
            if not values.get("ground"):
                self.error = self.needs("ground")
                return False
            body["ground"] = values["ground"]
            ends = str(values.get("ends_on") or "").strip()
            if ends:
                if not valid_day(ends):
                    self.error = self.bad_day("ends_on")
                    return False
                body["ends_on"] = ends
        if decision == "renew" and self.words.rules.get("term_years") is None:
            nxt = str(values.get("next_term_ends_on") or "").strip()
            if not valid_day(nxt):
                self.error = self.bad_day("next_term_ends_on")
                return False
            body["next_term_ends_on"] = nxt
        try:
            await self.client.decide_term(int(t["dispatch_id"]), body)
            self.terms = await self.client.terms()
        except ServerError as exc:
            self.refused(exc)
            return False
        self.error = None
        self.notice = self.tr(
            "terms.recorded", decision=self.label("decisions", decision), name=t.get("name")
        )
        return True

    async def close_service(self) -> bool:
        t = self.the_term()
        try:
            await self.client.close_service(int(t["dispatch_id"]))
            self.terms = await self.client.terms()
        except ServerError as exc:
            self.refused(exc)
            return False
        self.error = None
        self.notice = self.tr("terms.closed")
        return True


@ft.component
@logged
def TermsScreen(coord: CoordinatorState) -> ft.Control:
    def opener(did: int) -> Any:
        async def on_click(_: Any) -> None:
            await coord.open_term(did)

        return on_click

    entries = coord.term_entries()
    return column(
        heading(coord.tr("term.terms")),
        banner(coord.notice),
        banner(coord.error, error=True),
        ft.ProgressBar() if coord.busy else None,
        gaps_panel(coord, coord.gaps),
        *[
            tap_card(
                [
                    title_row(
                        str(t.get("name") or ""),
                        status_chip(t.get("status"), coord.label("dispatch_statuses", t.get("status"))),
                    ),
                    text(str(t.get("district_name") or ""), 17),
                    *term_summary(coord, t),
                    muted(coord.suggestion_text(t) or "") if coord.suggestion_text(t) else None,
                ],
                opener(int(t["dispatch_id"])),
            )
            for t in entries
        ],
        muted(coord.tr("terms.none")) if not entries else None,
    )


@ft.component
@logged
def TermDecisionScreen(coord: CoordinatorState) -> ft.Control:
    form: Any = form_values({"note": "", "ground": "", "ends_on": "", "next_term_ends_on": ""})
    values: dict[str, Any] = form.current
    choice, set_choice = ft.use_state("")
    t = coord.the_term()
    if not t:
        return column(muted(coord.tr("terms.none")))
    term = dict(t.get("term") or {})
    undecided = t.get("status") == "serving" and not term.get("decision") and not t.get("service_ends_on")
    suggestion = t.get("suggestion") or {}

    def set_ground(e: ft.Event[ft.Dropdown]) -> None:
        values["ground"] = e.control.value or ""

    async def record(_: Any) -> None:
        await coord.decide(choice, values)

    async def close(_: Any) -> None:
        await coord.close_service()

    decision = term.get("decision") or {}
    return column(
        title_row(
            str(t.get("name") or ""),
            status_chip(t.get("status"), coord.label("dispatch_statuses", t.get("status"))),
            24,
        ),
        text(str(t.get("district_name") or ""), 18),
        banner(coord.notice),
        banner(coord.error, error=True),
        ft.ProgressBar() if coord.busy else None,
        panel(*term_summary(coord, t)),
        section(
            coord.tr("terms.decision_recorded"),
            line(coord.tr("terms.decision"), coord.label("decisions", decision.get("decision"))),
            line(coord.tr("terms.grade_beside"), coord.grade(decision.get("grade"))),
            line(coord.tr("terms.rule"), decision.get("rule_id")),
            line(
                coord.tr("field.ground"),
                coord.label("dismissal_grounds", decision.get("ground")) or decision.get("ground"),
            ),
            line(coord.tr("field.note"), decision.get("note")),
            line(coord.tr("pool.by"), decision.get("by")),
        )
        if decision
        else None,
        line(coord.tr("terms.service_ends"), t.get("service_ends_on")),
        section(
            coord.tr("terms.decide", rule=coord.words.rules.get("appraisal_rule_id") or ""),
            panel(
                text(coord.suggestion_text(t) or "", 16),
                muted(coord.tr("terms.suggestion_only")),
            )
            if suggestion
            else None,
            labelled(
                coord.tr("terms.decision"),
                choice_wrap(coord.decision_choices(), lambda c: c == choice, lambda c: set_choice(c)),
            ),
            dropdown(
                coord.tr("field.ground"), values["ground"], coord.choices("dismissal_grounds"), set_ground
            )
            if choice == "dismiss"
            else None,
            text_field(
                coord.tr("field.ends_on"),
                values["ends_on"],
                setter(values, "ends_on"),
                hint=coord.tr("terms.ends_hint"),
            )
            if choice == "dismiss"
            else None,
            text_field(
                coord.tr("field.next_term_ends_on"),
                values["next_term_ends_on"],
                setter(values, "next_term_ends_on"),
            )
            if choice == "renew" and coord.words.rules.get("term_years") is None
            else None,
            text_field(
                coord.tr("field.decision_note"), values["note"], setter(values, "note"), multiline=True
            ),
            big_button(coord.tr("terms.record"), record, icon=ft.Icons.GAVEL),
        )
        if undecided
        else None,
        button(coord.tr("terms.close"), close, icon=ft.Icons.LOCK_CLOCK) if t.get("close_due") else None,
    )
