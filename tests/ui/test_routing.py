"""The browser's address and the state's screen stay in step: one decides at a time, the other follows.

`RouteSync` is plain Python: ``navigate`` here records where the browser is sent, as ``page.navigate``
would send it.
"""

from __future__ import annotations

from app.ui.routing import RouteSync


def _sync(current: str = "/") -> tuple[RouteSync, list[str]]:
    sent: list[str] = []
    return RouteSync(sent.append, current), sent


def test_after_sign_in_the_state_decides_even_when_the_browser_reports_its_old_address_first() -> None:
    sync, sent = _sync("/sync")
    assert not sync.arrived("/sync", "/")  # the state is on Home after signing in
    assert sent == ["/"]
    sync.state_changed("/")  # the same request, not a second history entry
    assert sent == ["/"]
    assert not sync.arrived("/", "/")
    assert sync.pending is None


def test_after_sign_in_the_state_decides_when_it_speaks_first() -> None:
    sync, sent = _sync("/records")
    sync.state_changed("/")
    assert not sync.arrived("/records", "/")  # the old address, while the browser goes Home
    assert sent == ["/"]


def test_a_tap_sends_the_browser_once_and_its_arrival_is_not_followed_again() -> None:
    sync, sent = _sync()
    sync.arrived("/", "/")
    sync.state_changed("/visit/v1")  # checked in
    sync.state_changed("/visit/v1")  # a re-render with the same screen
    assert sent == ["/visit/v1"]
    assert not sync.arrived("/visit/v1", "/visit/v1")
    assert sync.pending is None


def test_the_browsers_back_button_is_followed_by_the_state() -> None:
    sync, sent = _sync()
    sync.arrived("/", "/")
    sync.state_changed("/records")
    sync.arrived("/records", "/records")
    assert sync.arrived("/", "/records")  # back: the state must show Home
    sync.state_changed("/")  # the state followed: nothing more to ask of the browser
    assert sent == ["/records"]


def test_an_older_address_reported_while_the_browser_is_on_its_way_is_not_followed() -> None:
    sync, sent = _sync()
    sync.arrived("/", "/")
    sync.state_changed("/opinion")
    assert not sync.arrived("/", "/opinion")  # reported before the browser got the request
    assert sync.pending == "/opinion"
    assert not sync.arrived("/opinion", "/opinion")
    assert sent == ["/opinion"]


def test_a_screen_opened_and_left_before_the_browser_caught_up_ends_where_the_state_is() -> None:
    sync, sent = _sync()
    sync.arrived("/", "/")
    sync.state_changed("/records")
    sync.state_changed("/")  # straight back Home before "/records" arrived
    assert sent == ["/records", "/"]
    assert not sync.arrived("/records", "/")  # the first request lands: not followed
    assert not sync.arrived("/", "/")
    assert sync.pending is None
