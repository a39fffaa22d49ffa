"""Dismissal (解聘, CQ-11): the grounds a profile lists, the check of a dismissal a person records, and the
grounds fieldlog finds in the records itself. Pure, so the appraisal and the end of a term call the same.

The grounds are profile data (``[[dismissal_grounds]]``): Chongqing lists CQ-11's five. Three are a
person's finding (own request, unable to serve, violations); two are also computed and shown for a person to
decide: ``absences`` (CQ-11's absence rule fired in the year) and ``incompetent`` (the final grade is the
profile's failing one). A recorded dismissal always names its ground and carries a written reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from shared.profiles import DismissalGround, Profile
from shared.records import NUL_MESSAGE
from shared.rules import AbsenceWarning

ABSENCES: Final = "absences"
INCOMPETENT: Final = "incompetent"
MAX_REASON: Final = 2000


class GroundError(ValueError):
    """A dismissal that cannot be recorded; ``field`` names what is wrong (``ground`` or ``reason``)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def dismissal_ground(profile: Profile, code: object) -> DismissalGround:
    """The profile's ground ``code``; `GroundError` on ``ground`` when the profile lists no such ground."""
    if not profile.dismissal_grounds:
        raise GroundError("ground", f"the {profile.name} profile lists no dismissal grounds")
    for g in profile.dismissal_grounds:
        if g.code == code:
            return g
    codes = ", ".join(g.code for g in profile.dismissal_grounds)
    raise GroundError("ground", f"must be one of {codes}")


def check_dismissal(profile: Profile, code: object, reason: object) -> tuple[DismissalGround, str]:
    """CQ-11: a dismissal as a person records it: a ground of the profile and a written reason (trimmed)."""
    ground = dismissal_ground(profile, code)
    if not isinstance(reason, str) or not reason.strip():
        raise GroundError("reason", f"is required: why {ground.label}")
    if len(reason) > MAX_REASON:
        raise GroundError("reason", f"is longer than {MAX_REASON} characters")
    if "\x00" in reason:
        raise GroundError("reason", NUL_MESSAGE)
    return ground, reason.strip()


@dataclass(frozen=True)
class FoundGround:
    """A computed ground that holds, with what shows it."""

    ground: DismissalGround
    params: dict[str, object]


def found_grounds(
    profile: Profile, absence_warning: AbsenceWarning | None, final_grade: str | None
) -> list[FoundGround]:
    """The computed grounds of the profile that hold for a planner's year (a person decides on them)."""
    by_code = {g.code: g for g in profile.dismissal_grounds if g.computed}
    out: list[FoundGround] = []
    if absence_warning is not None and ABSENCES in by_code:
        w = absence_warning
        out.append(FoundGround(by_code[ABSENCES], {"reason": w.reason, "count": w.count, "limit": w.limit}))
    if final_grade is not None and final_grade == profile.failing_grade and INCOMPETENT in by_code:
        out.append(FoundGround(by_code[INCOMPETENT], {"grade": final_grade}))
    return out


def ground_json(g: DismissalGround) -> dict[str, object]:
    return {"code": g.code, "rule_id": g.rule_id, "zh": g.label, "en": g.label_en, "computed": g.computed}
