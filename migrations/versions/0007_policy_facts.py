"""Policy facts: the 申报 window, the largest support amount and the contact, with what was read from the text.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 12:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

_FACT_COLUMNS = ('apply_from', 'apply_until', 'max_support_wan', 'contact')


def _fact_columns():
    return [
        sa.Column('apply_from', sa.Date(), nullable=True),
        sa.Column('apply_until', sa.Date(), nullable=True),
        sa.Column('max_support_wan', sa.Numeric(precision=14, scale=2, asdecimal=False), nullable=True),
        sa.Column('contact', sa.String(length=300), nullable=True),
    ]


def upgrade():
    # Plain ADD COLUMN, not batch mode: a batch rebuild on SQLite would drop the policy table's FTS triggers.
    for column in _fact_columns():
        op.add_column('policy', column)
    op.add_column('policy', sa.Column('facts', sa.JSON(), server_default=sa.text("'{}'"), nullable=False))
    for column in _fact_columns():
        op.add_column('policy_version', column)


def downgrade():
    # DROP COLUMN exists in SQLite since 3.35 and keeps the triggers.
    for name in reversed(_FACT_COLUMNS):
        op.execute(f'ALTER TABLE policy_version DROP COLUMN {name}')
    for name in ('facts', *reversed(_FACT_COLUMNS)):
        op.execute(f'ALTER TABLE policy DROP COLUMN {name}')
