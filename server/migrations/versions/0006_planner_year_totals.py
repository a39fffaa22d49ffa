"""Yearly totals per planner and district kept by every write: the summary and dashboard read thousands of
rows, not millions.

The district totals of the dashboard read it too, so migration 0005's index for them goes: one index
fewer to update on every pushed visit.

The table starts empty with no `totals_state` row; `server.sync.totals.ensure` (run by ``fieldlog db upgrade``
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
        sa.Column("district_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("visits_confirmed", sa.Integer(), nullable=False),
        sa.Column("confirmed_hundredths", sa.BigInteger(), nullable=False),
        sa.Column("visits_pending", sa.Integer(), nullable=False),
        sa.Column("opinions", sa.Integer(), nullable=False),
        sa.Column("feedback", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["planner_id"], ["users.id"], ondelete="CASCADE", name="fk_planner_year_totals_planner_id_users"
        ),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["districts.id"],
            ondelete="CASCADE",
            name="fk_planner_year_totals_district_id_districts",
        ),
        sa.PrimaryKeyConstraint("planner_id", "district_id", "year", name="pk_planner_year_totals"),
    )
    op.create_index("ix_planner_year_totals_year", "planner_year_totals", ["year", "planner_id"])
    op.create_table(
        "totals_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("tz", sa.String(64), nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_totals_state"),
    )
    op.execute("DROP INDEX IF EXISTS ix_visits_district_counted_epoch")
    op.execute("DROP INDEX IF EXISTS ix_visits_district_counted")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE INDEX ix_visits_district_counted_epoch ON visits"
            " (district_id, CAST(strftime('%s', started_at) AS INTEGER), duration_s)"
            " WHERE review = 'confirmed' AND ended_at IS NOT NULL AND deleted = 0"
        )
    else:
        op.execute(
            "CREATE INDEX ix_visits_district_counted ON visits (district_id, started_at, duration_s)"
            " WHERE review = 'confirmed' AND ended_at IS NOT NULL AND deleted = false"
        )
    op.drop_table("totals_state")
    op.drop_index("ix_planner_year_totals_year", table_name="planner_year_totals")
    op.drop_table("planner_year_totals")
