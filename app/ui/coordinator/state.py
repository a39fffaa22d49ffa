"""The state of one signed-in coordinator (or admin): plain Python over `app.online.OnlineClient` (async),
testable without a page. Its methods come from the screens' modules: the dashboard (`dashboard`), the map
(`map`), the appraisal and dossiers (`appraisal`), report downloads (`downloads`) and the audit log
(`audit`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import flet as ft

from app import i18n
from app.ui.coordinator.appraisal import AppraisalState
from app.ui.coordinator.audit import AuditState
from app.ui.coordinator.base import COORD_SCREENS
from app.ui.coordinator.dashboard import DashboardState, quarter_of
from app.ui.coordinator.downloads import DownloadsState
from app.ui.coordinator.map import MapState
from shared import rules


@ft.observable
@dataclass
class CoordinatorState(DashboardState, MapState, AppraisalState, DownloadsState, AuditState):
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

    # --- the screen as an address (app.ui.routing) ---------------------------------------------------

    def route(self) -> str:
        """``/`` dashboard, ``/audit``, ``/map``, ``/appraisal``, ``/appraisal/<planner id>`` a dossier."""
        if self.screen == "dossier":
            return f"/appraisal/{self.dossier_of}"
        return "/" if self.screen == "dashboard" else f"/{self.screen}"

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
        else:
            self.go("dashboard")
