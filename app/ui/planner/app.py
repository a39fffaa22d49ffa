"""The planner's phone app: its screens at their addresses, as a back stack with the app bar and the tabs.

    /                 Home            /visit/<id>, /visit   a visit (no id: name the place, no GPS fix)
    /records          my records      /opinion              writing an opinion
    /sync             sync            /feedback             writing down a resident's feedback
    /term             my term, contract, dispatch notice, allowance, claims   /term/claim  a travel claim
    /records/<kind>/<id>              one opinion or resident's feedback, as written
    <screen>/photo/<sha256>           a photo full size, over the visit, feedback or page it belongs to
    <screen>/camera                   the camera, over the visit or feedback it takes a photo for

Visit, opinion and feedback open over Home: their back button (and the phone's back gesture) goes Home;
an opinion or feedback opened from my records goes back there. The browser's back button goes to the
screen before, as on any web page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import flet as ft

from app.ui.chrome import app_bar, back_button, language_switch, nav_bar, screen_view
from app.ui.planner.camera import CameraScreen
from app.ui.planner.claim import ClaimScreen
from app.ui.planner.device import Services
from app.ui.planner.feedback import FeedbackScreen
from app.ui.planner.home import HomeScreen
from app.ui.planner.opinion import OpinionScreen
from app.ui.planner.photo import PhotoScreen
from app.ui.planner.records import RecordScreen, RecordsScreen
from app.ui.planner.sync import SyncScreen, sync_now
from app.ui.planner.term import MyTermScreen
from app.ui.planner.visit import VisitScreen
from app.ui.routing import Lost, RouteSync, use_follow_address, use_route_sync
from app.ui.widgets import logged

if TYPE_CHECKING:
    from app.ui.state import AppState

TABS = ("home", "records", "sync", "term")
FORMS = ("opinion", "feedback")


def parent_of(state: AppState, screen: str) -> str:
    """Where a screen that is not a tab goes back to; the tab it lights is its parent's (or Home)."""
    if screen == "record":
        return "records"
    if screen == "photo":
        return state.photo_parent
    if screen == "camera":
        return state.camera_parent
    if screen == "claim":
        return "term"
    return "home"


def tab_of(state: AppState, screen: str) -> int:
    while screen not in TABS:
        parent = parent_of(state, screen)
        if parent == screen:
            return 0
        screen = parent
    return TABS.index(screen)


def _body(state: AppState, services: Services, screen: str) -> ft.Control:
    if screen == "visit":
        return VisitScreen(state, services, key=f"visit-{state.visit_id}")  # type: ignore[call-arg]
    if screen == "opinion":
        return OpinionScreen(state, services, key=f"opinion-{id(state.opinion)}")  # type: ignore[call-arg]
    if screen == "feedback":
        return FeedbackScreen(state, services, key=f"feedback-{id(state.feedback)}")  # type: ignore[call-arg]
    if screen == "records":
        return RecordsScreen(state, services)
    if screen == "record":
        return RecordScreen(state, services, key=f"record-{state.record_id}")  # type: ignore[call-arg]
    if screen == "photo":
        return PhotoScreen(state, services, key=f"photo-{state.photo_sha}")  # type: ignore[call-arg]
    if screen == "camera":
        return CameraScreen(state, services, key="camera")  # type: ignore[call-arg]
    if screen == "sync":
        return SyncScreen(state, services, state.sync)
    if screen == "term":
        return MyTermScreen(state, services)
    if screen == "claim":
        return ClaimScreen(state, services, key=f"claim-{id(state.claim)}")  # type: ignore[call-arg]
    return HomeScreen(state, services)


@ft.component
@logged
def PlannerPage(state: AppState, services: Services, sync: RouteSync, screen: str) -> ft.View:
    """One screen of the planner's back stack."""
    use_follow_address(sync, state)
    path = ft.use_view_path()
    tab = screen in TABS
    parent = parent_of(state, screen)

    async def on_nav(e: ft.Event[ft.NavigationBar]) -> None:
        target = TABS[int(e.control.selected_index)]
        if target == "term":
            await state.open_term()  # read from the server each time it opens
        else:
            state.go(target)

    async def back(_: Any) -> None:
        if screen == "claim":
            await state.open_term()
        else:
            state.go(parent)

    # The tabs stay at hand over Home's screens too (a visit checked out, then straight to Sync).
    nav = nav_bar(
        tab_of(state, screen),
        [
            (ft.Icons.HOME, state.tr("nav.home")),
            (ft.Icons.LIST_ALT, state.tr("nav.records")),
            (ft.Icons.SYNC, state.tr("nav.sync")),
            (ft.Icons.BADGE, state.tr("nav.my_term")),
        ],
        on_nav,
    )
    return screen_view(
        screen=screen,
        route="/" if tab else path,
        appbar=app_bar(
            title=state.tr("app.title"),
            back=None if tab else back_button(state.tr("back"), back),
            actions=[language_switch(state)],
        ),
        body=_body(state, services, screen),
        nav=nav,
        # The forms keep Save in sight: their fields scroll, the button stays at the bottom.
        scroll=screen not in FORMS,
    )


@ft.component
@logged
def PlannerApp(state: AppState, services: Services) -> Any:
    """The planner's screens at their addresses (see the module's table)."""
    sync = use_route_sync(state)

    async def first_pull() -> None:
        # Right after the first sign-in on this phone, Home would show none of the confirmed visits the
        # server has: pull at once (Home says they are coming until then).
        if state.needs_first_pull():
            await sync_now(state)

    ft.on_mounted(first_pull)

    def page(screen: str) -> Callable[[], Any]:
        return lambda: PlannerPage(state, services, sync, screen, key=f"page-{screen}")  # type: ignore[call-arg]

    def over(screen: str) -> list[ft.Route]:
        """A photo full size and the camera open over the visit or the feedback they belong to."""
        return [
            ft.Route(path="photo/:sha", component=page("photo")),
            ft.Route(path="camera", component=page("camera")),
        ]

    return ft.Router(
        [
            ft.Route(
                path="/",
                component=page("home"),
                children=[
                    ft.Route(path="visit/:id?", component=page("visit"), children=over("visit")),
                    ft.Route(path="opinion", component=page("opinion")),
                    ft.Route(path="feedback", component=page("feedback"), children=over("feedback")),
                ],
            ),
            ft.Route(
                path="records",
                component=page("records"),
                children=[
                    ft.Route(
                        path=":kind/:id",
                        component=page("record"),
                        children=[ft.Route(path="photo/:sha", component=page("photo"))],
                    )
                ],
            ),
            ft.Route(path="sync", component=page("sync")),
            ft.Route(
                path="term",
                component=page("term"),
                children=[ft.Route(path="claim", component=page("claim"))],
            ),
        ],
        not_found=lambda: Lost(sync, state),
        manage_views=True,
    )
