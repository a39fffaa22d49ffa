"""The state of one signed-in district staff member: plain Python over `app.online.OnlineClient` (async),
testable without a page. Its methods come from the screens' modules: the review queue (`queue`),
consultation activities (`activities`) and opinion follow-up (`follow_up`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import flet as ft

from app import i18n
from app.ui.staff.activities import ActivitiesState, ActivityForm
from app.ui.staff.base import STAFF_SCREENS
from app.ui.staff.follow_up import FollowUpState
from app.ui.staff.queue import Decision, QueueState, ReviewDraft
from shared import rules


@ft.observable
@dataclass
class StaffState(QueueState, ActivitiesState, FollowUpState):
    """The state of one signed-in staff member's session."""

    SCREENS: ClassVar[tuple[str, ...]] = STAFF_SCREENS

    client: Any = field(repr=False)
    lang: str = i18n.DEFAULT_LANG
    tz: str = rules.DEFAULT_TZ
    screen: str = "queue"
    busy: bool = False
    notice: str | None = None
    error: str | None = None
    config: dict[str, Any] = field(default_factory=dict)
    districts: list[dict[str, Any]] = field(default_factory=list)
    district_id: int | None = None
    queue: list[dict[str, Any]] = field(default_factory=list)
    current_id: str | None = None
    decided: int = 0
    decisions: dict[str, Decision] = field(default_factory=dict)
    queue_planner: int | None = None
    queue_days: str = "all"
    queue_flag: str | None = None
    reason_code: str | None = None
    rejecting: bool = False
    draft: ReviewDraft = field(default_factory=ReviewDraft)
    photos: dict[str, bytes] = field(default_factory=dict, repr=False)
    activities: list[dict[str, Any]] = field(default_factory=list)
    activity: dict[str, Any] | None = None
    activity_form: ActivityForm = field(default_factory=ActivityForm)
    planners: list[dict[str, Any]] = field(default_factory=list)
    opinions: list[dict[str, Any]] = field(default_factory=list)
    opinion_id: str | None = None
    year: int = field(default_factory=lambda: datetime.now(ZoneInfo(rules.DEFAULT_TZ)).year)

    # --- the screen as an address (app.ui.routing) ---------------------------------------------------

    def route(self) -> str:
        """``/`` queue, ``/review`` the visit on screen, ``/activities[/new|/<id>]``, ``/opinions[/<id>]``."""
        if self.screen == "visit":
            return "/review"
        if self.screen == "new_activity":
            return "/activities/new"
        if self.screen == "activity":
            return f"/activities/{(self.activity or {}).get('id')}"
        if self.screen == "follow_up":
            return f"/opinions/{self.opinion_id}"
        return "/" if self.screen == "queue" else f"/{self.screen}"

    async def follow(self, path: str) -> None:
        """Show the screen at ``path``, loading what it shows; an unknown address shows the queue."""
        parts = [p for p in path.split("/") if p]
        head, rest = (parts[0], parts[1:]) if parts else ("", [])
        if head == "review" and not rest and self.current() is not None:
            # Back to the visit from another screen (the decision on it, if any, stays in sight).
            self.go("visit")
        elif head == "activities" and not rest:
            await self.load_activities()
        elif head == "activities" and rest == ["new"]:
            self.new_activity()
        elif head == "activities" and len(rest) == 1:
            await self.open_activity(rest[0])
        elif head == "opinions" and len(rest) <= 1:
            await self.load_opinions()
            if rest and any(str(o.get("id")) == rest[0] for o in self.opinions):
                self.open_follow_up(rest[0])
        else:
            self.go("queue")
