"""Service desk: the clock round (a supplement starts a new one) and the supervisors' rung of the escalation ladder.

Revision ID: 0011
Revises: 0006
Create Date: 2026-12-02 13:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('consultation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('supervisor_escalation_sent_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('clock_round', sa.Integer(), server_default='1', nullable=False))
    # Consultations already past an escalation had it sent to the supervisors too (the old single rung).
    op.execute("UPDATE consultation SET supervisor_escalation_sent_at = escalation_sent_at "
               "WHERE escalation_sent_at IS NOT NULL")


def downgrade():
    with op.batch_alter_table('consultation', schema=None) as batch_op:
        batch_op.drop_column('clock_round')
        batch_op.drop_column('supervisor_escalation_sent_at')
