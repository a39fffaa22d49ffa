"""Dispatches for the bureau: who serves where since when; one dispatch's page with CQ-3's appointment steps
as a checklist (each with its date and who recorded it, the next one to record), the PDS-8 contract and
certificate record of the current term, and the dispatch notice (PDS-7) as text and as a DOCX.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import flet as ft

from app.errors import ServerError
from app.ui.coordinator.term_base import TermBase
from app.ui.termkit import (
    check_line,
    form_values,
    heading,
    line,
    muted,
    notice_panel,
    section,
    setter,
    status_chip,
    title_row,
    today_in,
    valid_day,
)
from app.ui.widgets import banner, big_button, button, column, logged, tap_card, text, text_field

if TYPE_CHECKING:
    from app.ui.coordinator.state import CoordinatorState

#: The PDS-8 record's fields, in the contract's order.
CONTRACT_FIELDS = (
    "certificate_no",
    "signed_on",
    "tasks",
    "service_mode",
    "service_fee_cny",
    "fee_note",
    "rights_duties",
    "appraisal",
    "breach",
)
_LONG = ("tasks", "rights_duties", "appraisal", "breach", "fee_note")


def current_term(d: dict[str, Any]) -> dict[str, Any]:
    terms = list(d.get("terms") or [])
    return dict(terms[-1]) if terms else {}


class DispatchesState(TermBase):
    """The dispatches' list and one dispatch's steps, contract and notice."""

    async def load_dispatches(self) -> bool:
        return await self._load("dispatches", dispatches=self.client.dispatches())

    async def open_dispatch(self, dispatch_id: int) -> bool:
        return await self._load("dispatch", dispatch=self.client.dispatch(dispatch_id))

    def dispatch_line(self, d: dict[str, Any]) -> str:
        term = current_term(d)
        if d.get("status") == "proposed":
            done = sum(1 for s in d.get("steps") or [] if s.get("done_on"))
            return self.tr("disp.steps_done", done=done, total=len(d.get("steps") or []))
        if term:
            return self.tr(
                "disp.term_line", n=term.get("number"), starts=term.get("starts_on"), ends=term.get("ends_on")
            )
        return ""

    def next_step(self) -> str | None:
        for s in self.dispatch.get("steps") or []:
            if not s.get("done_on"):
                return str(s["step"])
        return None

    def step_lines(self) -> list[tuple[bool, str]]:
        out = []
        for s in self.dispatch.get("steps") or []:
            name = self.label("appointment_steps", s.get("step"))
            if s.get("done_on"):
                by = s.get("recorded_by") or "—"
                words = self.tr("disp.step_done", step=name, on=s["done_on"], by=by)
                if s.get("note"):
                    words += f" · {s['note']}"
                out.append((True, words))
            else:
                out.append((False, self.tr("disp.step_open", step=name)))
        return out

    async def record_step(self, values: dict[str, Any]) -> bool:
        """The next CQ-3 step with its date; the last one (appointment) starts the service with its term's
        last day, the certificate number and, for a member without one, the planner's account."""
        step = self.next_step()
        if step is None:
            return False
        done_on = str(values.get("done_on") or "").strip()
        if not valid_day(done_on):
            self.error = self.bad_day("done_on")
            return False
        body: dict[str, Any] = {"step": step, "done_on": done_on}
        if str(values.get("note") or "").strip():
            body["note"] = values["note"].strip()
        if step == "appointment":
            ends = str(values.get("term_ends_on") or "").strip()
            if ends:
                if not valid_day(ends):
                    self.error = self.bad_day("term_ends_on")
                    return False
                body["term_ends_on"] = ends
            if not str(values.get("certificate_no") or "").strip():
                self.error = self.needs("certificate_no")
                return False
            body["certificate_no"] = values["certificate_no"].strip()
            if str(values.get("username") or "").strip():
                body["account"] = {
                    "username": values["username"].strip(),
                    "password": values.get("password", ""),
                }
        try:
            self.dispatch = await self.client.record_step(int(self.dispatch["id"]), body)
        except ServerError as exc:
            self.refused(exc)
            return False
        self.error = None
        self.notice = self.tr("disp.step_recorded", step=self.label("appointment_steps", step))
        return True

    def contract_values(self) -> dict[str, str]:
        c = dict(current_term(self.dispatch).get("contract") or {})
        return {k: str(c.get(k) or "") for k in CONTRACT_FIELDS}

    async def save_contract(self, values: dict[str, Any]) -> bool:
        """PDS-8's record of the current term; an empty field stays empty (the page lists what is missing)."""
        body: dict[str, Any] = {}
        for key in CONTRACT_FIELDS:
            raw = str(values.get(key) or "").strip()
            if key == "signed_on" and raw and not valid_day(raw):
                self.error = self.bad_day("signed_on")
                return False
            body[key] = raw or None
        try:
            self.dispatch = await self.client.put_contract(int(self.dispatch["id"]), body)
        except ServerError as exc:
            self.refused(exc)
            return False
        self.error = None
        self.notice = self.tr("disp.contract_saved")
        return True

    def missing_clauses(self) -> str:
        missing = (current_term(self.dispatch).get("contract") or {}).get("missing") or []
        return self.labels("contract_clauses", missing)

    async def notice_link(self, dispatch_id: int) -> str | None:
        try:
            url = await self.client.report_link("dispatch-notice", {"dispatch_id": dispatch_id})
        except ServerError as exc:
            self.refused(exc)
            return None
        self.notice = self.tr("term.download_started")
        return str(url)


@ft.component
@logged
def DispatchesScreen(coord: CoordinatorState) -> ft.Control:
    def opener(did: int) -> Any:
        async def on_click(_: Any) -> None:
            await coord.open_dispatch(did)

        return on_click

    order = {"proposed": 0, "serving": 1, "ended": 2, "withdrawn": 3}
    shown = sorted(
        coord.dispatches, key=lambda d: (order.get(str(d.get("status")), 4), int(d.get("id") or 0))
    )
    return column(
        heading(coord.tr("term.dispatches")),
        banner(coord.notice),
        banner(coord.error, error=True),
        ft.ProgressBar() if coord.busy else None,
        *[
            tap_card(
                [
                    title_row(
                        str(d.get("name") or ""),
                        status_chip(d.get("status"), coord.label("dispatch_statuses", d.get("status"))),
                    ),
                    text(str(d.get("district_name") or ""), 17),
                    muted(coord.dispatch_line(d)),
                ],
                opener(int(d["id"])),
            )
            for d in shown
        ],
        muted(coord.tr("disp.none")) if not shown else None,
    )


def _steps_panel(coord: CoordinatorState, values: dict[str, Any]) -> ft.Control | None:
    d = coord.dispatch
    if not d.get("steps"):
        return None
    step = coord.next_step() if d.get("status") == "proposed" else None

    async def record(_: Any) -> None:
        if await coord.record_step(values):
            values["note"] = ""

    last = step == "appointment"
    return section(
        coord.tr("disp.steps", rule="CQ-3"),
        *[check_line(ok, words, pending=True) for ok, words in coord.step_lines()],
        text(coord.tr("disp.next_step", step=coord.label("appointment_steps", step)), 17, ft.FontWeight.BOLD)
        if step
        else None,
        text_field(coord.tr("field.done_on"), values["done_on"], setter(values, "done_on")) if step else None,
        text_field(coord.tr("field.note"), values["note"], setter(values, "note")) if step else None,
        text_field(
            coord.tr("field.term_ends_on"),
            values["term_ends_on"],
            setter(values, "term_ends_on"),
            hint="2027-12-31",
        )
        if last
        else None,
        text_field(
            coord.tr("field.certificate_no"), values["certificate_no"], setter(values, "certificate_no")
        )
        if last
        else None,
        muted(coord.tr("req.account_hint")) if last else None,
        text_field(coord.tr("field.username"), values["username"], setter(values, "username"))
        if last
        else None,
        text_field(coord.tr("field.password"), values["password"], setter(values, "password"), password=True)
        if last
        else None,
        big_button(coord.tr("disp.record_step"), record, icon=ft.Icons.TASK_ALT) if step else None,
    )


def _contract_panel(coord: CoordinatorState, values: dict[str, Any]) -> ft.Control | None:
    term = current_term(coord.dispatch)
    if not term:
        return None

    async def save(_: Any) -> None:
        await coord.save_contract(values)

    missing = coord.missing_clauses()
    return section(
        coord.tr("disp.contract", n=term.get("number"), rule="PDS-8"),
        line(coord.tr("disp.term"), f"{term.get('starts_on')} — {term.get('ends_on')}"),
        muted(coord.tr("disp.missing", clauses=missing))
        if missing
        else muted(coord.tr("disp.complete"))
        if coord.words.body.get("contract_clauses_required")
        else None,
        *[
            text_field(
                coord.tr(f"field.{k}"),
                values[k],
                setter(values, k),
                multiline=k in _LONG,
                hint="5000.00" if k == "service_fee_cny" else None,
            )
            for k in CONTRACT_FIELDS
        ],
        button(coord.tr("disp.save_contract"), save, icon=ft.Icons.SAVE),
    )


@ft.component
@logged
def DispatchScreen(coord: CoordinatorState) -> ft.Control:
    d = coord.dispatch
    form: Any = form_values(
        {
            "done_on": today_in(coord.tz),
            "note": "",
            "term_ends_on": "",
            "certificate_no": "",
            "username": "",
            "password": "",
            **coord.contract_values(),
        }
    )
    values: dict[str, Any] = form.current
    if not d:
        return column(muted(coord.tr("disp.none")))

    async def term(_: Any) -> None:
        await coord.open_term(int(d["id"]))

    async def archive(_: Any) -> None:
        await coord.open_archive(int(d["candidate_id"]))

    return column(
        title_row(
            str(d.get("name") or ""),
            status_chip(d.get("status"), coord.label("dispatch_statuses", d.get("status"))),
            24,
        ),
        text(str(d.get("district_name") or ""), 18),
        banner(coord.notice),
        banner(coord.error, error=True),
        ft.ProgressBar() if coord.busy else None,
        muted(coord.dispatch_line(d)),
        line(coord.tr("disp.end"), coord.label("end_reasons", (d.get("end") or {}).get("reason")))
        if d.get("end")
        else None,
        _steps_panel(coord, values),
        _contract_panel(coord, values),
        notice_panel(coord, d),
        button(coord.tr("disp.term_decision"), term, icon=ft.Icons.EVENT_REPEAT)
        if d.get("status") == "serving"
        else None,
        button(coord.tr("archive.open"), archive, icon=ft.Icons.FOLDER_SHARED),
    )
