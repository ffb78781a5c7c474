"""Search index: re-tokenise every policy into character pairs (issue 18); the schema is unchanged.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 13:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

_policy = sa.table('policy', sa.column('id', sa.Integer), sa.column('title', sa.Text), sa.column('body', sa.Text),
                   sa.column('title_tokens', sa.Text), sa.column('body_tokens', sa.Text))


def upgrade():
    # Tokens of the current tokenizer; the SQLite triggers and the PostgreSQL expression index follow the columns.
    from matcher.tokenize import index_tokens, join

    bind = op.get_bind()
    rows = bind.execute(sa.select(_policy.c.id, _policy.c.title, _policy.c.body)).all()
    for policy_id, title, body in rows:
        bind.execute(_policy.update().where(_policy.c.id == policy_id).values(
            title_tokens=join(index_tokens(title or '')), body_tokens=join(index_tokens(body or ''))))


def downgrade():
    # The old tokens are not kept; the character pairs still answer the old search, less well.
    pass
