"""SQLite: summary indexes on the start time as integer Unix seconds instead of UTC text.

On 1,000,000 visits the yearly summary's scan is about twice as fast over ``CAST(strftime('%s', t) AS
INTEGER)`` as over the 26-character text. PostgreSQL keeps its indexes from 0002 (nothing to do there).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 09:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (name, table, time column, extra columns, partial WHERE) as in server/core/models.py summary_indexes().
INDEXES = [
    (
        "visits_counted",
        "visits",
        "started_at",
        ["duration_s"],
        "review = 'confirmed' AND ended_at IS NOT NULL AND deleted = 0",
    ),
    ("visits_pending", "visits", "started_at", [], "review = 'pending' AND deleted = 0"),
    ("opinions_live", "opinions", "issued_at", [], "deleted = 0"),
    ("feedback_live", "feedback", "collected_at", [], "deleted = 0"),
]
OLD_COLUMNS = {
    "visits_counted": "planner_id, started_at, duration_s, review, ended_at, deleted",
    "visits_pending": "planner_id, started_at, review, deleted",
    "opinions_live": "planner_id, issued_at, deleted",
    "feedback_live": "planner_id, collected_at, deleted",
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name, table, at, extra, where in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS ix_{name}")
        columns = ", ".join(["planner_id", f"CAST(strftime('%s', {at}) AS INTEGER)", *extra])
        op.execute(f"CREATE INDEX ix_{name}_epoch ON {table} ({columns}) WHERE {where}")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name, table, _at, _extra, where in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS ix_{name}_epoch")
        op.execute(f"CREATE INDEX ix_{name} ON {table} ({OLD_COLUMNS[name]}) WHERE {where}")
