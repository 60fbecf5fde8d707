"""Korean rent-cars: we are a travel agency of the rent-car companies' server (seed 001)."""

from webapp.core.provider import ApiSpec, ProviderSpec

SPEC = ProviderSpec(
    name="rentcar",
    booking_kind="rental",
    reference_prefix="RC",
    api=ApiSpec(
        name="rentcar",
        credentials={"uid": "PROVIDER_RENTCAR_UID", "passcode": "PROVIDER_RENTCAR_PASSCODE"},
        demo_credentials={"uid": "demo-agency", "passcode": "demo-passcode"},
        sandbox_base_url="https://rentcar.sandbox/",
        client="webapp.rentcar.client:client_from_settings",
        sandbox="webapp.rentcar.sandbox:create_sandbox",
    ),
    blueprints=("webapp.rentcar.views:bp",),
    adapter="webapp.rentcar.adapter:RentalAdapter",
)
