"""Content generation: a counter every write to what public pages show moves on (triggers), so that web
processes keep finished anonymous pages until it moves (policyhub/web/pagecache.py).

Revision ID: 0021
Revises: 0018
Create Date: 2026-12-04 02:20:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0018'
branch_labels = None
depends_on = None

BUMP = "UPDATE content_generation SET value = value + 1 WHERE name = 'public'"
# What the public pages show: policies, their files, departments, and consultations published as Q&A.
WHOLE_TABLES = ("policy", "policy_file", "department")
QA_CONDITIONS = {"INSERT": "NEW.published_as_qa", "UPDATE": "OLD.published_as_qa OR NEW.published_as_qa",
                 "DELETE": "OLD.published_as_qa"}


def upgrade():
    op.execute("CREATE TABLE content_generation (name VARCHAR(32) PRIMARY KEY, value BIGINT NOT NULL)")
    op.execute("INSERT INTO content_generation (name, value) VALUES ('public', 0)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE FUNCTION bump_content_generation() RETURNS trigger AS $$ BEGIN {BUMP}; RETURN NULL; END $$ "
                   "LANGUAGE plpgsql")
        for table in WHOLE_TABLES:
            op.execute(f"CREATE TRIGGER {table}_content_generation AFTER INSERT OR UPDATE OR DELETE ON {table} "
                       "FOR EACH STATEMENT EXECUTE FUNCTION bump_content_generation()")
        for event, condition in QA_CONDITIONS.items():
            op.execute(f"CREATE TRIGGER consultation_qa_{event.lower()}_content_generation AFTER {event} ON consultation "
                       f"FOR EACH ROW WHEN ({condition}) EXECUTE FUNCTION bump_content_generation()")
        return
    for table in WHOLE_TABLES:
        for event in ("INSERT", "UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER {table}_{event.lower()}_content_generation AFTER {event} ON {table} "
                       f"BEGIN {BUMP}; END")
    for event, condition in QA_CONDITIONS.items():
        op.execute(f"CREATE TRIGGER consultation_qa_{event.lower()}_content_generation AFTER {event} ON consultation "
                   f"WHEN {condition} BEGIN {BUMP}; END")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in WHOLE_TABLES:
            op.execute(f"DROP TRIGGER {table}_content_generation ON {table}")
        for event in QA_CONDITIONS:
            op.execute(f"DROP TRIGGER consultation_qa_{event.lower()}_content_generation ON consultation")
        op.execute("DROP FUNCTION bump_content_generation()")
    else:
        for table in WHOLE_TABLES:
            for event in ("INSERT", "UPDATE", "DELETE"):
                op.execute(f"DROP TRIGGER {table}_{event.lower()}_content_generation")
        for event in QA_CONDITIONS:
            op.execute(f"DROP TRIGGER consultation_qa_{event.lower()}_content_generation")
    op.execute("DROP TABLE content_generation")
