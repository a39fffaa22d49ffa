"""What the staff and coordinator states share: their screens, words, and a failed request in plain words.

Staff and coordinators work online: what they see comes from the server when a screen opens, and a request
that fails leaves the screen as it was, with the reason said plainly (`app.errors.plain`).
"""

from __future__ import annotations

from typing import ClassVar

from app import i18n
from app.errors import ServerError, plain


class OnlineScreens:
    """Mixin for an observable state with ``lang``, ``screen``, ``notice`` and ``error`` fields."""

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

    def _fail(self, exc: ServerError) -> None:
        self.error = plain(self.lang, exc, offline_first=False)
