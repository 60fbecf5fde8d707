"""parkkihubi: the City of Helsinki's live parking hub, where operators report each parking for enforcement.

This package is the hub's API only — a client, its wire models and the hub's emulator. It books
nothing by itself: Helsinki street parkings report to it when ``HELSINKI_BACKEND=parkkihubi``
(``webapp/helsinki/hub.py``), reaching the client through ``core.provider`` like any provider's.
"""

from webapp.core.provider import ApiSpec, ProviderSpec

#: the embedded sandbox's operator key: a public demo value no real hub accepts
DEMO_API_KEY = "0123456789abcdef0123456789abcdef01234567"

SPEC = ProviderSpec(
    name="parkkihubi",
    api=ApiSpec(
        name="parkkihubi",
        credentials={"api_key": "PROVIDER_PARKKIHUBI_API_KEY"},
        demo_credentials={"api_key": DEMO_API_KEY},
        sandbox_base_url="https://parkkihubi.sandbox/",
        client="webapp.parkkihubi.client:client_from_settings",
        sandbox="webapp.parkkihubi.sandbox:create_sandbox",
    ),
)
