"""Answers before asking: visits to the consultation form in which a suggested answer was opened.

Revision ID: 0017
Revises: 0015
Create Date: 2026-12-03 07:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('answer_visit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('first_clicked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('clicks', sa.Integer(), nullable=False),
    sa.Column('last_kind', sa.String(length=8), nullable=False),
    sa.Column('last_target_id', sa.Integer(), nullable=False),
    sa.Column('asked_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_answer_visit')),
    sa.UniqueConstraint('token', name=op.f('uq_answer_visit_token'))
    )
    op.create_index(op.f('ix_answer_visit_first_clicked_at'), 'answer_visit', ['first_clicked_at'])


def downgrade():
    op.drop_table('answer_visit')
