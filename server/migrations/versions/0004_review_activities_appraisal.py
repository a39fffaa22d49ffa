"""Planner profiles and exit requests, invitations, opinion follow-up, review flags, final grades
and their consequences, and the review queue's index.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "planner_profiles",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("responsibility_area", JSON, nullable=True),
        sa.Column("term_start", sa.Date(), nullable=True),
        sa.Column("specialty", sa.String(200), nullable=True),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", AT, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], ondelete="CASCADE", name="fk_planner_profiles_user_id_users"
        ),
        sa.ForeignKeyConstraint(["updated_by"], ["users.id"], name="fk_planner_profiles_updated_by_users"),
        sa.PrimaryKeyConstraint("user_id", name="pk_planner_profiles"),
    )
    op.create_table(
        "exit_requests",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("planner_id", sa.Integer(), nullable=False),
        sa.Column("filed_on", sa.Date(), nullable=False),
        sa.Column("leave_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", AT, nullable=False),
        sa.ForeignKeyConstraint(
            ["planner_id"], ["users.id"], ondelete="CASCADE", name="fk_exit_requests_planner_id_users"
        ),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name="fk_exit_requests_created_by_users"),
        sa.PrimaryKeyConstraint("id", name="pk_exit_requests"),
    )
    op.create_index("ix_exit_requests_planner_id", "exit_requests", ["planner_id"])
    op.create_table(
        "invitations",
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("planner_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("responded_at", AT, nullable=True),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activities.id"],
            ondelete="CASCADE",
            name="fk_invitations_activity_id_activities",
        ),
        sa.ForeignKeyConstraint(["planner_id"], ["users.id"], name="fk_invitations_planner_id_users"),
        sa.PrimaryKeyConstraint("activity_id", "planner_id", name="pk_invitations"),
    )
    op.create_index("ix_invitations_planner_seq", "invitations", ["planner_id", "seq"])
    op.create_table(
        "opinion_followups",
        sa.Column("opinion_id", sa.String(36), nullable=False),
        sa.Column("adoption", sa.String(20), nullable=False),
        sa.Column("quality", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("recorded_at", AT, nullable=False),
        sa.ForeignKeyConstraint(
            ["opinion_id"],
            ["opinions.id"],
            ondelete="CASCADE",
            name="fk_opinion_followups_opinion_id_opinions",
        ),
        sa.ForeignKeyConstraint(["recorded_by"], ["users.id"], name="fk_opinion_followups_recorded_by_users"),
        sa.PrimaryKeyConstraint("opinion_id", name="pk_opinion_followups"),
    )
    op.create_table(
        "visit_review_flags",
        sa.Column("visit_id", sa.String(36), nullable=False),
        sa.Column("flags", JSON, nullable=False),
        sa.Column("reason_code", sa.String(100), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("reviewed_by", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", AT, nullable=False),
        sa.ForeignKeyConstraint(
            ["visit_id"], ["visits.id"], ondelete="CASCADE", name="fk_visit_review_flags_visit_id_visits"
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by"], ["users.id"], name="fk_visit_review_flags_reviewed_by_users"
        ),
        sa.PrimaryKeyConstraint("visit_id", name="pk_visit_review_flags"),
    )
    op.create_table(
        "final_grades",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("planner_id", sa.Integer(), nullable=False),
        sa.Column("grade", sa.String(20), nullable=False),
        sa.Column("set_by", sa.Integer(), nullable=True),
        sa.Column("set_at", AT, nullable=False),
        sa.ForeignKeyConstraint(
            ["planner_id"], ["users.id"], ondelete="CASCADE", name="fk_final_grades_planner_id_users"
        ),
        sa.ForeignKeyConstraint(["set_by"], ["users.id"], name="fk_final_grades_set_by_users"),
        sa.PrimaryKeyConstraint("year", "planner_id", name="pk_final_grades"),
    )
    op.create_table(
        "grade_consequences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("planner_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(50), nullable=False),
        sa.Column("rule_id", sa.String(20), nullable=False),
        sa.Column("params", JSON, nullable=True),
        sa.Column("created_at", AT, nullable=False),
        sa.ForeignKeyConstraint(
            ["planner_id"], ["users.id"], ondelete="CASCADE", name="fk_grade_consequences_planner_id_users"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_grade_consequences"),
    )
    op.create_index("ix_grade_consequences_year", "grade_consequences", ["year"])
    op.create_index("ix_visits_district_review_seq", "visits", ["district_id", "review", "seq"])


def downgrade() -> None:
    op.drop_index("ix_visits_district_review_seq", table_name="visits")
    for table in (
        "grade_consequences",
        "final_grades",
        "visit_review_flags",
        "opinion_followups",
        "invitations",
        "exit_requests",
        "planner_profiles",
    ):
        op.drop_table(table)
