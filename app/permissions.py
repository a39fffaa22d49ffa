"""Runtime permissions on a phone (location, camera), asked right before the app uses them.

`PermissionGate` is plain Python: it asks through a function the device provides (the platform plugins'
own requests), turns the answer into one of four outcomes, and words a refusal with what still works: a
visit without a fix is saved with the place the planner names, a photo can still come from the gallery.
In web mode the browser asks by itself when a position is wanted, so the gate is not used there.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any, Final, Literal

from app.i18n import t

log = logging.getLogger(__name__)

Need = Literal["location", "camera"]
Outcome = Literal["granted", "denied", "denied_forever", "unavailable"]
#: Asks the phone for one permission; returns the plugin's status (an enum or its string value).
Ask = Callable[[Need], Awaitable[object]]

# The statuses of flet-geolocator (location) and flet-permission-handler (camera), by their wire values.
_OUTCOMES: Final[dict[str, Outcome]] = {
    "granted": "granted",
    "whileInUse": "granted",
    "always": "granted",
    "limited": "granted",
    "provisional": "granted",
    "denied": "denied",
    "deniedForever": "denied_forever",
    "permanentlyDenied": "denied_forever",
    # Parental controls or a device policy: the planner cannot change it either, so the same words.
    "restricted": "denied_forever",
    "unableToDetermine": "unavailable",
}


def outcome_of(status: object) -> Outcome:
    """The outcome of a plugin's answer; anything unknown (or no answer) counts as unavailable."""
    value = status.value if isinstance(status, Enum) else status
    return _OUTCOMES.get(value, "unavailable") if isinstance(value, str) else "unavailable"


@dataclass(frozen=True)
class PermissionAnswer:
    need: Need
    outcome: Outcome

    @property
    def granted(self) -> bool:
        return self.outcome == "granted"

    @property
    def needs_settings(self) -> bool:
        """Only the phone's settings can change it now (the request dialog will not show again)."""
        return self.outcome == "denied_forever"

    def title(self, lang: str) -> str:
        return t(lang, f"permission.{self.need}.title")

    def text(self, lang: str) -> str | None:
        """The refusal in plain words with what still works; None when granted."""
        return None if self.granted else t(lang, f"permission.{self.need}.{self.outcome}")


class PermissionGate:
    """Asks for a permission each time before use: the phone answers at once when it was already given,
    and shows its dialog again after a one-time refusal (until the planner says never)."""

    def __init__(self, ask: Ask, *, timeout_s: float = 120.0) -> None:
        self._ask = ask
        # The planner may take a while at the system dialog; past this the app goes on without.
        self.timeout_s = timeout_s
        self.last: dict[Need, PermissionAnswer] = {}

    async def ensure(self, need: Need) -> PermissionAnswer:
        try:
            status = await asyncio.wait_for(self._ask(need), timeout=self.timeout_s)
        except Exception as exc:  # no plugin, no answer in time, a platform error: all mean "not now"
            log.info("permission %s: no answer (%r)", need, exc)
            status = None
        answer = PermissionAnswer(need, outcome_of(status))
        self.last[need] = answer
        return answer


def device_ask(geolocator: Any, handler: Any) -> Ask:
    """The phone's own requests: location through flet-geolocator (whose fix needs it), the camera through
    flet-permission-handler."""

    async def ask(need: Need) -> object:
        if need == "location":
            status = await geolocator.request_permission()
            if outcome_of(status) == "granted" and not await geolocator.is_location_service_enabled():
                # Allowed, but location is switched off for the whole phone: no fix will come.
                return "unableToDetermine"
            return status
        from flet_permission_handler import Permission

        return await handler.request(Permission.CAMERA)

    return ask
