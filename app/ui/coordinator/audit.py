"""The audit log for coordinators and admins: who did what, and when, newest first, older pages on request."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import flet as ft

from app import i18n
from app.errors import ServerError
from app.i18n import fmt_time
from app.ui.coordinator.base import CoordinatorBase
from app.ui.theme import MUTED
from app.ui.widgets import banner, button, column, logged, panel, text

if TYPE_CHECKING:
    from app.ui.coordinator.state import CoordinatorState


class AuditState(CoordinatorBase):
    """The audit entries loaded so far, in words."""

    async def load_audit(self, more: bool = False) -> None:
        """The newest audit entries (or the next older page when ``more``)."""
        try:
            body = await self.client.audit(50, self.audit_before if more else None)
        except ServerError as exc:
            self._fail(exc)
            return
        entries = list(body.get("entries") or [])
        self.audit = [*self.audit, *entries] if more else entries
        self.audit_before = body.get("next_before")
        self.go("audit")

    def audit_lines(self) -> list[tuple[str, str]]:
        """(who and when, what) per entry, in words; unknown actions show their code."""
        out = []
        for e in self.audit:
            action = str(e.get("action") or "")
            key = f"audit.{action}"
            what = self.tr(key) if key in i18n.CATALOGUE[self.lang] else action
            # What the entry is about in words (planner and site, a district's name); the record's own id
            # only where the server names nothing (a year for grades).
            about = e.get("about")
            target = str(about) if about else f"#{str(e['record_id'])[:8]}" if e.get("record_id") else ""
            who = e.get("display_name") or e.get("username") or self.tr("audit.system")
            out.append(
                (
                    f"{fmt_time(e.get('at'), self.lang, self.tz)} · {who}",
                    f"{what} · {target}" if target else what,
                )
            )
        return out


@ft.component
@logged
def AuditScreen(coord: CoordinatorState) -> ft.Control:
    async def more(_: Any) -> None:
        await coord.load_audit(more=True)

    rows: list[ft.Control] = [
        panel(text(head, 15, color=MUTED), text(what, 17)) for head, what in coord.audit_lines()
    ]
    return column(
        text(coord.tr("audit.title"), 24, ft.FontWeight.BOLD),
        banner(coord.error, error=True),
        *(rows or [text(coord.tr("audit.none"), 17, color=MUTED)]),
        button(coord.tr("audit.more"), more, icon=ft.Icons.EXPAND_MORE) if coord.audit_before else None,
    )
