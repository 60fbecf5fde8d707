"""APDS car parks: we are a service provider of the APDS platform (seed 003)."""

from webapp.core.provider import ApiSpec, ProviderSpec

SPEC = ProviderSpec(
    name="apds",
    booking_kind="apds_session",
    reference_prefix="AP",
    api=ApiSpec(
        name="apds",
        credentials={"token": "PROVIDER_APDS_TOKEN"},
        demo_credentials={"token": "apds-demo-token"},
        sandbox_base_url="https://apds.sandbox/",
        client="webapp.apds.client:client_from_settings",
        sandbox="webapp.apds.sandbox:create_sandbox",
    ),
    blueprints=("webapp.apds.views:bp", "webapp.apds.webhook_views:bp", "webapp.apds.operator_views:bp"),
    map_layer="webapp.apds.map_layer:apds_layer",
    cli="webapp.apds.cli:apds_cli",
    demo_data="webapp.apds.cli:load_demo_places",
    adapter="webapp.apds.adapter:ApdsAdapter",
    jobs="webapp.apds.jobs",
    # the party responsible for the car park's rate, and its rate table's tax terms (seed 003 §➋)
    seller_for="webapp.apds.seller:seller_for",
)
