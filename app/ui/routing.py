"""Screens as addresses: `ft.Router` draws the screen at the browser's address, as a back stack of views,
and `RouteSync` keeps that address and the state's screen in step.

Each role's state says where it is (``route()``) and can go to an address (``follow(path)``). One side
decides at a time:

- a tap changes the state (check in, save, a tab); the browser is then sent to the state's address, which
  adds a history entry (`RouteSync.state_changed`);
- the browser's back and forward buttons, the phone's back gesture (the view stack pops) and a typed
  address change the address; the state then follows it (`RouteSync.arrived`).

While the browser has not yet shown an address the state asked for, the addresses it reports are older
ones and are not followed. When a role's screens first show (after sign-in), the state decides.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Protocol

import flet as ft


class Routed(Protocol):
    """A role's state as an address: where it is, and going somewhere by address."""

    def route(self) -> str: ...

    def follow(self, path: str) -> Awaitable[None] | None: ...


class RouteSync:
    """Keeps the browser's address and the state's screen in step (one decides, the other follows)."""

    def __init__(self, navigate: Callable[[str], None], current: str) -> None:
        self._navigate = navigate
        self._seen = current or "/"
        self._asked: str | None = None
        self._started = False

    @property
    def pending(self) -> str | None:
        """The address the browser was asked for and has not shown yet."""
        return self._asked

    def _ask(self, route: str) -> None:
        self._asked = route
        self._navigate(route)

    def state_changed(self, wanted: str) -> None:
        """The state is at ``wanted``: send the browser there unless it is there or on its way."""
        self._started = True
        if wanted != (self._asked if self._asked is not None else self._seen):
            self._ask(wanted)

    def arrived(self, location: str, wanted: str) -> bool:
        """The browser shows ``location`` and the state is at ``wanted``: True when the state must follow."""
        self._seen = location
        if not self._started:
            self._started = True
            if location != wanted:
                self._ask(wanted)
            return False
        if self._asked is not None:
            if location == self._asked:
                self._asked = None
            return False
        return location != wanted


def use_route_sync(state: Routed) -> RouteSync:
    """For a role's app component: the session's `RouteSync`, and the browser sent where the state is."""
    page = ft.context.page
    sync = ft.use_memo(lambda: RouteSync(page.navigate, page.route or "/"), [])
    wanted = state.route()
    ft.use_effect(lambda: sync.state_changed(state.route()), [wanted])
    return sync


async def follow_address(sync: RouteSync, state: Routed, location: str) -> None:
    """The browser shows ``location``: the state follows it when it must (see `RouteSync.arrived`)."""
    if not sync.arrived(location, state.route()):
        return
    done = state.follow(location)
    if inspect.isawaitable(done):
        await done
    # An unknown address, or a screen that could not load, leaves the state elsewhere: show that.
    sync.state_changed(state.route())


def use_follow_address(sync: RouteSync, state: Routed) -> None:
    """For each routed screen: when it is the top of the back stack, the state follows the address."""
    location = ft.use_route_location()
    top = ft.use_view_path() == location

    async def follow() -> None:
        if top:
            await follow_address(sync, state, location)

    ft.use_effect(follow, [location, top])


@ft.component
def Lost(sync: RouteSync, state: Routed) -> ft.Control:
    """What the router shows at an address no screen has: nothing, while the state takes the browser back."""

    async def leave() -> None:
        await follow_address(sync, state, ft.context.page.route or "/")

    ft.on_mounted(leave)
    return ft.Container()
