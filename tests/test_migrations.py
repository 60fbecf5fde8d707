"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import re
import uuid

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from webapp import create_app
from webapp.config import TestingConfig
from webapp.extensions import db


@pytest.fixture
def empty_database_url(tmp_path):
    """A brand-new empty database: a SQLite file, or a fresh PostgreSQL database."""
    url = os.environ.get("DATABASE_URL")
    if not url or not url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path}/migrations.sqlite3"
        return
    name = f"migcheck_{uuid.uuid4().hex[:10]}"
    admin = create_engine(re.sub(r"/[^/]*$", "/postgres", url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield re.sub(r"/[^/]*$", f"/{name}", url)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def test_migrations_and_models_agree(tmp_path, empty_database_url):
    app = create_app(TestingConfig({"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": empty_database_url}))
    with app.app_context():
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        assert differences == [], f"autogenerate finds differences: {differences}"
        assert {"users", "vehicles", "bookings", "booking_events"} <= set(inspect(db.engine).get_table_names())
        flask_migrate.downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()
