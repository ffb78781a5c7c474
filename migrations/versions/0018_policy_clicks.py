"""Policy clicks: which firm followed which policy's link from which channel, first and last time, how often.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 06:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('policy_click',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('policy_id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('clicks', sa.Integer(), nullable=False),
    sa.Column('first_clicked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_clicked_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['policy_id'], ['policy.id'],
                            name=op.f('fk_policy_click_policy_id_policy'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'],
                            name=op.f('fk_policy_click_enterprise_id_enterprise'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_click')),
    sa.UniqueConstraint('policy_id', 'enterprise_id', 'channel', name='uq_policy_click_policy_enterprise_channel')
    )
    op.create_index(op.f('ix_policy_click_enterprise_id'), 'policy_click', ['enterprise_id'])


def downgrade():
    op.drop_index(op.f('ix_policy_click_enterprise_id'), table_name='policy_click')
    op.drop_table('policy_click')
