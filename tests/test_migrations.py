"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import flask_migrate
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from webapp import create_app
from webapp.config import TestingConfig
from webapp.extensions import db
from webapp.maps.place_sets import PlaceSet


def test_migrations_and_models_agree(tmp_path, empty_database_url):
    app = create_app(TestingConfig({"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": empty_database_url}))
    with app.app_context():
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        assert differences == [], f"autogenerate finds differences: {differences}"
        assert {"users", "vehicles", "bookings", "booking_events"} <= set(inspect(db.engine).get_table_names())
        # every set of places has a stamp from the start: an upgraded database keeps its counts at once (0026)
        stamps = dict(db.session.execute(db.select(PlaceSet.name, PlaceSet.stamp)).all())
        assert set(stamps) == {"helsinki", "seoul", "apds"} and len(set(stamps.values())) == 3
        db.session.remove()
        flask_migrate.downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()
