"""The Alembic migrations build exactly the schema the models describe, and the search index."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from policyhub.extensions import db
from policyhub.models.base import include_in_autogenerate


def test_migrated_schema_matches_the_models(app):
    with app.app_context(), db.engine.connect() as connection:
        # The hand-made search structures are skipped exactly as migrations/env.py skips them.
        context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                               "include_object": include_in_autogenerate})
        assert compare_metadata(context, db.metadata) == []


def test_search_index_exists(app):
    with app.app_context(), db.engine.connect() as connection:
        if db.engine.dialect.name == "sqlite":
            names = {row[0] for row in connection.execute(text("SELECT name FROM sqlite_master"))}
            assert {"policy_fts", "policy_fts_ai", "policy_fts_ad", "policy_fts_au"} <= names
        else:
            indexes = {i["name"] for i in inspect(connection).get_indexes("policy")}
            assert "ix_policy_search" in indexes
