"""Policy approval: a department may require a reviewer to publish; a policy's review state.

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-02 12:55:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('department', schema=None) as batch_op:
        batch_op.add_column(sa.Column('approval_required', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('policy', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review_state', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('review_version', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('review_comment', sa.String(length=500), nullable=True))


def downgrade():
    with op.batch_alter_table('policy', schema=None) as batch_op:
        batch_op.drop_column('review_comment')
        batch_op.drop_column('review_version')
        batch_op.drop_column('review_state')
    with op.batch_alter_table('department', schema=None) as batch_op:
        batch_op.drop_column('approval_required')
