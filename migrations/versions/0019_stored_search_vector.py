"""PostgreSQL search reads a stored tsvector instead of computing one per row on every query.

The expression index of 0001 served `@@` only when the planner chose it; with few rows, or beside a
status filter, it scanned by status and ran to_tsvector over every body for the filter, the count
and ts_rank alike (about 1 ms a policy on the demo data). A generated column holds the same vector,
kept by PostgreSQL on every insert and update; the GIN index moves onto it. SQLite keeps FTS5.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 06:40:00.000000

"""
from alembic import op


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

VECTOR = ("setweight(to_tsvector('simple', coalesce(title_tokens, '')), 'A') || "
          "setweight(to_tsvector('simple', coalesce(body_tokens, '')), 'B')")


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"ALTER TABLE policy ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({VECTOR}) STORED")
    op.execute("DROP INDEX IF EXISTS ix_policy_search")
    op.execute("CREATE INDEX ix_policy_search ON policy USING gin (search_vector)")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_policy_search")
    op.execute("ALTER TABLE policy DROP COLUMN search_vector")
    op.execute(f"CREATE INDEX ix_policy_search ON policy USING gin (({VECTOR}))")
