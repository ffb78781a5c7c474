"""Push state: matches kept for history but inactive when the firm no longer qualifies; channel circuits.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 07:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('channel_circuit',
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('open_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('channel', name=op.f('pk_channel_circuit'))
    )
    with op.batch_alter_table('policy_match', schema=None) as batch_op:
        batch_op.add_column(sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('deactivated_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('changed_at', sa.DateTime(timezone=True), nullable=True))
    # Matches of policies that are no longer published stop counting.
    op.execute("UPDATE policy_match SET active = false WHERE policy_id IN "
               "(SELECT id FROM policy WHERE status <> 'published')")


def downgrade():
    op.drop_table('channel_circuit')
    with op.batch_alter_table('policy_match', schema=None) as batch_op:
        batch_op.drop_column('changed_at')
        batch_op.drop_column('deactivated_at')
        batch_op.drop_column('active')
