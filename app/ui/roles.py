"""The whole app for one browser session: sign-in, then the screens of the signed-in user's role.

Planners get the phone screens (`app.ui.planner.app`), district staff the review screens
(`app.ui.staff.app`), coordinators the dashboard and the planner's term (`app.ui.coordinator.app`), and
administrators users, districts and the roster import (`app.ui.admin.app`). Staff, coordinators and admins
work online: their states are made per sign-in (token) over `OnlineClient` and load when their screens
first show.
"""

from __future__ import annotations

from typing import Any

import flet as ft

from app.online import OnlineClient
from app.ui.admin.app import AdminApp
from app.ui.admin.state import AdminState
from app.ui.chrome import app_bar, language_switch, screen_view
from app.ui.coordinator.app import CoordinatorApp
from app.ui.coordinator.state import CoordinatorState
from app.ui.planner.app import PlannerApp
from app.ui.planner.device import Services
from app.ui.signin import SignInScreen
from app.ui.staff.app import StaffApp
from app.ui.staff.state import StaffState
from app.ui.state import AppState
from app.ui.widgets import logged

PLANNER = "planner"
STAFF = "district"
COORDINATOR = "coordinator"
ADMIN = "admin"


def role_of(state: AppState) -> str:
    user = state.user
    role = user.get("role") if isinstance(user, dict) else getattr(user, "role", None)
    return str(role or PLANNER)


class OnlineViews:
    """The online states of one browser session, made again when another user signs in."""

    def __init__(self, state: AppState, transport: Any = None, files: ft.FilePicker | None = None) -> None:
        self.state = state
        self.transport = transport
        #: The picker of documents (the admin's roster), apart from the planner's photo picker.
        self.files = files
        self._key: tuple[str | None, str | None] | None = None
        self.staff: StaffState | None = None
        self.coord: CoordinatorState | None = None
        self.admin: AdminState | None = None

    def current(self) -> tuple[StaffState | None, CoordinatorState | None]:
        key = (self.state.base_url, self.state.token)
        if key != self._key:
            self._key = key
            self.staff = self.coord = self.admin = None
            if self.state.base_url and self.state.token:
                client = OnlineClient(self.state.base_url, self.state.token, transport=self.transport)
                role = role_of(self.state)
                if role == STAFF:
                    self.staff = StaffState(client=client, lang=self.state.lang, tz=self.state.tz)
                elif role == COORDINATOR:
                    self.coord = CoordinatorState(client=client, lang=self.state.lang, tz=self.state.tz)
                elif role == ADMIN:
                    self.admin = AdminState(client=client, lang=self.state.lang, tz=self.state.tz)
        return self.staff, self.coord

    async def file_picked(self, e: Any) -> None:
        """A document was picked (with its bytes): the admin's roster, checked at once."""
        self.current()
        for f in list(e.files or [])[:1]:
            if self.admin is not None and f.bytes:
                await self.admin.roster_picked(str(f.name), bytes(f.bytes))


@ft.component
@logged
def SignInApp(state: AppState) -> list[ft.View]:
    return [
        screen_view(
            screen="signin",
            route="/",
            appbar=app_bar(title=state.tr("app.title"), back=None, actions=[language_switch(state)]),
            body=SignInScreen(state),
        )
    ]


@ft.component
@logged
def RoleApp(state: AppState, services: Services, online: OnlineViews) -> Any:
    """The whole app: sign-in, the planner's screens, or the online screens of staff and coordinators."""
    if state.store is None or state.screen == "signin":
        return SignInApp(state, key="signin")  # type: ignore[call-arg]
    # A planner opened offline may have no token; the online roles always have one.
    staff, coord = online.current()
    if staff is not None:
        return StaffApp(state, staff, key=f"staff-{id(staff)}")  # type: ignore[call-arg]
    if coord is not None:
        return CoordinatorApp(state, coord, key=f"coord-{id(coord)}")  # type: ignore[call-arg]
    if online.admin is not None:
        return AdminApp(state, online.admin, online.files, key=f"admin-{id(online.admin)}")  # type: ignore[call-arg]
    return PlannerApp(state, services, key="planner")  # type: ignore[call-arg]
