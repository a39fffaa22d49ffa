"""What every part of an administrator's session shares: the fields (declared by `AdminState`).

Each screen's module adds its methods to `AdminState` as a mixin over `AdminBase`.
"""

from __future__ import annotations

from typing import Any

from app.errors import ServerError
from app.ui.online_state import OnlineScreens
from app.ui.termkit import TermWords
from app.vocabulary import Words

#: Every admin screen: users (a new one, one user), districts, the roster import.
ADMIN_SCREENS = ("users", "new_user", "user", "districts", "roster")
#: The roles an administrator gives, in the order a bureau adds people.
ROLES = ("planner", "district", "coordinator", "admin")


class AdminBase(OnlineScreens, TermWords):
    """The fields of an administrator's session."""

    client: Any
    tz: str
    busy: bool
    words: Words
    users: list[dict[str, Any]]
    user_id: int | None
    districts: list[dict[str, Any]]
    roster_name: str | None
    roster_bytes: bytes | None
    roster_check: dict[str, Any]
    roster_result: dict[str, Any]

    async def _read(self, screen: str, *, users: bool = False, districts: bool = False) -> bool:
        self.busy = True
        try:
            if users:
                self.users = await self.client.users()
            if districts or not self.districts:
                self.districts = await self.client.admin_districts()
        except ServerError as exc:
            self.refused(exc)
            return False
        finally:
            self.busy = False
        self.go(screen)
        return True

    def district_name(self, district_id: int) -> str:
        for d in self.districts:
            if int(d["id"]) == district_id:
                return str(d.get("name") or district_id)
        return str(district_id)

    def role_label(self, role: str | None) -> str:
        return self.tr(f"role.{role}") if role in ROLES else str(role or "")
