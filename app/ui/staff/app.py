"""District staff's screens at their addresses, as a back stack with the app bar and the tabs.

    /                  the review queue       /review           the visit being decided
    /activities        activities             /activities/new   a new activity; /activities/<id> one
    /opinions          opinions to follow up  /opinions/<id>    one opinion's follow-up
    /term              their planners' terms, gaps, requests   /term/new  a new request
                       /term/claims  travel claims (CQ-6)      /term/assess/<planner id>  the district's
                       part of the joint appraisal (PDS-10)

Staff work online: a tab loads what it shows when tapped (and when the browser goes back to it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import flet as ft

from app.ui.chrome import app_bar, back_button, language_switch, nav_bar, screen_view, sign_out_button
from app.ui.routing import Lost, RouteSync, use_follow_address, use_route_sync
from app.ui.staff.activities import ActivitiesScreen, ActivityScreen, NewActivityScreen
from app.ui.staff.assessment import AssessmentScreen
from app.ui.staff.claims import ClaimsScreen
from app.ui.staff.follow_up import FollowUpScreen, OpinionsScreen
from app.ui.staff.queue import QueueScreen, ReviewScreen, decision_bar
from app.ui.staff.state import StaffState
from app.ui.staff.term import NewRequestScreen, StaffTermScreen
from app.ui.widgets import logged, with_footer

if TYPE_CHECKING:
    from app.ui.state import AppState

TABS = ("queue", "activities", "opinions", "term")
#: The tab each screen belongs to (lit in the tab bar).
TAB_OF = {
    "visit": 0,
    "new_activity": 1,
    "activity": 1,
    "follow_up": 2,
    "new_request": 3,
    "claims": 3,
    "assessment": 3,
}
#: Where the back button goes from a screen that is not a tab.
PARENT = {
    "visit": "queue",
    "new_activity": "activities",
    "activity": "activities",
    "follow_up": "opinions",
    "new_request": "term",
    "claims": "term",
    "assessment": "term",
}


async def open_tab(staff: StaffState, index: int) -> None:
    """A tab opens with what the server has now."""
    target = TABS[index]
    if target == "queue":
        staff.go("queue")
        await staff.load()
    elif target == "activities":
        await staff.load_activities()
    elif target == "term":
        await staff.load_term()
    else:
        await staff.load_opinions()


def _body(staff: StaffState, screen: str) -> ft.Control:
    if screen == "visit":
        return ReviewScreen(staff, key=f"review-{staff.current_id}")  # type: ignore[call-arg]
    if screen == "activities":
        return ActivitiesScreen(staff)
    if screen == "new_activity":
        return NewActivityScreen(staff)
    if screen == "activity":
        return ActivityScreen(staff, key=f"activity-{(staff.activity or {}).get('id')}")  # type: ignore[call-arg]
    if screen == "opinions":
        return OpinionsScreen(staff)
    if screen == "follow_up":
        return FollowUpScreen(staff, key=f"follow-{staff.opinion_id}")  # type: ignore[call-arg]
    if screen == "term":
        return StaffTermScreen(staff)
    if screen == "new_request":
        return NewRequestScreen(staff)
    if screen == "claims":
        return ClaimsScreen(staff)
    if screen == "assessment":
        return AssessmentScreen(staff, key=f"assess-{staff.assess_of}")  # type: ignore[call-arg]
    return QueueScreen(staff)


@ft.component
@logged
def StaffPage(state: AppState, staff: StaffState, sync: RouteSync, screen: str) -> ft.View:
    """One screen of the staff member's back stack."""
    use_follow_address(sync, staff)
    path = ft.use_view_path()
    parent = PARENT.get(screen)

    async def on_nav(e: ft.Event[ft.NavigationBar]) -> None:
        await open_tab(staff, int(e.control.selected_index))

    def switched() -> None:
        staff.lang = state.lang

    async def back(_: Any) -> None:
        # The term's tab is read again on the way back (a request just filed, a claim just decided).
        if parent == "term":
            await staff.load_term()
        elif parent is not None:
            staff.go(parent)

    appbar = app_bar(
        # With a back button the title would be cut off on a 390 px phone; the screen says where you are.
        title=None if parent else state.tr("app.title"),
        back=back_button(state.tr("back"), back) if parent else None,
        actions=[language_switch(state, switched), sign_out_button(state)],
    )
    reviewing = screen == "visit" and staff.current() is not None
    body = _body(staff, screen)
    return screen_view(
        screen=screen,
        route=path if parent else "/",
        appbar=appbar,
        # Reviewing: the visit scrolls, the decisions stay at the bottom under the thumb, above the tabs.
        body=with_footer(body, decision_bar(staff)) if reviewing else body,
        scroll=not reviewing,
        nav=nav_bar(
            TABS.index(screen) if screen in TABS else TAB_OF[screen],
            [
                (ft.Icons.FACT_CHECK, staff.tr("nav.queue")),
                (ft.Icons.GROUPS, staff.tr("nav.activities")),
                (ft.Icons.RATE_REVIEW, staff.tr("nav.opinions")),
                (ft.Icons.BADGE, staff.tr("nav.staff_term")),
            ],
            on_nav,
        ),
    )


@ft.component
@logged
def StaffApp(state: AppState, staff: StaffState) -> Any:
    """The staff member's screens at their addresses (see the module's table)."""
    ft.on_mounted(staff.load)
    sync = use_route_sync(staff)

    def page(screen: str) -> Callable[[], Any]:
        return lambda: StaffPage(state, staff, sync, screen, key=f"page-{screen}")  # type: ignore[call-arg]

    return ft.Router(
        [
            ft.Route(
                path="/", component=page("queue"), children=[ft.Route(path="review", component=page("visit"))]
            ),
            ft.Route(
                path="activities",
                component=page("activities"),
                children=[
                    ft.Route(path="new", component=page("new_activity")),
                    ft.Route(path=":id", component=page("activity")),
                ],
            ),
            ft.Route(
                path="opinions",
                component=page("opinions"),
                children=[ft.Route(path=":id", component=page("follow_up"))],
            ),
            ft.Route(
                path="term",
                component=page("term"),
                children=[
                    ft.Route(path="new", component=page("new_request")),
                    ft.Route(path="claims", component=page("claims")),
                    ft.Route(path="assess/:pid", component=page("assessment")),
                ],
            ),
        ],
        not_found=lambda: Lost(sync, staff),
        manage_views=True,
    )
