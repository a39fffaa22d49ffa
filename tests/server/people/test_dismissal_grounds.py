"""CQ-11's dismissal grounds as profile data: the pure check the end of a term and the appraisal share."""

from __future__ import annotations

import pytest

from server.people.dismissal import GroundError, check_dismissal, dismissal_ground, found_grounds
from shared.profiles import Profile
from shared.rules import AbsenceWarning


def test_cq11_chongqing_lists_the_five_grounds_with_their_rule(chongqing: Profile) -> None:
    codes = [(g.code, g.rule_id, g.computed) for g in chongqing.dismissal_grounds]
    assert codes == [
        ("own_request", "CQ-11", False),
        ("unable_to_serve", "CQ-11", False),
        ("absences", "CQ-11", True),
        ("incompetent", "CQ-11", True),
        ("violation", "CQ-11", False),
    ]
    assert dismissal_ground(chongqing, "violation").label == "有违纪违法行为"


def test_cq11_a_recorded_dismissal_needs_a_ground_of_the_profile_and_a_reason(chongqing: Profile) -> None:
    ground, reason = check_dismissal(chongqing, "unable_to_serve", "  长期病休，无法履职  ")
    assert (ground.code, reason) == ("unable_to_serve", "长期病休，无法履职")
    for code, why, field in (
        ("fired", "x", "ground"),
        ("own_request", "", "reason"),
        ("own_request", None, "reason"),
    ):
        with pytest.raises(GroundError) as exc:
            check_dismissal(chongqing, code, why)
        assert exc.value.field == field


def test_cq11_pingdingshan_lists_no_dismissal_grounds(pingdingshan: Profile) -> None:
    with pytest.raises(GroundError, match=r"^ground: the pingdingshan profile lists no dismissal grounds"):
        dismissal_ground(pingdingshan, "own_request")
    assert found_grounds(pingdingshan, AbsenceWarning("yearly", 5, 5), "不合格") == []


def test_cq11_the_computed_grounds_hold_from_the_absence_rule_and_a_failing_grade(chongqing: Profile) -> None:
    assert found_grounds(chongqing, None, "称职") == []
    both = found_grounds(chongqing, AbsenceWarning("yearly", 5, 5), "不称职")
    assert [(f.ground.code, f.params) for f in both] == [
        ("absences", {"reason": "yearly", "count": 5, "limit": 5}),
        ("incompetent", {"grade": "不称职"}),
    ]
