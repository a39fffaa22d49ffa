"""Money (PDS-9 allowance settlements, CQ-6 travel claims and work funds), the district's part of the
appraisal (PDS-10), feedback forwarded (PDS-2c), periodic reports submitted and forwarded (CQ-8),
dismissals with their grounds (CQ-11), and the bureau's own activities (``activities.district_id`` empty).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
AT = sa.DateTime(timezone=True)
NEW_TABLES = (
    "travel_claims",
    "allowance_lines",
    "work_funds",
    "report_submissions",
    "report_forwards",
    "feedback_forwards",
    "district_assessments",
    "dismissals",
    "allowance_periods",
)


def _activities_district_nullable(nullable: bool) -> None:
    """``activities.district_id`` with or without NOT NULL.

    PostgreSQL alters the column. SQLite cannot, and Alembic's batch rebuild would drop ``activities``:
    with foreign keys on (as the server's connections have them) that drop deletes every attendance and
    invitation row through ON DELETE CASCADE. So the stored table definition is edited instead, the
    procedure SQLite documents for removing or adding a NOT NULL constraint (sqlite.org/lang_altertable.html,
    "making other kinds of table schema changes"): no row is touched.
    """
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.alter_column("activities", "district_id", existing_type=sa.Integer(), nullable=nullable)
        return
    sql = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'activities'"
    ).scalar_one()
    strict, loose = "district_id INTEGER NOT NULL", "district_id INTEGER"
    old, new = (strict, loose) if nullable else (loose + ",", strict + ",")
    if old not in sql:
        raise RuntimeError(f"activities: expected {old!r} in its definition: {sql}")
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema=ON")
    bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'activities'",
        (sql.replace(old, new, 1),),
    )
    bind.exec_driver_sql(f"PRAGMA schema_version={int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema=OFF")


def upgrade() -> None:
    op.create_table(
        "allowance_periods",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("yearly_fen", sa.BigInteger(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", AT, nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_allowance_periods_created_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allowance_periods")),
        sa.UniqueConstraint("name", name=op.f("uq_allowance_periods_name")),
    )
    op.create_table(
        "dismissals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("planner_id", sa.Integer(), nullable=False),
        sa.Column("ground", sa.String(length=50), nullable=False),
        sa.Column("rule_id", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("recorded_at", AT, nullable=False),
        sa.ForeignKeyConstraint(
            ["planner_id"], ["users.id"], name=op.f("fk_dismissals_planner_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["recorded_by"], ["users.id"], name=op.f("fk_dismissals_recorded_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dismissals")),
    )
    op.create_index(op.f("ix_dismissals_planner_id"), "dismissals", ["planner_id"], unique=False)
    op.create_table(
        "district_assessments",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("planner_id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("criteria", JSON, nullable=False),
        sa.Column("grade", sa.String(length=20), nullable=True),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("recorded_at", AT, nullable=False),
        sa.ForeignKeyConstraint(
            ["district_id"], ["districts.id"], name=op.f("fk_district_assessments_district_id_districts")
        ),
        sa.ForeignKeyConstraint(
            ["planner_id"],
            ["users.id"],
            name=op.f("fk_district_assessments_planner_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_district_assessments_recorded_by_users")
        ),
        sa.PrimaryKeyConstraint("year", "planner_id", "district_id", name=op.f("pk_district_assessments")),
    )
    op.create_table(
        "feedback_forwards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("planner_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=20), nullable=False),
        sa.Column("recipient_name", sa.String(length=200), nullable=False),
        sa.Column("forwarded_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("analysis", JSON, nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("recorded_at", AT, nullable=False),
        sa.ForeignKeyConstraint(
            ["planner_id"],
            ["users.id"],
            name=op.f("fk_feedback_forwards_planner_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_feedback_forwards_recorded_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_forwards")),
    )
    op.create_index(
        "ix_feedback_forwards_planner_year", "feedback_forwards", ["planner_id", "year"], unique=False
    )
    op.create_table(
        "report_forwards",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("period_months", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("period", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("recipient", sa.String(length=200), nullable=False),
        sa.Column("forwarded_on", sa.Date(), nullable=False),
        sa.Column("district_ids", JSON, nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("recorded_at", AT, nullable=False),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_report_forwards_recorded_by_users")
        ),
        sa.PrimaryKeyConstraint("year", "period_months", "period", name=op.f("pk_report_forwards")),
    )
    op.create_table(
        "report_submissions",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("period_months", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("period", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("submitted_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("recorded_at", AT, nullable=False),
        sa.ForeignKeyConstraint(
            ["district_id"], ["districts.id"], name=op.f("fk_report_submissions_district_id_districts")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_report_submissions_recorded_by_users")
        ),
        sa.PrimaryKeyConstraint(
            "year", "period_months", "period", "district_id", name=op.f("pk_report_submissions")
        ),
    )
    op.create_table(
        "work_funds",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("planner_id", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("set_by", sa.Integer(), nullable=True),
        sa.Column("set_at", AT, nullable=False),
        sa.ForeignKeyConstraint(["planner_id"], ["users.id"], name=op.f("fk_work_funds_planner_id_users")),
        sa.ForeignKeyConstraint(["set_by"], ["users.id"], name=op.f("fk_work_funds_set_by_users")),
        sa.PrimaryKeyConstraint("year", "planner_id", name=op.f("pk_work_funds")),
    )
    op.create_table(
        "allowance_lines",
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("planner_id", sa.Integer(), nullable=False),
        sa.Column("term_first", sa.Date(), nullable=False),
        sa.Column("term_last", sa.Date(), nullable=False),
        sa.Column("served_last", sa.Date(), nullable=False),
        sa.Column("district_ids", JSON, nullable=False),
        sa.Column("basis", sa.String(length=20), nullable=False),
        sa.Column("rule_fen", sa.BigInteger(), nullable=True),
        sa.Column("amount_fen", sa.BigInteger(), nullable=True),
        sa.Column("amount_reason", sa.Text(), nullable=True),
        sa.Column("amount_set_by", sa.Integer(), nullable=True),
        sa.Column("amount_set_at", AT, nullable=True),
        sa.Column("paid", sa.Boolean(), nullable=False),
        sa.Column("paid_by", sa.Integer(), nullable=True),
        sa.Column("paid_at", AT, nullable=True),
        sa.ForeignKeyConstraint(
            ["amount_set_by"], ["users.id"], name=op.f("fk_allowance_lines_amount_set_by_users")
        ),
        sa.ForeignKeyConstraint(["paid_by"], ["users.id"], name=op.f("fk_allowance_lines_paid_by_users")),
        sa.ForeignKeyConstraint(
            ["period_id"],
            ["allowance_periods.id"],
            name=op.f("fk_allowance_lines_period_id_allowance_periods"),
        ),
        sa.ForeignKeyConstraint(
            ["planner_id"], ["users.id"], name=op.f("fk_allowance_lines_planner_id_users")
        ),
        sa.PrimaryKeyConstraint("period_id", "planner_id", name=op.f("pk_allowance_lines")),
        sa.UniqueConstraint("planner_id", "term_first", name="uq_allowance_lines_planner_term"),
    )
    op.create_table(
        "travel_claims",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("planner_id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("trip_on", sa.Date(), nullable=False),
        sa.Column("trip", sa.String(length=500), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("receipt_sha256", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", AT, nullable=True),
        sa.Column("created_at", AT, nullable=False),
        sa.ForeignKeyConstraint(["decided_by"], ["users.id"], name=op.f("fk_travel_claims_decided_by_users")),
        sa.ForeignKeyConstraint(
            ["district_id"], ["districts.id"], name=op.f("fk_travel_claims_district_id_districts")
        ),
        sa.ForeignKeyConstraint(["planner_id"], ["users.id"], name=op.f("fk_travel_claims_planner_id_users")),
        sa.ForeignKeyConstraint(
            ["receipt_sha256"],
            ["attachments.sha256"],
            name=op.f("fk_travel_claims_receipt_sha256_attachments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_travel_claims")),
    )
    op.create_index(op.f("ix_travel_claims_district_id"), "travel_claims", ["district_id"], unique=False)
    op.create_index(op.f("ix_travel_claims_planner_id"), "travel_claims", ["planner_id"], unique=False)

    _activities_district_nullable(True)


def downgrade() -> None:
    # The bureau's own activities have no district to go back to.
    op.execute("DELETE FROM activities WHERE district_id IS NULL")
    _activities_district_nullable(False)
    for name in NEW_TABLES:
        op.drop_table(name)
