"""What several worker processes need: shared sign-in counts, and positions of changes that let writers
of different planners commit side by side on PostgreSQL.

* ``signin_counts``: the sign-in throttle's counts (`server.core.throttle.DatabaseCounts`).
* ``txid`` on every pulled table (visits, opinions, feedback, invitations) and on the curated sites
  (``district_sites``): with ``seq``, a change's position (shared/protocol.py). Rows written before get 0,
  so their old numbers keep their order and a phone's old cursor goes on from where it was.
* PostgreSQL: the ``change_numbers`` sequence, starting after the last number the counter row gave out,
  and the ``(scope, txid, seq)`` indexes pulls read.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RECORDS = ("visits", "opinions", "feedback")
PULLED = (*RECORDS, "invitations")
#: Every table whose rows carry a position.
POSITIONED = (*PULLED, "district_sites")


def _position_indexes() -> list[tuple[str, str, list[str]]]:
    out = []
    for table in RECORDS:
        out += [
            (f"ix_{table}_planner_id_txid_seq", table, ["planner_id", "txid", "seq"]),
            (f"ix_{table}_district_id_txid_seq", table, ["district_id", "txid", "seq"]),
            (f"ix_{table}_txid_seq", table, ["txid", "seq"]),
        ]
    out.append(("ix_invitations_planner_id_txid_seq", "invitations", ["planner_id", "txid", "seq"]))
    return out


def upgrade() -> None:
    op.create_table(
        "signin_counts",
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_signin_counts")),
    )
    op.create_index(op.f("ix_signin_counts_expires_at"), "signin_counts", ["expires_at"])
    # Plain ALTER TABLE (no batch rebuild on SQLite): a constant default fills the existing rows.
    for table in POSITIONED:
        op.add_column(table, sa.Column("txid", sa.BigInteger(), server_default="0", nullable=False))
    if op.get_bind().dialect.name != "postgresql":
        return
    start = op.get_bind().execute(sa.text("SELECT coalesce(max(value), 0) + 1 FROM change_seq")).scalar_one()
    op.execute(sa.text(f"CREATE SEQUENCE change_numbers START WITH {int(start)}"))
    for name, table, columns in _position_indexes():
        op.create_index(name, table, columns)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, table, _ in _position_indexes():
            op.drop_index(name, table_name=table)
        # The counter row goes on after the last number the sequence gave out.
        op.execute(
            sa.text("UPDATE change_seq SET value = GREATEST(value, (SELECT last_value FROM change_numbers))")
        )
        op.execute(sa.text("DROP SEQUENCE change_numbers"))
    for table in POSITIONED:
        op.drop_column(table, "txid")  # SQLite 3.35 and later drop a column in place
    op.drop_index(op.f("ix_signin_counts_expires_at"), table_name="signin_counts")
    op.drop_table("signin_counts")
