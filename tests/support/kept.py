"""Forgetting what a worker keeps per stamp of a set of places (``maps.place_sets``)."""

from __future__ import annotations


def forget_kept_per_set(app) -> None:
    """Drop every answer kept per stamp of a set of places (counts, matches, a view's groups), as a new stamp
    would: a statement count then measures what a request computes, not what an earlier one kept."""
    for store in [store for store in app.extensions if store.startswith("kept:place_set:")]:
        del app.extensions[store]
