"""The state of one signed-in administrator: plain Python over `app.online.OnlineClient` (async), testable
without a page. Its methods come from the screens' modules: users (`users`), districts (`districts`) and
the roster import (`roster`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import flet as ft

from app import i18n
from app.ui.admin.base import ADMIN_SCREENS
from app.ui.admin.districts import DistrictsState
from app.ui.admin.roster import RosterState
from app.ui.admin.users import UsersState
from app.vocabulary import Words
from shared import rules


@ft.observable
@dataclass
class AdminState(UsersState, DistrictsState, RosterState):
    """The state of one signed-in administrator's session."""

    SCREENS: ClassVar[tuple[str, ...]] = ADMIN_SCREENS

    client: Any = field(repr=False)
    lang: str = i18n.DEFAULT_LANG
    tz: str = rules.DEFAULT_TZ
    screen: str = "users"
    busy: bool = False
    notice: str | None = None
    error: str | None = None
    words: Words = field(default_factory=Words, repr=False)
    users: list[dict[str, Any]] = field(default_factory=list)
    user_id: int | None = None
    districts: list[dict[str, Any]] = field(default_factory=list)
    roster_name: str | None = None
    roster_bytes: bytes | None = field(default=None, repr=False)
    roster_check: dict[str, Any] = field(default_factory=dict)
    roster_result: dict[str, Any] = field(default_factory=dict)

    # --- the screen as an address (app.ui.routing) ---------------------------------------------------

    def route(self) -> str:
        """``/`` users, ``/users/new``, ``/users/<id>``, ``/districts``, ``/roster``."""
        if self.screen == "new_user":
            return "/users/new"
        if self.screen == "user":
            return f"/users/{self.user_id}"
        return "/" if self.screen == "users" else f"/{self.screen}"

    async def follow(self, path: str) -> None:
        parts = [p for p in path.split("/") if p]
        head, rest = (parts[0], parts[1:]) if parts else ("", [])
        if head == "users" and rest == ["new"]:
            await self._read("users", districts=not self.districts)
            self.new_user()
        elif head == "users" and len(rest) == 1 and rest[0].isdigit():
            await self.open_user(int(rest[0]))
        elif head == "districts" and not rest:
            await self.load_districts()
        elif head == "roster" and not rest:
            self.open_roster()
        else:
            await self.load_users()
