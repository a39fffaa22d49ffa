"""What several worker processes need to share: the sign-in throttle's counts in ``signin_counts``.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "signin_counts",
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_signin_counts")),
    )
    op.create_index(op.f("ix_signin_counts_expires_at"), "signin_counts", ["expires_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_signin_counts_expires_at"), table_name="signin_counts")
    op.drop_table("signin_counts")
