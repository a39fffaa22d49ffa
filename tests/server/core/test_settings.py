"""Settings read from the environment: a wrong value is refused in one line naming the variable."""

from __future__ import annotations

import pytest

from server.core.settings import Settings


def test_the_undo_window_is_ten_minutes_unless_set() -> None:
    assert Settings.from_env({}).review_undo_minutes == 10
    assert Settings.from_env({"FIELDLOG_REVIEW_UNDO_MINUTES": "3"}).review_undo_minutes == 3


@pytest.mark.parametrize("raw", ["0", "-5", "ten"])
def test_a_wrong_undo_window_names_its_variable(raw: str) -> None:
    with pytest.raises(ValueError, match=r"^FIELDLOG_REVIEW_UNDO_MINUTES: "):
        Settings.from_env({"FIELDLOG_REVIEW_UNDO_MINUTES": raw})
