"""The per-app store of answers kept per state of their data (webapp/core/kept.py)."""

from __future__ import annotations

from webapp.core.kept import KeptAnswers, kept


def test_kept_answers_forget_the_least_recently_used_first():
    answers = KeptAnswers(size=2)
    answers.put("a", 1)
    answers.put("b", 2)
    assert answers.get("a") == 1  # "b" is now the least recently used
    answers.put("c", 3)
    assert (answers.get("a"), answers.get("b"), answers.get("c")) == (1, None, 3)
    assert len(answers) == 2


def test_kept_computes_once_per_key_never_keeps_none_and_sizes_a_store_at_its_first_answer(app):
    calls = []

    def compute(value):
        def answer():
            calls.append(value)
            return value
        return answer

    with app.app_context():
        assert kept("test", ("k", 1), compute("first"), size=3) == "first"
        assert kept("test", ("k", 1), compute("second")) == "first"  # kept: not computed again
        assert kept("test", ("k", 2), compute(None)) is None
        assert kept("test", ("k", 2), compute(None)) is None  # None was not kept: computed again
        assert app.extensions["kept:test"].size == 3
    assert calls == ["first", None, None]
