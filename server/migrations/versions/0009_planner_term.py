"""The planner's term: the pool (candidates, public notices, objections), district requests, dispatches
with their terms, contracts and appointment steps.

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-02 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "dispatch_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("specialties", JSON, nullable=False),
        sa.Column("planners_needed", sa.Integer(), nullable=False),
        sa.Column("service_focus", sa.Text(), nullable=False),
        sa.Column("responsibility_area", JSON, nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("filed_on", sa.Date(), nullable=False),
        sa.Column("replaces_dispatch_id", sa.Integer(), nullable=True),
        sa.Column("withdrawn_on", sa.Date(), nullable=True),
        sa.Column("withdraw_note", sa.Text(), nullable=True),
        sa.Column("filed_by", sa.Integer(), nullable=True),
        sa.Column("created_at", AT, nullable=False),
        sa.ForeignKeyConstraint(
            ["district_id"], ["districts.id"], name="fk_dispatch_requests_district_id_districts"
        ),
        sa.ForeignKeyConstraint(["filed_by"], ["users.id"], name="fk_dispatch_requests_filed_by_users"),
        sa.PrimaryKeyConstraint("id", name="pk_dispatch_requests"),
    )
    op.create_index("ix_dispatch_requests_district_id", "dispatch_requests", ["district_id"])
    op.create_table(
        "pool_candidates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=True),
        sa.Column("contact", sa.String(length=200), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("applied_on", sa.Date(), nullable=False),
        sa.Column("degree", sa.String(length=20), nullable=False),
        sa.Column("degree_field", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=20), nullable=False),
        sa.Column("registered_planner", sa.Boolean(), nullable=False),
        sa.Column("practising_qualification", sa.String(length=200), nullable=True),
        sa.Column("years_in_field", sa.Integer(), nullable=False),
        sa.Column("specialties", JSON, nullable=False),
        sa.Column("local_familiarity", sa.Text(), nullable=True),
        sa.Column("violations", JSON, nullable=False),
        sa.Column("exception_reason", sa.Text(), nullable=True),
        sa.Column("exception_by", sa.Integer(), nullable=True),
        sa.Column("exception_at", AT, nullable=True),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("review_note", sa.Text(), nullable=True),
        sa.Column("reviewed_on", sa.Date(), nullable=True),
        sa.Column("reviewed_by", sa.Integer(), nullable=True),
        sa.Column("notice_starts_on", sa.Date(), nullable=True),
        sa.Column("notice_ends_on", sa.Date(), nullable=True),
        sa.Column("notice_by", sa.Integer(), nullable=True),
        sa.Column("removed_on", sa.Date(), nullable=True),
        sa.Column("removal_reason", sa.String(length=40), nullable=True),
        sa.Column("removal_rule", sa.String(length=20), nullable=True),
        sa.Column("removal_note", sa.Text(), nullable=True),
        sa.Column("removed_by", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", AT, nullable=False),
        sa.Column("updated_at", AT, nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name="fk_pool_candidates_created_by_users"),
        sa.ForeignKeyConstraint(["exception_by"], ["users.id"], name="fk_pool_candidates_exception_by_users"),
        sa.ForeignKeyConstraint(["notice_by"], ["users.id"], name="fk_pool_candidates_notice_by_users"),
        sa.ForeignKeyConstraint(["removed_by"], ["users.id"], name="fk_pool_candidates_removed_by_users"),
        sa.ForeignKeyConstraint(["reviewed_by"], ["users.id"], name="fk_pool_candidates_reviewed_by_users"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_pool_candidates_user_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_pool_candidates"),
        sa.UniqueConstraint("user_id", name="uq_pool_candidates_user_id"),
    )
    op.create_table(
        "dispatches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("planner_id", sa.Integer(), nullable=True),
        sa.Column("responsibility_area", JSON, nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("end_reason", sa.String(length=40), nullable=True),
        sa.Column("end_rule", sa.String(length=20), nullable=True),
        sa.Column("end_note", sa.Text(), nullable=True),
        sa.Column("closed_at", AT, nullable=True),
        sa.Column("closed_by", sa.Integer(), nullable=True),
        sa.Column("notice_no", sa.String(length=40), nullable=True),
        sa.Column("notice_on", sa.Date(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", AT, nullable=False),
        sa.ForeignKeyConstraint(
            ["candidate_id"], ["pool_candidates.id"], name="fk_dispatches_candidate_id_pool_candidates"
        ),
        sa.ForeignKeyConstraint(["closed_by"], ["users.id"], name="fk_dispatches_closed_by_users"),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name="fk_dispatches_created_by_users"),
        sa.ForeignKeyConstraint(
            ["district_id"], ["districts.id"], name="fk_dispatches_district_id_districts"
        ),
        sa.ForeignKeyConstraint(["planner_id"], ["users.id"], name="fk_dispatches_planner_id_users"),
        sa.ForeignKeyConstraint(
            ["request_id"], ["dispatch_requests.id"], name="fk_dispatches_request_id_dispatch_requests"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_dispatches"),
    )
    op.create_index("ix_dispatches_candidate_id", "dispatches", ["candidate_id"])
    op.create_index("ix_dispatches_district_id", "dispatches", ["district_id"])
    op.create_index("ix_dispatches_planner_id", "dispatches", ["planner_id"])
    op.create_index("ix_dispatches_request_id", "dispatches", ["request_id"])
    op.create_table(
        "pool_objections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("filed_on", sa.Date(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("recorded_at", AT, nullable=False),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["pool_candidates.id"],
            name="fk_pool_objections_candidate_id_pool_candidates",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["decided_by"], ["users.id"], name="fk_pool_objections_decided_by_users"),
        sa.ForeignKeyConstraint(["recorded_by"], ["users.id"], name="fk_pool_objections_recorded_by_users"),
        sa.PrimaryKeyConstraint("id", name="pk_pool_objections"),
    )
    op.create_index("ix_pool_objections_candidate_id", "pool_objections", ["candidate_id"])
    op.create_table(
        "appointment_steps",
        sa.Column("dispatch_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=40), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("recorded_at", AT, nullable=False),
        sa.ForeignKeyConstraint(
            ["dispatch_id"],
            ["dispatches.id"],
            name="fk_appointment_steps_dispatch_id_dispatches",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["recorded_by"], ["users.id"], name="fk_appointment_steps_recorded_by_users"),
        sa.PrimaryKeyConstraint("dispatch_id", "step", name="pk_appointment_steps"),
    )
    op.create_table(
        "dispatch_terms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dispatch_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("decision", sa.String(length=20), nullable=True),
        sa.Column("decision_rule", sa.String(length=20), nullable=True),
        sa.Column("ground", sa.String(length=40), nullable=True),
        sa.Column("grade", sa.String(length=20), nullable=True),
        sa.Column("grade_year", sa.Integer(), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", AT, nullable=True),
        sa.ForeignKeyConstraint(["decided_by"], ["users.id"], name="fk_dispatch_terms_decided_by_users"),
        sa.ForeignKeyConstraint(
            ["dispatch_id"],
            ["dispatches.id"],
            name="fk_dispatch_terms_dispatch_id_dispatches",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_dispatch_terms"),
        sa.UniqueConstraint("dispatch_id", "number", name="uq_dispatch_terms_dispatch_id"),
    )
    op.create_table(
        "dispatch_contracts",
        sa.Column("term_id", sa.Integer(), nullable=False),
        sa.Column("certificate_no", sa.String(length=100), nullable=True),
        sa.Column("signed_on", sa.Date(), nullable=True),
        sa.Column("tasks", sa.Text(), nullable=True),
        sa.Column("service_mode", sa.Text(), nullable=True),
        sa.Column("service_fee_fen", sa.BigInteger(), nullable=True),
        sa.Column("fee_note", sa.Text(), nullable=True),
        sa.Column("rights_duties", sa.Text(), nullable=True),
        sa.Column("appraisal", sa.Text(), nullable=True),
        sa.Column("breach", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("recorded_at", AT, nullable=False),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name="fk_dispatch_contracts_recorded_by_users"
        ),
        sa.ForeignKeyConstraint(
            ["term_id"],
            ["dispatch_terms.id"],
            name="fk_dispatch_contracts_term_id_dispatch_terms",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("term_id", name="pk_dispatch_contracts"),
    )


def downgrade() -> None:
    op.drop_table("dispatch_contracts")
    op.drop_table("dispatch_terms")
    op.drop_table("appointment_steps")
    op.drop_index("ix_pool_objections_candidate_id", table_name="pool_objections")
    op.drop_table("pool_objections")
    op.drop_index("ix_dispatches_request_id", table_name="dispatches")
    op.drop_index("ix_dispatches_planner_id", table_name="dispatches")
    op.drop_index("ix_dispatches_district_id", table_name="dispatches")
    op.drop_index("ix_dispatches_candidate_id", table_name="dispatches")
    op.drop_table("dispatches")
    op.drop_table("pool_candidates")
    op.drop_index("ix_dispatch_requests_district_id", table_name="dispatch_requests")
    op.drop_table("dispatch_requests")
