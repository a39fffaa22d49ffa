"""Dashboard: a partial index for confirmed visits per district and year (district totals).

Like the summary's ``visits_counted`` index but district first, so the dashboard's per-district totals
read only counted visits instead of the whole table. SQLite indexes the start as integer Unix seconds
(`server.core.models.epoch_seconds_sql`), as the summary's query compares it.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 10:05:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
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


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_visits_district_counted_epoch")
    op.execute("DROP INDEX IF EXISTS ix_visits_district_counted")
