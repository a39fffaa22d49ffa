"""The planner's own term, read from the server: where and until when they serve, their contract record
(PDS-8), the dispatch notice (PDS-7, with its DOCX), the allowance settled for them (PDS-9) and their travel
claims (CQ-6). None of it is kept on the phone, so without the server the screen says so plainly and
everything recorded offline still works as before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import flet as ft

from app.errors import AuthError, ServerError, Unreachable
from app.online import OnlineClient
from app.ui.session import SessionBase, signed_in
from app.ui.termkit import (
    TermWords,
    heading,
    line,
    muted,
    notice_panel,
    section,
    status_chip,
    term_summary,
    title_row,
)
from app.ui.widgets import banner, big_button, button, column, panel, text
from app.vocabulary import Words

if TYPE_CHECKING:
    from app.ui.planner.device import Services
    from app.ui.state import AppState

#: The contract record's parts, in the contract's order (PDS-8).
_CONTRACT = (
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


class TermState(SessionBase, TermWords):
    """Read the planner's term from the server when its screen opens."""

    words: Words
    mine: dict[str, Any]
    online_transport: Any

    def online(self) -> OnlineClient | None:
        """The online client of this sign-in; None when the phone was opened offline without a token."""
        if not self.base_url or not self.token:
            return None
        return OnlineClient(self.base_url, self.token, transport=self.online_transport)

    async def open_term(self) -> bool:
        """The term's screen with what the server has now; offline, it says the server is needed."""
        self.error = None
        self.notice = None
        client = self.online()
        if client is None:
            self.error = self.tr("term.needs_server")
            self._show("term")
            return False
        try:
            if not self.words.loaded:
                self.words = Words(await client.vocabulary())
            config = await client.config()
            profile = dict(config.get("profile") or {})
            mine: dict[str, Any] = {"profile": profile}
            mine["terms"] = list((await client.terms()).get("terms") or [])
            mine["dispatches"] = await client.dispatches()
            user_id = self.user.get("id") if isinstance(self.user, dict) else None
            if profile.get("allowance_cny_per_year") and user_id:
                mine["allowance"] = list((await client.planner_allowance(int(user_id))).get("lines") or [])
            if profile.get("travel_claims"):
                mine["claims"] = await client.claims()
        except AuthError:
            self.error = self.tr("error.auth")
            self._show("term")
            return False
        except Unreachable:
            self.error = self.tr("term.needs_server")
            self._show("term")
            return False
        except ServerError as exc:
            self.refused(exc)
            self._show("term")
            return False
        self.mine = mine
        self._show("term")
        return True

    def my_dispatch(self) -> dict[str, Any]:
        """The dispatch serving now (else the latest)."""
        shown = list(self.mine.get("dispatches") or [])
        serving = [d for d in shown if d.get("status") == "serving"]
        return dict((serving or shown or [{}])[-1])

    def my_term(self) -> dict[str, Any]:
        d = self.my_dispatch()
        for t in self.mine.get("terms") or []:
            if t.get("dispatch_id") == d.get("id"):
                return dict(t)
        return {}

    def contract_lines(self) -> list[tuple[str, str]]:
        contract = dict((self.my_term().get("term") or {}).get("contract") or {})
        return [(self.tr(f"field.{k}"), str(contract[k])) for k in _CONTRACT if contract.get(k)]

    def contract_missing(self) -> str:
        contract = dict((self.my_term().get("term") or {}).get("contract") or {})
        return self.labels("contract_clauses", contract.get("missing") or [])

    def allowance_lines(self) -> list[tuple[str, str, bool]]:
        """(period, amount in words, paid) per settlement period."""
        out = []
        for ln in self.mine.get("allowance") or []:
            amount = (
                self.tr("money.amount", amount=ln["amount"])
                if ln.get("amount") is not None
                else self.tr("money.amount_missing")
            )
            out.append((str(ln.get("period_name") or ""), amount, bool(ln.get("paid"))))
        return out

    def claims_totals(self) -> str:
        t = dict((self.mine.get("claims") or {}).get("totals") or {})
        return self.tr(
            "claim.totals",
            pending=t.get("pending", "0.00"),
            approved=t.get("approved", "0.00"),
            rejected=t.get("rejected", "0.00"),
        )

    def claim_lines(self) -> list[dict[str, Any]]:
        return list((self.mine.get("claims") or {}).get("claims") or [])

    async def notice_link(self, dispatch_id: int) -> str | None:
        client = self.online()
        if client is None:
            self.error = self.tr("term.needs_server")
            return None
        try:
            url = await client.report_link("dispatch-notice", {"dispatch_id": dispatch_id})
        except ServerError as exc:
            self.refused(exc)
            return None
        self.notice = self.tr("term.download_started")
        return str(url)


@ft.component
@signed_in
def MyTermScreen(state: AppState, services: Services) -> ft.Control:
    async def again(_: Any) -> None:
        await state.open_term()

    async def new_claim(_: Any) -> None:
        state.new_claim()

    if not state.mine:
        return column(
            heading(state.tr("mine.title")),
            banner(state.error or state.tr("term.needs_server"), error=True),
            muted(state.tr("mine.offline_hint")),
            button(state.tr("mine.retry"), again, icon=ft.Icons.REFRESH),
        )
    profile = dict(state.mine.get("profile") or {})
    d = state.my_dispatch()
    t = state.my_term()
    claims = state.claim_lines()
    return column(
        heading(state.tr("mine.title")),
        banner(state.notice),
        banner(state.error, error=True),
        panel(
            title_row(
                str(d.get("district_name") or state.tr("mine.no_dispatch")),
                status_chip(d.get("status"), state.label("dispatch_statuses", d.get("status")))
                if d
                else None,
            ),
            *term_summary(state, t),
            line(state.tr("mine.since"), d.get("starts_on")),
        )
        if d
        else muted(state.tr("mine.no_dispatch")),
        section(
            state.tr("disp.contract", n=(t.get("term") or {}).get("number"), rule="PDS-8"),
            *[line(k, v) for k, v in state.contract_lines()],
            muted(state.tr("disp.missing", clauses=state.contract_missing()))
            if state.contract_missing()
            else None,
        )
        if t
        else None,
        notice_panel(state, d) if d else None,
        section(
            state.tr("mine.allowance", amount=profile.get("allowance_cny_per_year")),
            *[
                ft.Column(
                    [
                        title_row(
                            period,
                            status_chip(
                                "paid" if paid else "unpaid",
                                state.tr("money.paid" if paid else "money.unpaid"),
                            ),
                            16,
                        ),
                        text(amount, 16),
                    ],
                    spacing=2,
                )
                for period, amount, paid in state.allowance_lines()
            ],
            muted(state.tr("mine.no_allowance")) if not state.allowance_lines() else None,
        )
        if profile.get("allowance_cny_per_year")
        else None,
        section(
            state.tr("mine.claims"),
            muted(state.claims_totals()),
            *[
                ft.Column(
                    [
                        title_row(
                            state.tr("claim.line", on=c.get("trip_on"), amount=c.get("amount")),
                            status_chip(c.get("status"), state.tr(f"claim.{c.get('status')}")),
                            16,
                        ),
                        muted(str(c.get("trip") or "")),
                        *(
                            [muted(state.tr("claim.reason_line", reason=c["decision_reason"]))]
                            if c.get("decision_reason")
                            else []
                        ),
                    ],
                    spacing=2,
                )
                for c in claims
            ],
            muted(state.tr("claim.none")) if not claims else None,
            big_button(state.tr("claim.new"), new_claim, icon=ft.Icons.RECEIPT_LONG),
        )
        if profile.get("travel_claims")
        else None,
    )
