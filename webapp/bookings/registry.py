"""What the booking core knows of the features that book: kinds, reference prefixes, adapters.

Features register at app creation (``create_app`` calls ``register_feature``
for each ``ProviderSpec``); the core never imports a feature.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app

from webapp.bookings.adapter import Seller
from webapp.bookings.models import Status
from webapp.core.clock import utcnow
from webapp.core.provider import ProviderSpec, resolve

logger = logging.getLogger(__name__)

#: prefix of a reference whose kind no feature claims
FALLBACK_PREFIX = "BK"


@dataclass(frozen=True)
class BookingKind:
    """One kind of booking and the feature behind it."""

    kind: str
    feature: str
    provider: str
    reference_prefix: str
    adapter: object | None
    describe: Callable[[object, str], str] | None = None
    seller_for: Callable[[object, str], Seller] | None = None


def register_feature(app: Flask, spec: ProviderSpec) -> None:
    """Record ``spec``'s booking kind and adapter on ``app`` (no-op for a feature that does not book)."""
    if not spec.booking_kind:
        return
    adapter = resolve(spec.adapter)() if spec.adapter else None
    kinds = app.extensions.setdefault("booking_kinds", {})
    kinds[spec.booking_kind] = BookingKind(
        kind=spec.booking_kind, feature=spec.name, provider=spec.api.name if spec.api else spec.name,
        reference_prefix=spec.reference_prefix or FALLBACK_PREFIX, adapter=adapter,
        describe=resolve(spec.describe) if spec.describe else None,
        seller_for=resolve(spec.seller_for) if spec.seller_for else None,
    )


def booking_kinds() -> dict[str, BookingKind]:
    """The current app's booking kinds."""
    return current_app.extensions.get("booking_kinds", {})


def reference_prefix(kind: str) -> str:
    """The reference prefix of ``kind`` (``BK`` for a kind no feature claims)."""
    entry = booking_kinds().get(kind)
    return entry.reference_prefix if entry else FALLBACK_PREFIX


def adapter_for(kind: str):
    """The ``BookingAdapter`` of ``kind``, or None when its feature has none yet."""
    entry = booking_kinds().get(kind)
    return entry.adapter if entry else None


def status_now(booking, now=None) -> Status:
    """A booking's status as it is at ``now``: a running booking whose right ran out at its end (an adapter's
    ``ends_by_itself``, ``bookings.adapter.RunsOut``) is completed, though nothing has recorded it yet."""
    status = Status(booking.status)
    if status == Status.ACTIVE and booking.ends_at is not None and booking.ends_at <= (now or utcnow()):
        runs_out = getattr(adapter_for(booking.kind), "ends_by_itself", None)
        if runs_out is not None and runs_out(booking):
            return Status.COMPLETED
    return status


def booking_title(booking, language: str) -> str:
    """A booking's title in ``language`` when its feature can say it, else the title stored when it was made."""
    entry = booking_kinds().get(booking.kind)
    if entry is not None and entry.describe is not None:
        title = entry.describe(booking, language)
        if title:
            return title
    return booking.title or booking.kind


def booking_seller(booking, language: str) -> Seller:
    """Who sold ``booking``, from its feature's ``seller_for`` hook (the provider's own data).

    A kind without the hook, or whose hook fails (its data is gone), is named by its provider's key and
    states no VAT: a receipt is still shown, and the failure is logged (a test requires the hook of
    every kind that books).
    """
    entry = booking_kinds().get(booking.kind)
    if entry is not None and entry.seller_for is not None:
        try:
            return entry.seller_for(booking, language)
        except Exception:  # a receipt without the operator's name is better than no receipt
            logger.exception("naming the seller of booking %s failed", booking.public_ref)
    return Seller(name=booking.provider)
