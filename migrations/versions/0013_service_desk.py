"""Service desk: clock rounds, the supervisors' rung of the escalation ladder, the thread of turns and their files, 好差评 ratings and follow-ups.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 13:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('consultation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('supervisor_escalation_sent_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('clock_round', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('rating', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('rating_comment', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('rated_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('followup_due_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('followup_closed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('followup_note', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('qa_question', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('qa_answer', sa.Text(), nullable=True))
    op.create_table('consultation_turn',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('clock_round', sa.Integer(), nullable=False),
    sa.Column('author', sa.String(length=12), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'],
                            name=op.f('fk_consultation_turn_consultation_id_consultation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                            name=op.f('fk_consultation_turn_user_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_turn'))
    )
    op.create_index(op.f('ix_consultation_turn_consultation_id'), 'consultation_turn', ['consultation_id'])
    op.create_table('consultation_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('turn_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['turn_id'], ['consultation_turn.id'],
                            name=op.f('fk_consultation_file_turn_id_consultation_turn'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_file')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_consultation_file_stored_name'))
    )
    op.create_index(op.f('ix_consultation_file_turn_id'), 'consultation_file', ['turn_id'])
    # Consultations already past an escalation had it sent to the supervisors too (the old single rung).
    op.execute("UPDATE consultation SET supervisor_escalation_sent_at = escalation_sent_at "
               "WHERE escalation_sent_at IS NOT NULL")


def downgrade():
    op.drop_table('consultation_file')
    op.drop_table('consultation_turn')
    with op.batch_alter_table('consultation', schema=None) as batch_op:
        for name in ('qa_answer', 'qa_question', 'followup_note', 'followup_closed_at', 'followup_due_at', 'rated_at', 'rating_comment',
                     'rating', 'clock_round'):
            batch_op.drop_column(name)
        batch_op.drop_column('supervisor_escalation_sent_at')
