"""247Parking airport valet at Schiphol: we are a partner of the 247Parking API (seed 004)."""

from webapp.core.provider import ApiSpec, ProviderSpec

SPEC = ProviderSpec(
    name="valet",
    booking_kind="valet",
    reference_prefix="VP",
    api=ApiSpec(
        # the API keeps its own name: PROVIDER_PARKING247_* and `sandbox serve parking247`
        name="parking247",
        credentials={"key": "PROVIDER_PARKING247_KEY", "secret": "PROVIDER_PARKING247_SECRET",
                     # what is signed as the "Base URL": one setting for client and sandbox (PROVIDERS.md §5)
                     "signed_base_url": "PROVIDER_PARKING247_SIGNED_BASE_URL"},
        # seed 004's example key and secret, and the base URL its example signs
        demo_credentials={"key": "XxYEajBjyj&PQZiLGatPbKkoU3cg6NG9)ZrW6DWghAEiqv=lM",
                          "secret": "YyZLGQZiGrW6oBjyj&WghAP9)ZEiqv=lMatPbK",
                          "signed_base_url": "https://api.247parking.nl/"},
        sandbox_base_url="https://api.247parking.nl/v1/",
        client="webapp.valet.client:client_from_settings",
        sandbox="webapp.valet.sandbox:create_sandbox",
        # a request is signed with a single-use nonce: resending it is refused (seed 004 §2)
        retries=0,
    ),
    blueprints=("webapp.valet.views:bp",),
    adapter="webapp.valet.adapter:ValetAdapter",
    describe="webapp.valet.reservations:booking_title",
    # 247Parking sells the parking to the traveller; its prices include VAT (seed 004 "totaalprijs")
    seller_for="webapp.valet.seller:seller_for",
)
