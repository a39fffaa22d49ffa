"""Money for the bureau: PDS-9's allowance settlement periods (who is due what, paid or unpaid, a short term's
amount entered by a person with a reason, since the policy sets no pro-rata rule; the list as XLSX) and
CQ-6's municipal work funds per planner and year beside the appraisal grade.

Amounts are the server's text in yuan (``"5000.00"``); what a person types goes as typed and the server
says when it is not an amount.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import flet as ft

from app.errors import ServerError
from app.ui.coordinator.term_base import TermBase
from app.ui.termkit import (
    form_values,
    heading,
    line,
    muted,
    open_url,
    section,
    setter,
    status_chip,
    title_row,
    valid_day,
)
from app.ui.theme import ERR
from app.ui.widgets import (
    banner,
    big_button,
    button,
    column,
    half_and_half,
    logged,
    panel,
    tap_card,
    text,
    text_field,
)

if TYPE_CHECKING:
    from app.ui.coordinator.state import CoordinatorState


class MoneyState(TermBase):
    """Settlement periods and their lines; the year's work funds."""

    async def load_periods(self) -> bool:
        return await self._load("settlements", periods=self.client.periods())

    async def open_period_form(self, name: str, starts_on: str, ends_on: str) -> bool:
        """Open a settlement period: the terms whose service ended in it are listed at once."""
        if not name.strip():
            self.error = self.needs("period_name")
            return False
        for field, value in (("starts_on", starts_on), ("ends_on", ends_on)):
            if not valid_day(value):
                self.error = self.bad_day(field)
                return False
        body = {"name": name.strip(), "starts_on": starts_on.strip(), "ends_on": ends_on.strip()}
        try:
            self.period = await self.client.open_period(body)
            self.periods = await self.client.periods()
        except ServerError as exc:
            self.refused(exc)
            return False
        self.error = None
        self.go("period")
        self.notice = self.tr("money.period_opened", name=self.period.get("name"))
        return True

    async def open_period(self, period_id: int) -> bool:
        return await self._load("period", period=self.client.period(period_id))

    async def refresh_period(self) -> bool:
        try:
            self.period = await self.client.refresh_period(int(self.period["id"]))
        except ServerError as exc:
            self.refused(exc)
            return False
        self.error = None
        self.notice = self.tr("money.refreshed")
        return True

    def totals_line(self, p: dict[str, Any]) -> str:
        t = dict(p.get("totals") or {})
        return self.tr(
            "money.totals",
            lines=t.get("lines", 0),
            due=t.get("due", "0.00"),
            paid=t.get("paid", "0.00"),
            unpaid=t.get("unpaid", "0.00"),
        )

    def basis_text(self, line_: dict[str, Any]) -> str:
        basis = str(line_.get("basis") or "")
        key = f"money.basis.{basis}"
        return self.tr(key) if key != self.tr(key) else basis

    async def set_amount(self, planner_id: int, amount: str, reason: str) -> bool:
        """A short term's amount, entered by a person with the reason (PDS-9 sets no rule for it)."""
        if not amount.strip():
            self.error = self.needs("amount")
            return False
        if not reason.strip():
            self.error = self.needs("amount_reason")
            return False
        return await self._line(
            planner_id, {"amount": amount.strip(), "reason": reason.strip()}, "money.amount_set"
        )

    async def set_paid(self, planner_id: int, paid: bool) -> bool:
        return await self._line(
            planner_id, {"paid": paid}, "money.marked_paid" if paid else "money.marked_unpaid"
        )

    async def _line(self, planner_id: int, body: dict[str, Any], notice: str) -> bool:
        try:
            await self.client.set_line(int(self.period["id"]), planner_id, body)
            self.period = await self.client.period(int(self.period["id"]))
        except ServerError as exc:
            self.refused(exc)
            return False
        self.error = None
        name = next(
            (
                ln.get("display_name")
                for ln in self.period.get("lines") or []
                if ln.get("planner_id") == planner_id
            ),
            "",
        )
        self.notice = self.tr(notice, name=name)
        return True

    async def settlement_link(self) -> str | None:
        try:
            url = await self.client.report_link("allowance", {"period_id": self.period["id"]})
        except ServerError as exc:
            self.refused(exc)
            return None
        self.notice = self.tr("term.download_started")
        return str(url)

    # --- work funds (CQ-6) ---

    async def load_funds(self, year: int | None = None) -> bool:
        year = year or int(self.funds.get("year") or datetime.now(ZoneInfo(self.tz)).year)
        return await self._load("funds", funds=self.client.work_funds(year))

    async def set_fund(self, planner_id: int, amount: str, note: str) -> bool:
        """One planner's work funds for the year (empty amount: none recorded)."""
        year = int(self.funds["year"])
        entry = {"amount": amount.strip(), "note": note.strip() or None} if amount.strip() else None
        try:
            await self.client.set_work_funds(year, {planner_id: entry})
            self.funds = await self.client.work_funds(year)
        except ServerError as exc:
            self.refused(exc)
            return False
        self.error = None
        name = next(
            (
                p.get("display_name")
                for p in self.funds.get("planners") or []
                if p.get("planner_id") == planner_id
            ),
            "",
        )
        self.notice = self.tr("money.fund_saved", name=name)
        return True


@ft.component
@logged
def SettlementsScreen(coord: CoordinatorState) -> ft.Control:
    year = datetime.now(ZoneInfo(coord.tz)).year
    form: Any = form_values(
        {
            "name": coord.tr("money.period_default", year=year),
            "starts_on": f"{year}-01-01",
            "ends_on": f"{year}-12-31",
        }
    )
    values: dict[str, Any] = form.current

    def opener(pid: int) -> Any:
        async def on_click(_: Any) -> None:
            await coord.open_period(pid)

        return on_click

    async def create(_: Any) -> None:
        await coord.open_period_form(values["name"], values["starts_on"], values["ends_on"])

    allowance = coord.profile.get("allowance_cny_per_year")
    return column(
        heading(coord.tr("money.settlements")),
        muted(coord.tr("money.settlements_rule", amount=allowance or "—")),
        banner(coord.notice),
        banner(coord.error, error=True),
        ft.ProgressBar() if coord.busy else None,
        *[
            tap_card(
                [
                    title_row(
                        str(p.get("name") or ""),
                        status_chip(
                            "flagged", coord.tr("money.flagged_n", n=(p.get("totals") or {}).get("flagged"))
                        )
                        if (p.get("totals") or {}).get("flagged")
                        else None,
                    ),
                    muted(f"{p.get('starts_on')} — {p.get('ends_on')}"),
                    text(coord.totals_line(p), 16),
                ],
                opener(int(p["id"])),
            )
            for p in coord.periods
        ],
        muted(coord.tr("money.no_periods")) if not coord.periods else None,
        section(
            coord.tr("money.new_period"),
            text_field(coord.tr("field.period_name"), values["name"], setter(values, "name")),
            half_and_half(
                text_field(coord.tr("field.starts_on"), values["starts_on"], setter(values, "starts_on")),
                text_field(coord.tr("field.ends_on"), values["ends_on"], setter(values, "ends_on")),
            ),
            button(coord.tr("money.open_period"), create, icon=ft.Icons.ADD),
        ),
    )


def _line_card(coord: CoordinatorState, ln: dict[str, Any], values: dict[str, Any]) -> ft.Control:
    pid = int(ln["planner_id"])
    akey, rkey = f"amount-{pid}", f"reason-{pid}"
    values.setdefault(akey, str(ln.get("amount") or ""))
    values.setdefault(rkey, str(ln.get("amount_reason") or ""))
    paid = bool(ln.get("paid"))

    async def toggle(_: Any) -> None:
        await coord.set_paid(pid, not paid)

    async def save_amount(_: Any) -> None:
        await coord.set_amount(pid, values[akey], values[rkey])

    flagged = bool(ln.get("flagged"))
    return panel(
        title_row(
            str(ln.get("display_name") or ""),
            status_chip("paid" if paid else "unpaid", coord.tr("money.paid" if paid else "money.unpaid")),
        ),
        muted("、".join(ln.get("district_names") or [])),
        text(
            coord.tr(
                "money.served",
                first=ln.get("term_first"),
                last=ln.get("served_last"),
                days=ln.get("days_served"),
            ),
            16,
        ),
        text(coord.basis_text(ln), 16),
        text(coord.tr("money.amount", amount=ln.get("amount")), 18, ft.FontWeight.BOLD)
        if ln.get("amount") is not None
        else text(coord.tr("money.amount_missing"), 17, ft.FontWeight.BOLD, color=ERR),
        line(coord.tr("field.amount_reason"), ln.get("amount_reason")),
        line(coord.tr("pool.by"), ln.get("amount_set_by_name")),
        text(coord.tr("money.short_term"), 16, color=ERR) if flagged else None,
        text_field(coord.tr("field.amount"), values[akey], setter(values, akey), hint="2500.00")
        if flagged
        else None,
        text_field(coord.tr("field.amount_reason"), values[rkey], setter(values, rkey), multiline=True)
        if flagged
        else None,
        button(coord.tr("money.save_amount"), save_amount, icon=ft.Icons.EDIT) if flagged else None,
        line(coord.tr("money.paid_by"), f"{ln.get('paid_by_name')} · {str(ln.get('paid_at') or '')[:10]}")
        if paid
        else None,
        button(coord.tr("money.mark_unpaid" if paid else "money.mark_paid"), toggle, icon=ft.Icons.PAID),
    )


@ft.component
@logged
def PeriodScreen(coord: CoordinatorState) -> ft.Control:
    form: Any = form_values({})
    values: dict[str, Any] = form.current
    p = coord.period
    if not p:
        return column(muted(coord.tr("money.no_periods")))

    async def xlsx(_: Any) -> None:
        await open_url(await coord.settlement_link())

    async def refresh(_: Any) -> None:
        await coord.refresh_period()

    unknown = list(p.get("unknown_terms") or [])
    return column(
        heading(str(p.get("name") or "")),
        muted(f"{p.get('starts_on')} — {p.get('ends_on')}"),
        muted(coord.tr("money.yearly", amount=p.get("yearly_amount"))),
        banner(coord.notice),
        banner(coord.error, error=True),
        ft.ProgressBar() if coord.busy else None,
        panel(text(coord.totals_line(p), 17)),
        big_button(coord.tr("money.xlsx"), xlsx, icon=ft.Icons.TABLE_VIEW),
        button(coord.tr("money.refresh"), refresh, icon=ft.Icons.REFRESH),
        *[_line_card(coord, ln, values) for ln in p.get("lines") or []],
        section(
            coord.tr("money.unknown_terms"),
            *[text(str(u.get("display_name") or u.get("planner_id")), 16) for u in unknown],
        )
        if unknown
        else None,
    )


@ft.component
@logged
def FundsScreen(coord: CoordinatorState) -> ft.Control:
    form: Any = form_values({})
    values: dict[str, Any] = form.current
    f = coord.funds
    year = int(f.get("year") or datetime.now(ZoneInfo(coord.tz)).year)

    async def prev(_: Any) -> None:
        values.clear()
        await coord.load_funds(year - 1)

    async def nxt(_: Any) -> None:
        values.clear()
        await coord.load_funds(year + 1)

    def card(p: dict[str, Any]) -> ft.Control:
        pid = int(p["planner_id"])
        akey, nkey = f"amount-{pid}", f"note-{pid}"
        values.setdefault(akey, str(p.get("amount") or ""))
        values.setdefault(nkey, str(p.get("note") or ""))

        async def save(_: Any) -> None:
            await coord.set_fund(pid, values[akey], values[nkey])

        grade = p.get("final_grade")
        return panel(
            title_row(
                str(p.get("display_name") or ""), status_chip("member", coord.grade(grade)) if grade else None
            ),
            muted(str(p.get("district_name") or "")),
            text(
                coord.tr("money.grade", year=year, grade=coord.grade(grade))
                if grade
                else coord.tr("terms.no_grade"),
                16,
            ),
            text_field(coord.tr("field.amount"), values[akey], setter(values, akey), hint="20000.00"),
            text_field(coord.tr("field.note"), values[nkey], setter(values, nkey)),
            button(coord.tr("save"), save, icon=ft.Icons.SAVE),
        )

    return column(
        heading(coord.tr("money.funds")),
        muted(coord.tr("money.funds_rule")),
        ft.Row(
            [
                ft.IconButton(ft.Icons.CHEVRON_LEFT, tooltip=coord.tr("dash.prev_year"), on_click=prev),
                ft.Container(text(coord.tr("dash.year", year=year), 20, ft.FontWeight.BOLD), expand=True),
                ft.IconButton(ft.Icons.CHEVRON_RIGHT, tooltip=coord.tr("dash.next_year"), on_click=nxt),
            ]
        ),
        banner(coord.notice),
        banner(coord.error, error=True),
        ft.ProgressBar() if coord.busy else None,
        *[card(p) for p in f.get("planners") or []],
        muted(coord.tr("money.no_funds")) if not f.get("planners") else None,
    )
