"""The app inside a phone build (`flet build apk|ipa`): the services that ask for permissions before use.

In web mode the browser asks for the location by itself and none of this runs; on a phone the system
dialog must be asked for by the app, and a refusal is explained in a dialog that says what still works.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import flet as ft

from app import i18n
from app.permissions import PermissionAnswer, PermissionGate
from app.ui.planner.device import Services
from app.ui.state import Fix

PHONES = (ft.PagePlatform.ANDROID, ft.PagePlatform.ANDROID_TV, ft.PagePlatform.IOS)


def on_phone(page: Any) -> bool:
    """True in a phone build; False in web mode, even when the browser runs on a phone."""
    return not page.web and page.platform in PHONES


def refusal_dialog(
    answer: PermissionAnswer, lang: str, open_settings: Callable[[], Any], close: Callable[[], Any]
) -> ft.AlertDialog:
    """What the planner sees after saying no: what still works, and the way to the settings if needed."""
    actions: list[ft.Control] = []
    if answer.needs_settings:

        async def settings(_: Any) -> None:
            close()
            await open_settings()

        actions.append(ft.TextButton(content=i18n.t(lang, "permission.open_settings"), on_click=settings))
    actions.append(ft.TextButton(content=i18n.t(lang, "permission.ok"), on_click=lambda _: close()))
    return ft.AlertDialog(
        modal=True,
        title=ft.Text(answer.title(lang), size=20, weight=ft.FontWeight.BOLD),
        content=ft.Text(answer.text(lang) or "", size=18),
        actions=actions,
    )


@dataclass
class PhoneServices(Services):
    """`Services` of a phone build: the location permission is asked for before each fix, the camera's
    before the camera opens."""

    gate: PermissionGate | None = None
    lang: Callable[[], str] = field(default=lambda: i18n.DEFAULT_LANG)

    async def get_fix(self) -> Fix | None:
        if self.gate is not None:
            answer = await self.gate.ensure("location")
            if not answer.granted:
                self.explain(answer)
                return None
        return await super().get_fix()

    async def camera_allowed(self) -> bool:
        """The camera permission, asked right before the camera opens; a refusal is explained (the gallery
        still works)."""
        if self.gate is None:
            return True
        answer = await self.gate.ensure("camera")
        if not answer.granted:
            self.explain(answer)
        return answer.granted

    def explain(self, answer: PermissionAnswer) -> None:
        self.page.show_dialog(
            refusal_dialog(answer, self.lang(), self.geolocator.open_app_settings, self.page.pop_dialog)
        )
