"""The state of one signed-in coordinator (or admin): plain Python over `app.online.OnlineClient` (async),
testable without a page. Its methods come from the screens' modules: the dashboard (`dashboard`), the map
(`map`), the appraisal and dossiers (`appraisal`), report downloads (`downloads`), the audit log
(`audit`), and the planner's term: the hub (`term_base`), the pool (`pool`), archives (`archive`), district
requests (`requests`), dispatches (`dispatches`), terms and their decisions (`terms`) and money (`money`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import flet as ft

from app import i18n
from app.ui.coordinator.appraisal import AppraisalState
from app.ui.coordinator.archive import ArchiveState
from app.ui.coordinator.audit import AuditState
from app.ui.coordinator.base import COORD_SCREENS
from app.ui.coordinator.dashboard import DashboardState, quarter_of
from app.ui.coordinator.dispatches import DispatchesState
from app.ui.coordinator.downloads import DownloadsState
from app.ui.coordinator.map import MapState
from app.ui.coordinator.money import MoneyState
from app.ui.coordinator.pool import PoolState
from app.ui.coordinator.requests import RequestsState
from app.ui.coordinator.terms import TermsState
from app.vocabulary import Words
from shared import rules

#: The list a term screen's back button returns to (read again on the way).
TERM_PARENT = {
    "pool": "term",
    "requests": "term",
    "dispatches": "term",
    "terms": "term",
    "settlements": "term",
    "funds": "term",
    "new_candidate": "pool",
    "candidate": "pool",
    "archive": "candidate",
    "request": "requests",
    "dispatch": "dispatches",
    "term_decision": "terms",
    "period": "settlements",
}


@ft.observable
@dataclass
class CoordinatorState(
    DashboardState,
    MapState,
    AppraisalState,
    DownloadsState,
    AuditState,
    PoolState,
    ArchiveState,
    RequestsState,
    DispatchesState,
    TermsState,
    MoneyState,
):
    """The state of one signed-in coordinator's session."""

    SCREENS: ClassVar[tuple[str, ...]] = COORD_SCREENS

    client: Any = field(repr=False)
    lang: str = i18n.DEFAULT_LANG
    tz: str = rules.DEFAULT_TZ
    screen: str = "dashboard"
    year: int = field(default_factory=lambda: datetime.now(ZoneInfo(rules.DEFAULT_TZ)).year)
    busy: bool = False
    notice: str | None = None
    error: str | None = None
    config: dict[str, Any] = field(default_factory=dict)
    dashboard: dict[str, Any] = field(default_factory=dict)
    points: list[dict[str, Any]] = field(default_factory=list)
    map_crs: str = "wgs84"
    appraisal: dict[str, Any] = field(default_factory=dict)
    chosen: dict[int, str] = field(default_factory=dict)
    dossier: dict[str, Any] = field(default_factory=dict)
    #: The planner whose dossier is open.
    dossier_of: int | None = None
    downloads: list[str] = field(default_factory=list)
    quarter: int = field(default_factory=lambda: quarter_of(datetime.now(ZoneInfo(rules.DEFAULT_TZ))))
    district_id: int | None = None
    audit: list[dict[str, Any]] = field(default_factory=list)
    audit_before: int | None = None
    # The planner's term and money (read when their screens open).
    words: Words = field(default_factory=Words, repr=False)
    pool: dict[str, Any] = field(default_factory=dict, repr=False)
    pool_status: str | None = None
    candidate: dict[str, Any] = field(default_factory=dict, repr=False)
    member_archive: dict[str, Any] = field(default_factory=dict, repr=False)
    idle: dict[str, Any] = field(default_factory=dict, repr=False)
    specialty_gaps: dict[str, Any] = field(default_factory=dict, repr=False)
    requests: list[dict[str, Any]] = field(default_factory=list, repr=False)
    ranked: dict[str, Any] = field(default_factory=dict, repr=False)
    dispatches: list[dict[str, Any]] = field(default_factory=list, repr=False)
    dispatch: dict[str, Any] = field(default_factory=dict, repr=False)
    terms: dict[str, Any] = field(default_factory=dict, repr=False)
    gaps: dict[str, Any] = field(default_factory=dict, repr=False)
    #: The dispatch whose term decision is open.
    term_of: int | None = None
    periods: list[dict[str, Any]] = field(default_factory=list, repr=False)
    period: dict[str, Any] = field(default_factory=dict, repr=False)
    funds: dict[str, Any] = field(default_factory=dict, repr=False)

    # --- the screen as an address (app.ui.routing) ---------------------------------------------------

    def route(self) -> str:
        """``/`` dashboard, ``/audit``, ``/map``, ``/appraisal``, ``/appraisal/<planner id>`` a dossier;
        ``/term`` and below it the term's screens (see `app.ui.coordinator.app`)."""
        screen = self.screen
        if screen == "dossier":
            return f"/appraisal/{self.dossier_of}"
        if screen in TERM_PARENT or screen == "term":
            return self._term_route(screen)
        return "/" if screen == "dashboard" else f"/{screen}"

    def _term_route(self, screen: str) -> str:
        cid = self.candidate.get("id")
        return {
            "term": "/term",
            "pool": "/term/pool",
            "new_candidate": "/term/pool/new",
            "candidate": f"/term/pool/{cid}",
            "archive": f"/term/pool/{(self.member_archive.get('candidate') or {}).get('id')}/archive",
            "requests": "/term/requests",
            "request": f"/term/requests/{(self.ranked.get('request') or {}).get('id')}",
            "dispatches": "/term/dispatches",
            "dispatch": f"/term/dispatches/{self.dispatch.get('id')}",
            "terms": "/term/terms",
            "term_decision": f"/term/terms/{self.term_of}",
            "settlements": "/term/settlements",
            "period": f"/term/settlements/{self.period.get('id')}",
            "funds": "/term/funds",
        }[screen]

    async def back_to(self, screen: str) -> None:
        """The back button: the screen above, read again (a list shows what the last change did)."""
        if screen == "term":
            await self.load_term_hub()
        elif screen == "pool":
            await self.load_pool(self.pool_status)
        elif screen == "candidate" and self.member_archive.get("candidate"):
            await self.open_candidate(int(self.member_archive["candidate"]["id"]))
        elif screen == "requests":
            await self.load_requests()
        elif screen == "dispatches":
            await self.load_dispatches()
        elif screen == "terms":
            await self.load_terms()
        elif screen == "settlements":
            await self.load_periods()
        else:
            self.go(screen)

    async def _follow_term(self, rest: list[str]) -> None:
        head, ids = (rest[0], rest[1:]) if rest else ("", [])
        number = int(ids[0]) if ids and ids[0].isdigit() else None
        if not rest:
            await self.load_term_hub()
        elif head == "pool" and not ids:
            await self.load_pool(self.pool_status)
        elif head == "pool" and ids == ["new"]:
            await self.ensure_words()
            self.new_candidate()
        elif head == "pool" and number and len(ids) == 1:
            await self.open_candidate(number)
        elif head == "pool" and number and ids[1:] == ["archive"]:
            await self.open_archive(number)
        elif head == "requests" and not ids:
            await self.load_requests()
        elif head == "requests" and number and len(ids) == 1:
            await self.open_request(number)
        elif head == "dispatches" and not ids:
            await self.load_dispatches()
        elif head == "dispatches" and number and len(ids) == 1:
            await self.open_dispatch(number)
        elif head == "terms" and not ids:
            await self.load_terms()
        elif head == "terms" and number and len(ids) == 1:
            await self.open_term(number)
        elif head == "settlements" and not ids:
            await self.load_periods()
        elif head == "settlements" and number and len(ids) == 1:
            await self.open_period(number)
        elif head == "funds" and not ids:
            await self.load_funds()
        else:
            await self.load_term_hub()

    async def follow(self, path: str) -> None:
        """Show the screen at ``path``, loading what it shows; an unknown address shows the dashboard."""
        parts = [p for p in path.split("/") if p]
        head, rest = (parts[0], parts[1:]) if parts else ("", [])
        if head == "map" and not rest:
            await self.load_map()
        elif head == "appraisal" and not rest:
            await self.load_appraisal()
        elif head == "appraisal" and len(rest) == 1 and rest[0].isdigit():
            await self.open_dossier(int(rest[0]))
        elif head == "audit" and not rest:
            await self.load_audit()
        elif head == "term":
            await self._follow_term(rest)
        else:
            self.go("dashboard")
