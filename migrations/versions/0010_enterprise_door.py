"""The enterprise's own door: sign-in codes, enterprise sessions, followed policies.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 13:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sign_in_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_sign_in_code_enterprise_id_enterprise'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_code'))
    )
    op.create_index(op.f('ix_sign_in_code_enterprise_id'), 'sign_in_code', ['enterprise_id'], unique=False)
    op.create_index(op.f('ix_sign_in_code_code_hash'), 'sign_in_code', ['code_hash'], unique=False)
    op.create_table('enterprise_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('identity', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_enterprise_session_enterprise_id_enterprise'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enterprise_session')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_enterprise_session_token_hash'))
    )
    op.create_index(op.f('ix_enterprise_session_enterprise_id'), 'enterprise_session', ['enterprise_id'], unique=False)
    op.create_table('policy_follow',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('policy_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_policy_follow_enterprise_id_enterprise'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['policy_id'], ['policy.id'], name=op.f('fk_policy_follow_policy_id_policy'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_follow')),
    sa.UniqueConstraint('enterprise_id', 'policy_id', name='uq_policy_follow_enterprise_id_policy_id')
    )
    op.create_index(op.f('ix_policy_follow_enterprise_id'), 'policy_follow', ['enterprise_id'], unique=False)
    op.create_index(op.f('ix_policy_follow_policy_id'), 'policy_follow', ['policy_id'], unique=False)


def downgrade():
    op.drop_table('policy_follow')
    op.drop_table('enterprise_session')
    op.drop_table('sign_in_code')
