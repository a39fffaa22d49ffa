"""Summary indexes: partial covering indexes, planner first, for the yearly per-planner summary.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 09:05:02.905459
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _where(condition: str) -> dict[str, Any]:
    return {
        "sqlite_where": sa.text(condition.format(false="0")),
        "postgresql_where": sa.text(condition.format(false="false")),
    }


def upgrade() -> None:
    op.drop_index("ix_visits_summary", table_name="visits")
    op.drop_index("ix_opinions_summary", table_name="opinions")
    op.drop_index("ix_feedback_summary", table_name="feedback")
    op.create_index(
        "ix_visits_counted",
        "visits",
        ["planner_id", "started_at", "duration_s", "review", "ended_at", "deleted"],
        **_where("review = 'confirmed' AND ended_at IS NOT NULL AND deleted = {false}"),
    )
    op.create_index(
        "ix_visits_pending",
        "visits",
        ["planner_id", "started_at", "review", "deleted"],
        **_where("review = 'pending' AND deleted = {false}"),
    )
    op.create_index(
        "ix_opinions_live", "opinions", ["planner_id", "issued_at", "deleted"], **_where("deleted = {false}")
    )
    op.create_index(
        "ix_feedback_live",
        "feedback",
        ["planner_id", "collected_at", "deleted"],
        **_where("deleted = {false}"),
    )


def downgrade() -> None:
    op.drop_index("ix_feedback_live", table_name="feedback")
    op.drop_index("ix_opinions_live", table_name="opinions")
    op.drop_index("ix_visits_pending", table_name="visits")
    op.drop_index("ix_visits_counted", table_name="visits")
    op.create_index("ix_feedback_summary", "feedback", ["collected_at", "planner_id", "deleted"])
    op.create_index("ix_opinions_summary", "opinions", ["issued_at", "planner_id", "deleted"])
    op.create_index(
        "ix_visits_summary",
        "visits",
        ["started_at", "planner_id", "review", "ended_at", "duration_s", "deleted"],
    )
