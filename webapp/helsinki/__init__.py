"""Helsinki street parking: we are a mobile-parking operator of the city's API (seed 002)."""

from webapp.core.provider import ApiSpec, ProviderSpec

SPEC = ProviderSpec(
    name="helsinki",
    booking_kind="street_parking",
    reference_prefix="HP",
    api=ApiSpec(
        name="helsinki",
        credentials={"username": "PROVIDER_HELSINKI_USERNAME", "password": "PROVIDER_HELSINKI_PASSWORD"},
        # the seed's own demo operator (§3.1.1), accepted only by the embedded sandbox
        demo_credentials={"username": "client_00", "password": "secret password"},
        sandbox_base_url="https://helsinki.sandbox/",
        client="webapp.helsinki.client:client_from_settings",
        sandbox="webapp.helsinki.sandbox:create_sandbox",
    ),
    blueprints=("webapp.helsinki.views:bp",),
    map_layer="webapp.helsinki.map_layer:helsinki_layer",
    cli="webapp.helsinki.cli:helsinki_cli",
    demo_data="webapp.helsinki.cli:load_demo_areas",
    adapter="webapp.helsinki.adapter:StreetParkingAdapter",
    # parkings reported to the city's parking hub: what it has not confirmed is sent again (HELSINKI_BACKEND)
    jobs="webapp.helsinki.jobs",
    describe="webapp.helsinki.parkings:booking_title",
    # the city charges the fee; we collect it as its mobile-parking operator (seed 002 §1)
    seller_for="webapp.helsinki.seller:seller_for",
)
