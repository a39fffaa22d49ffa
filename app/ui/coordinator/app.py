"""A coordinator's screens at their addresses, as a back stack with the app bar and the tabs.

    /            the dashboard          /audit                   the audit log
    /map         the map of visits
    /appraisal   the annual appraisal   /appraisal/<planner id>  a planner's dossier
    /term        the planner's term:    /term/pool[/new|/<id>[/archive]]   the pool, a candidate, an archive
                                        /term/requests[/<id>]   district requests, one ranked for a pick
                                        /term/dispatches[/<id>] dispatches: CQ-3 steps, contract, notice
                                        /term/terms[/<dispatch id>]  terms, gaps, the end-of-term decision
                                        /term/settlements[/<id>], /term/funds   PDS-9 allowance, CQ-6 funds

Coordinators work online: a tab loads what it shows when tapped (and when the browser goes back to it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import flet as ft

from app.ui.chrome import app_bar, back_button, language_switch, nav_bar, screen_view, sign_out_button
from app.ui.coordinator.appraisal import AppraisalScreen, DossierScreen
from app.ui.coordinator.archive import ArchiveScreen
from app.ui.coordinator.audit import AuditScreen
from app.ui.coordinator.dashboard import DashboardScreen
from app.ui.coordinator.dispatches import DispatchesScreen, DispatchScreen
from app.ui.coordinator.map import MapScreen
from app.ui.coordinator.money import FundsScreen, PeriodScreen, SettlementsScreen
from app.ui.coordinator.pool import CandidateScreen, NewCandidateScreen, PoolScreen
from app.ui.coordinator.requests import RequestScreen, RequestsScreen
from app.ui.coordinator.state import TERM_PARENT, CoordinatorState
from app.ui.coordinator.term_base import TermHubScreen
from app.ui.coordinator.terms import TermDecisionScreen, TermsScreen
from app.ui.routing import Lost, RouteSync, use_follow_address, use_route_sync
from app.ui.widgets import logged

if TYPE_CHECKING:
    from app.ui.state import AppState

TABS = ("dashboard", "map", "appraisal", "term")
#: Where the back button goes from a screen that is not a tab.
PARENT = {"dossier": "appraisal", "audit": "dashboard", **TERM_PARENT}
#: The term's screens, each keyed by what it shows (a new one opens at its top with fresh fields).
TERM_SCREENS: dict[str, Callable[[CoordinatorState], Any]] = {
    "term": TermHubScreen,
    "pool": PoolScreen,
    "new_candidate": NewCandidateScreen,
    "candidate": CandidateScreen,
    "archive": ArchiveScreen,
    "requests": RequestsScreen,
    "request": RequestScreen,
    "dispatches": DispatchesScreen,
    "dispatch": DispatchScreen,
    "terms": TermsScreen,
    "term_decision": TermDecisionScreen,
    "settlements": SettlementsScreen,
    "period": PeriodScreen,
    "funds": FundsScreen,
}


def tab_of(screen: str) -> int:
    while screen not in TABS:
        screen = PARENT[screen]
    return TABS.index(screen)


async def open_tab(coord: CoordinatorState, index: int) -> None:
    """A tab opens with what the server has now."""
    target = TABS[index]
    if target == "dashboard":
        coord.go("dashboard")
        await coord.load()
    elif target == "map":
        await coord.load_map()
    elif target == "term":
        await coord.load_term_hub()
    else:
        await coord.load_appraisal()


def _body(coord: CoordinatorState, screen: str) -> ft.Control:
    if screen == "map":
        return MapScreen(coord)
    if screen == "appraisal":
        return AppraisalScreen(coord)
    if screen == "audit":
        return AuditScreen(coord)
    if screen == "dossier":
        return DossierScreen(coord, key=f"dossier-{id(coord.dossier)}")  # type: ignore[call-arg]
    if screen in TERM_SCREENS:
        # Keyed by the address of what it shows: another candidate (or dispatch...) opens with fresh fields.
        return TERM_SCREENS[screen](coord, key=coord._term_route(screen))  # type: ignore[call-arg]
    return DashboardScreen(coord)


@ft.component
@logged
def CoordinatorPage(state: AppState, coord: CoordinatorState, sync: RouteSync, screen: str) -> ft.View:
    """One screen of the coordinator's back stack."""
    use_follow_address(sync, coord)
    path = ft.use_view_path()
    parent = PARENT.get(screen)

    async def on_nav(e: ft.Event[ft.NavigationBar]) -> None:
        await open_tab(coord, int(e.control.selected_index))

    def switched() -> None:
        coord.lang = state.lang

    async def back(_: Any) -> None:
        if parent is not None:
            await coord.back_to(parent)

    return screen_view(
        screen=screen,
        route=path if parent else "/",
        appbar=app_bar(
            # With a back button the title would be cut off on a 390 px phone; the screen says where you are.
            title=None if parent else state.tr("app.title"),
            back=back_button(state.tr("back"), back) if parent else None,
            actions=[language_switch(state, switched), sign_out_button(state)],
        ),
        body=_body(coord, screen),
        nav=nav_bar(
            tab_of(screen),
            [
                (ft.Icons.DASHBOARD, coord.tr("nav.dashboard")),
                (ft.Icons.MAP, coord.tr("nav.map")),
                (ft.Icons.GRADING, coord.tr("nav.appraisal")),
                (ft.Icons.BADGE, coord.tr("nav.term")),
            ],
            on_nav,
        ),
    )


@ft.component
@logged
def CoordinatorApp(state: AppState, coord: CoordinatorState) -> Any:
    """The coordinator's screens at their addresses (see the module's table)."""
    ft.on_mounted(coord.load)
    sync = use_route_sync(coord)

    def page(screen: str) -> Callable[[], Any]:
        return lambda: CoordinatorPage(state, coord, sync, screen, key=f"page-{screen}")  # type: ignore[call-arg]

    return ft.Router(
        [
            ft.Route(
                path="/",
                component=page("dashboard"),
                children=[ft.Route(path="audit", component=page("audit"))],
            ),
            ft.Route(path="map", component=page("map")),
            ft.Route(
                path="appraisal",
                component=page("appraisal"),
                children=[ft.Route(path=":pid", component=page("dossier"))],
            ),
            ft.Route(
                path="term",
                component=page("term"),
                children=[
                    ft.Route(
                        path="pool",
                        component=page("pool"),
                        children=[
                            ft.Route(path="new", component=page("new_candidate")),
                            ft.Route(
                                path=":cid",
                                component=page("candidate"),
                                children=[ft.Route(path="archive", component=page("archive"))],
                            ),
                        ],
                    ),
                    ft.Route(
                        path="requests",
                        component=page("requests"),
                        children=[ft.Route(path=":rid", component=page("request"))],
                    ),
                    ft.Route(
                        path="dispatches",
                        component=page("dispatches"),
                        children=[ft.Route(path=":did", component=page("dispatch"))],
                    ),
                    ft.Route(
                        path="terms",
                        component=page("terms"),
                        children=[ft.Route(path=":tid", component=page("term_decision"))],
                    ),
                    ft.Route(
                        path="settlements",
                        component=page("settlements"),
                        children=[ft.Route(path=":pid", component=page("period"))],
                    ),
                    ft.Route(path="funds", component=page("funds")),
                ],
            ),
        ],
        not_found=lambda: Lost(sync, coord),
        manage_views=True,
    )
