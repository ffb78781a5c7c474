"""Fan-out jobs: publish and edit commit a job; workers (or the embedded process) run it in chunks.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 13:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('fanout_job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('policy_id', sa.Integer(), nullable=False),
    sa.Column('policy_version', sa.Integer(), nullable=False),
    sa.Column('trigger', sa.String(length=16), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('total', sa.Integer(), nullable=True),
    sa.Column('processed', sa.Integer(), nullable=False),
    sa.Column('notifications_queued', sa.Integer(), nullable=False),
    sa.Column('notifications_cancelled', sa.Integer(), nullable=False),
    sa.Column('cursor', sa.Integer(), nullable=False),
    sa.Column('chunks', sa.Integer(), nullable=False),
    sa.Column('lease_owner', sa.String(length=100), nullable=True),
    sa.Column('leased_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['policy_id'], ['policy.id'], name=op.f('fk_fanout_job_policy_id_policy'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fanout_job'))
    )
    with op.batch_alter_table('fanout_job', schema=None) as batch_op:
        batch_op.create_index('ix_fanout_job_state', ['state', 'leased_until'], unique=False)
        batch_op.create_index(batch_op.f('ix_fanout_job_policy_id'), ['policy_id'], unique=False)


def downgrade():
    op.drop_table('fanout_job')
