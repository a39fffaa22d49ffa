"""The state of one signed-in district staff member: plain Python over `app.online.OnlineClient` (async),
testable without a page. Its methods come from the screens' modules: the review queue (`queue`),
consultation activities (`activities`), opinion follow-up (`follow_up`), and the planner's term: terms,
gaps and requests (`term`), travel claims (`claims`) and the district's part of the appraisal
(`assessment`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import flet as ft

from app import i18n
from app.ui.staff.activities import ActivitiesState, ActivityForm
from app.ui.staff.assessment import AssessmentState
from app.ui.staff.base import STAFF_SCREENS
from app.ui.staff.claims import ClaimsState
from app.ui.staff.follow_up import FollowUpState
from app.ui.staff.queue import Decision, QueueState, ReviewDraft
from app.ui.staff.term import StaffTermState
from app.vocabulary import Words
from shared import rules


@ft.observable
@dataclass
class StaffState(QueueState, ActivitiesState, FollowUpState, StaffTermState, ClaimsState, AssessmentState):
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
    # The planner's term (read when its tab opens).
    words: Words = field(default_factory=Words, repr=False)
    staff_terms: dict[str, Any] = field(default_factory=dict, repr=False)
    staff_gaps: dict[str, Any] = field(default_factory=dict, repr=False)
    staff_requests: list[dict[str, Any]] = field(default_factory=list, repr=False)
    claims: dict[str, Any] = field(default_factory=dict, repr=False)
    receipts: dict[str, bytes] = field(default_factory=dict, repr=False)
    assessment: dict[str, Any] = field(default_factory=dict, repr=False)
    #: The planner whose district assessment is open.
    assess_of: int | None = None

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
        if self.screen in ("new_request", "claims"):
            return "/term/new" if self.screen == "new_request" else "/term/claims"
        if self.screen == "assessment":
            return f"/term/assess/{self.assess_of}"
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
        elif head == "term" and not rest:
            await self.load_term()
        elif head == "term" and rest == ["new"]:
            if await self.load_term():
                self.new_request()
        elif head == "term" and rest == ["claims"]:
            await self.load_claims()
        elif head == "term" and len(rest) == 2 and rest[0] == "assess" and rest[1].isdigit():
            if await self.load_term():
                await self.open_assessment(int(rest[1]))
        elif head == "opinions" and len(rest) <= 1:
            await self.load_opinions()
            if rest and any(str(o.get("id")) == rest[0] for o in self.opinions):
                self.open_follow_up(rest[0])
        else:
            self.go("queue")
