"""What every part of a staff member's session shares: the fields (declared by `StaffState`) and helpers.

Each screen's module adds its methods to `StaffState` as a mixin over `StaffBase`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app import i18n
from app.i18n import fmt_time
from app.ui.online_state import OnlineScreens

if TYPE_CHECKING:
    from app.ui.staff.activities import ActivityForm
    from app.ui.staff.queue import Decision, ReviewDraft, VisitView

#: Every staff screen: the queue and one visit in it, activities, one new or held, opinions to follow up;
#: the planner's term (their planners' terms and gaps, a new request, travel claims, the district's part of
#: the joint appraisal).
STAFF_SCREENS = (
    "queue",
    "visit",
    "activities",
    "new_activity",
    "activity",
    "opinions",
    "follow_up",
    "term",
    "new_request",
    "claims",
    "assessment",
)


class StaffBase(OnlineScreens):
    """The fields of a staff member's session and the helpers every screen's methods use."""

    client: Any
    tz: str
    busy: bool
    config: dict[str, Any]
    districts: list[dict[str, Any]]
    district_id: int | None
    queue: list[dict[str, Any]]
    current_id: str | None
    decided: int
    decisions: dict[str, Decision]
    queue_planner: int | None
    queue_days: str
    queue_flag: str | None
    reason_code: str | None
    rejecting: bool
    draft: ReviewDraft
    photos: dict[str, bytes]
    activities: list[dict[str, Any]]
    activity: dict[str, Any] | None
    activity_form: ActivityForm
    planners: list[dict[str, Any]]
    opinions: list[dict[str, Any]]
    opinion_id: str | None
    year: int

    # Provided by the screens' mixins.
    def current(self) -> VisitView | None:
        raise NotImplementedError

    def _required(self, label_key: str) -> str:
        return i18n.t(self.lang, "error.field", field=self.tr(label_key), message=self.tr("error.required"))

    def when(self, value: Any) -> str:
        return (
            fmt_time(value, self.lang, self.tz)
            if isinstance(value, str) and "T" in value
            else str(value or "")
        )
