"""Migration 0012 fills the new search columns of the places that already exist."""

from __future__ import annotations

import os

import flask_migrate
import pytest
from sqlalchemy import text

from webapp import create_app
from webapp.config import TestingConfig
from webapp.extensions import db
from webapp.maps.search import search_text

pytestmark = pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="SQLite file per test")


def test_upgrade_backfills_search_text_like_the_models_write_it(tmp_path):
    app = create_app(TestingConfig({"INSTANCE_PATH": str(tmp_path),
                                    "DATABASE_URL": f"sqlite:///{tmp_path}/backfill.sqlite3"}))
    with app.app_context():
        flask_migrate.upgrade(revision="0011")
        with db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO helsinki_areas (area_id, zone, name, street, postal_code, resident_parking_codes,"
                " special_parking_codes, tariffs, fetched_at) VALUES ('1001', 1,"
                " '{\"fi\": \"Töölö\", \"sv\": \"Tölö\", \"en\": \"Töölö\"}', '{\"fi\": \"Runeberginkatu 5\"}',"
                " '00100', '[]', '[]', '[]', '2026-11-27 10:00:00')"))
            connection.execute(text(
                "INSERT INTO apds_places (place_id, version, name, address, time_zone, tariff_key, fetched_at,"
                " occupancy_indicator) VALUES ('p1', 1, 'Arndale Car Park', 'High Street, Manchester',"
                " 'Europe/London', '', '2026-11-27 10:00:00', '')"))
        flask_migrate.upgrade(revision="0012")
        with db.engine.connect() as connection:
            area = connection.execute(text("SELECT search_text FROM helsinki_areas")).scalar_one()
            place = connection.execute(text("SELECT search_text FROM apds_places")).scalar_one()
        assert area == search_text("1001", "Töölö", "Tölö", "Töölö", "Runeberginkatu 5", "00100")
        assert "toolo" in area and "runeberginkatu" in area
        assert place == search_text("Arndale Car Park", "High Street, Manchester")
        db.engine.dispose()
