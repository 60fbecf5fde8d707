"""Password hashing: cheap Argon2id only under the testing configuration, strong everywhere else."""

from __future__ import annotations

import argon2
from argon2.profiles import get_default_parameters
from flask import Flask

from webapp.accounts import users as accounts
from webapp.config import DevelopmentConfig, ProductionConfig, TestingConfig


def _parameters(password_hash: str) -> argon2.Parameters:
    return argon2.extract_parameters(password_hash)


def _hash_under(config) -> str:
    app = Flask(__name__)
    app.config.from_object(config)
    with app.app_context():
        return accounts._hasher().hash("a long password")


def test_production_and_development_keep_the_libraries_strong_parameters(tmp_path):
    environ = {"SECRET_KEY": "x" * 32, "INSTANCE_PATH": str(tmp_path)}
    strong = get_default_parameters()
    for config in (ProductionConfig(environ), DevelopmentConfig(environ)):
        assert config.PASSWORD_HASH_PARAMETERS is None
        used = _parameters(_hash_under(config))
        assert (used.time_cost, used.memory_cost, used.parallelism) == (
            strong.time_cost, strong.memory_cost, strong.parallelism)
    assert strong.memory_cost >= 64 * 1024 and strong.time_cost >= 2  # RFC 9106's low-memory profile or better


def test_testing_hashes_are_cheap_argon2id(make_user, tmp_path):
    user = make_user()
    used = _parameters(user.password_hash)
    assert user.password_hash.startswith("$argon2id$")
    cheap = TestingConfig({"INSTANCE_PATH": str(tmp_path)}).PASSWORD_HASH_PARAMETERS
    assert used.memory_cost == cheap["memory_cost"] < 1024


def test_a_cheap_hash_is_made_strong_at_the_next_login(app, make_user):
    user = make_user("me@example.com", password="a long password")
    app.config["PASSWORD_HASH_PARAMETERS"] = None  # the same database, now under production's parameters
    assert accounts.authenticate("me@example.com", "a long password") is not None
    assert _parameters(user.password_hash).memory_cost == get_default_parameters().memory_cost
    assert accounts.authenticate("me@example.com", "a long password") is not None
    assert accounts.authenticate("me@example.com", "wrong password!") is None
    assert accounts.authenticate("nobody@example.com", "a long password") is None
