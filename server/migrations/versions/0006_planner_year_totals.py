"""Per-planner yearly totals kept by every write, so the summary reads thousands of rows, not millions.

The table starts empty with no `totals_state` row; `server.totals.ensure` (run by ``fieldlog db upgrade``
and at server start) then builds it from the records for the configured time zone.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 20:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "planner_year_totals",
        sa.Column("planner_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("visits_confirmed", sa.Integer(), nullable=False),
        sa.Column("confirmed_hundredths", sa.BigInteger(), nullable=False),
        sa.Column("visits_pending", sa.Integer(), nullable=False),
        sa.Column("opinions", sa.Integer(), nullable=False),
        sa.Column("feedback", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["planner_id"], ["users.id"], ondelete="CASCADE", name="fk_planner_year_totals_planner_id_users"
        ),
        sa.PrimaryKeyConstraint("planner_id", "year", name="pk_planner_year_totals"),
    )
    op.create_index("ix_planner_year_totals_year", "planner_year_totals", ["year", "planner_id"])
    op.create_table(
        "totals_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("tz", sa.String(64), nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_totals_state"),
    )


def downgrade() -> None:
    op.drop_table("totals_state")
    op.drop_index("ix_planner_year_totals_year", table_name="planner_year_totals")
    op.drop_table("planner_year_totals")
