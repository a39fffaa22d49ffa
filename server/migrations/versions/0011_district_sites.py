"""District staff curate the sites and projects planners pick from: ``district_sites``.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "district_sites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("lat", sa.Double(), nullable=True),
        sa.Column("lon", sa.Double(), nullable=True),
        sa.Column("aliases", JSON, nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["districts.id"],
            ondelete="CASCADE",
            name="fk_district_sites_district_id_districts",
        ),
        sa.ForeignKeyConstraint(["updated_by"], ["users.id"], name="fk_district_sites_updated_by_users"),
        sa.PrimaryKeyConstraint("id", name="pk_district_sites"),
        sa.UniqueConstraint("district_id", "kind", "name", name="uq_district_sites_district_id_kind_name"),
    )
    op.create_index("ix_district_sites_seq", "district_sites", ["seq"])


def downgrade() -> None:
    op.drop_index("ix_district_sites_seq", table_name="district_sites")
    op.drop_table("district_sites")
