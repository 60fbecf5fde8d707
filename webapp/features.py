"""The one list of feature packages: adding a provider is a package and one line here."""

from __future__ import annotations

from webapp import apds, helsinki, parkkihubi, rentcar, seoul, valet
from webapp.core.provider import ProviderSpec

FEATURES: tuple[ProviderSpec, ...] = (
    helsinki.SPEC,
    seoul.SPEC,
    apds.SPEC,
    rentcar.SPEC,
    valet.SPEC,
    # the City of Helsinki's parking hub: an API Helsinki street parkings report to (HELSINKI_BACKEND)
    parkkihubi.SPEC,
)
