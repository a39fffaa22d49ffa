"""What the coordinator's screens of the planner's term share: their fields, the server's vocabulary, and
the hub that leads to them (the pool, district requests, dispatches, terms, settlements, work funds).

Each of those screens' modules adds its methods to `CoordinatorState` as a mixin over `TermBase`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import flet as ft

from app.errors import ServerError
from app.ui.coordinator.base import CoordinatorBase
from app.ui.termkit import TermWords, heading, muted
from app.ui.theme import ACCENT
from app.ui.widgets import banner, column, logged, tap_card, text
from app.vocabulary import Words

if TYPE_CHECKING:
    from app.ui.coordinator.state import CoordinatorState


class TermBase(CoordinatorBase, TermWords):
    """The fields of the term's screens (declared by `CoordinatorState`)."""

    words: Words
    pool: dict[str, Any]
    pool_status: str | None
    candidate: dict[str, Any]
    member_archive: dict[str, Any]
    idle: dict[str, Any]
    specialty_gaps: dict[str, Any]
    requests: list[dict[str, Any]]
    ranked: dict[str, Any]
    dispatches: list[dict[str, Any]]
    dispatch: dict[str, Any]
    terms: dict[str, Any]
    gaps: dict[str, Any]
    term_of: int | None
    periods: list[dict[str, Any]]
    period: dict[str, Any]
    funds: dict[str, Any]

    async def ensure_words(self) -> bool:
        """The server's vocabulary and configuration, read once per sign-in."""
        try:
            if not self.words.loaded:
                self.words = Words(await self.client.vocabulary())
            if not self.config:
                self.config = await self.client.config()
        except ServerError as exc:
            self.refused(exc)
            return False
        return True

    @property
    def profile(self) -> dict[str, Any]:
        return dict(self.config.get("profile") or {})

    def pool_name(self) -> str:
        # The profile names its pool in Chinese only (资源库, 专家库); in English it is "the pool".
        named = self.words.body.get("pool_name") if self.lang == "zh" else None
        return str(named or self.tr("term.pool"))

    async def _load(self, screen: str, **reads: Any) -> bool:
        """Read what a screen shows (``field=coroutine``), then show it; a failure leaves the screen as it was
        and says why."""
        if not await self.ensure_words():
            for pending in reads.values():
                pending.close()
            return False
        self.busy = True
        try:
            for name, pending in list(reads.items()):
                setattr(self, name, await pending)
        except ServerError as exc:
            for pending in reads.values():
                pending.close()
            self.refused(exc)
            return False
        finally:
            self.busy = False
        self.go(screen)
        return True

    async def load_term_hub(self) -> bool:
        """The hub: how many candidates, requests and terms wait for a person."""
        return await self._load(
            "term",
            pool=self.client.candidates(),
            requests=self.client.dispatch_requests(),
            terms=self.client.terms(),
        )

    def hub_lines(self) -> dict[str, str]:
        counts = dict(self.pool.get("counts") or {})
        open_requests = sum(1 for r in self.requests if r.get("status") == "open")
        serving = [t for t in self.terms.get("terms") or [] if t.get("status") == "serving"]
        ending = sum(
            1
            for t in serving
            if (t.get("term") or {}).get("decision") is None
            and int((t.get("term") or {}).get("days_left") or 0)
            <= int(self.profile.get("term_warning_days") or 30)
        )
        return {
            "pool": self.tr(
                "term.hub_pool",
                members=counts.get("member", 0),
                notice=counts.get("in_notice", 0),
                applied=counts.get("applied", 0) + counts.get("approved", 0),
            ),
            "requests": self.tr("term.hub_requests", open=open_requests, total=len(self.requests)),
            "dispatches": self.tr("term.hub_dispatches", serving=len(serving)),
            "terms": self.tr("term.hub_terms", ending=ending),
        }


@ft.component
@logged
def TermHubScreen(coord: CoordinatorState) -> ft.Control:
    lines = coord.hub_lines()
    profile = coord.profile

    def entry(title: str, detail: str, icon: Any, opener: Any) -> ft.Control:
        async def on_click(_: Any) -> None:
            await opener()

        return tap_card(
            [
                ft.Row(
                    [ft.Icon(icon, color=ACCENT, size=26), text(title, 19, ft.FontWeight.BOLD)],
                    spacing=10,
                ),
                muted(detail) if detail else None,
            ],
            on_click,
        )

    return column(
        heading(coord.tr("term.hub_title")),
        banner(coord.notice),
        banner(coord.error, error=True),
        ft.ProgressBar() if coord.busy else None,
        entry(coord.pool_name(), lines["pool"], ft.Icons.GROUPS, coord.load_pool),
        entry(coord.tr("term.requests"), lines["requests"], ft.Icons.ASSIGNMENT, coord.load_requests),
        entry(
            coord.tr("term.dispatches"), lines["dispatches"], ft.Icons.LOCAL_SHIPPING, coord.load_dispatches
        ),
        entry(coord.tr("term.terms"), lines["terms"], ft.Icons.EVENT_REPEAT, coord.load_terms),
        entry(
            coord.tr("money.settlements"),
            coord.tr("money.settlements_hint"),
            ft.Icons.PAYMENTS,
            coord.load_periods,
        )
        if profile.get("allowance_cny_per_year")
        else None,
        entry(coord.tr("money.funds"), coord.tr("money.funds_hint"), ft.Icons.SAVINGS, coord.load_funds)
        if profile.get("work_funds")
        else None,
    )
