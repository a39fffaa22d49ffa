"""Travel claims for district staff (CQ-6: the district's bureau reimburses travel): each claim with its
date, trip, amount and receipt photo; approve, or reject with a reason (final, audited).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import flet as ft

from app.errors import ServerError
from app.ui.staff.term import StaffTermBase
from app.ui.termkit import form_values, heading, line, muted, setter, status_chip, title_row
from app.ui.widgets import banner, button, column, half_and_half, logged, panel, text, text_field

if TYPE_CHECKING:
    from app.ui.staff.state import StaffState

#: Receipts shown at once (each is one request for a photo).
RECEIPTS_SHOWN = 12


class ClaimsState(StaffTermBase):
    """The district's claims, their receipts, and the decision on each."""

    async def load_claims(self) -> bool:
        if not await self.ensure_term_words():
            return False
        self.busy = True
        try:
            self.claims = await self.client.claims()
            pending = [c for c in self.claims.get("claims") or [] if c.get("status") == "pending"]
            for c in pending[:RECEIPTS_SHOWN]:
                if str(c["id"]) not in self.receipts:
                    self.receipts = {
                        **self.receipts,
                        str(c["id"]): await self.client.claim_receipt(str(c["id"])),
                    }
        except ServerError as exc:
            self.refused(exc)
            return False
        finally:
            self.busy = False
        self.go("claims")
        return True

    def claim_status(self, c: dict[str, Any]) -> str:
        return self.tr(f"claim.{c.get('status')}")

    def totals_line(self) -> str:
        t = dict(self.claims.get("totals") or {})
        return self.tr(
            "claim.totals",
            pending=t.get("pending", "0.00"),
            approved=t.get("approved", "0.00"),
            rejected=t.get("rejected", "0.00"),
        )

    async def _claim_decided(self, pending: Any, notice: str) -> bool:
        try:
            await pending
            self.claims = await self.client.claims()
        except ServerError as exc:
            self.refused(exc)
            return False
        self.error = None
        self.notice = notice
        return True

    async def approve_claim(self, claim_id: str) -> bool:
        return await self._claim_decided(
            self.client.approve_claim(claim_id), self.tr("claim.approved_notice")
        )

    async def reject_claim(self, claim_id: str, reason: str) -> bool:
        if not reason.strip():
            self.error = self.needs("reject_reason")
            return False
        return await self._claim_decided(
            self.client.reject_claim(claim_id, reason.strip()), self.tr("claim.rejected_notice")
        )


@ft.component
@logged
def ClaimsScreen(staff: StaffState) -> ft.Control:
    form: Any = form_values({})
    values: dict[str, Any] = form.current

    def card(c: dict[str, Any]) -> ft.Control:
        cid = str(c["id"])
        key = f"reason-{cid}"
        values.setdefault(key, "")
        pending = c.get("status") == "pending"

        async def approve(_: Any) -> None:
            await staff.approve_claim(cid)

        async def reject(_: Any) -> None:
            await staff.reject_claim(cid, values[key])

        receipt = staff.receipts.get(cid)
        return panel(
            title_row(str(c.get("planner_name") or ""), status_chip(c.get("status"), staff.claim_status(c))),
            text(staff.tr("claim.line", on=c.get("trip_on"), amount=c.get("amount")), 18, ft.FontWeight.BOLD),
            text(str(c.get("trip") or ""), 16),
            muted(str(c.get("district_name") or "")),
            ft.Image(src=receipt, height=160, fit=ft.BoxFit.CONTAIN, border_radius=8) if receipt else None,
            line(staff.tr("claim.reason"), c.get("decision_reason")),
            line(staff.tr("claim.decided_by"), c.get("decided_by_name")),
            text_field(staff.tr("field.reject_reason"), values[key], setter(values, key))
            if pending
            else None,
            half_and_half(
                button(staff.tr("claim.approve"), approve, icon=ft.Icons.CHECK),
                button(staff.tr("claim.reject"), reject, icon=ft.Icons.CLOSE),
                spacing=8,
            )
            if pending
            else None,
        )

    claims = sorted(
        staff.claims.get("claims") or [], key=lambda c: (c.get("status") != "pending", str(c.get("trip_on")))
    )
    return column(
        heading(staff.tr("claim.title")),
        muted(staff.totals_line()),
        banner(staff.notice),
        banner(staff.error, error=True),
        ft.ProgressBar() if staff.busy else None,
        *[card(c) for c in claims],
        muted(staff.tr("claim.none")) if not claims else None,
    )
