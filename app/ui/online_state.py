"""What the staff and coordinator view-models share: screen switching, words, online errors in plain words."""

from __future__ import annotations

from typing import ClassVar

from app import i18n
from app.online import OnlineError


def plain(lang: str, exc: OnlineError) -> str:
    """An online error as one sentence: unreachable, signed out, or the server's words with the field."""
    if exc.unreachable:
        return i18n.t(lang, "online.unreachable")
    if exc.status == 401:
        return i18n.t(lang, "error.auth")
    if exc.status == 403 or exc.status == 404:
        return i18n.t(lang, "online.not_allowed")
    return i18n.t(lang, "online.refused", detail=exc.detail)


class OnlineScreens:
    """Mixin for an observable view-model with ``lang``, ``screen``, ``notice`` and ``error`` fields."""

    SCREENS: ClassVar[tuple[str, ...]] = ()
    lang: str
    screen: str
    notice: str | None
    error: str | None

    def tr(self, key: str, **values: object) -> str:
        return i18n.t(self.lang, key, **values)

    def go(self, screen: str) -> None:
        if screen not in self.SCREENS:
            raise ValueError(f"screen: unknown {screen!r}")
        self.error = None
        if screen != self.screen:
            self.notice = None
        self.screen = screen

    def _fail(self, exc: OnlineError) -> None:
        self.error = plain(self.lang, exc)
