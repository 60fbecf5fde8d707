"""Seoul parking lots: we receive the lot operators' ``ParklandWRT.svc`` pushes (seed 000)."""

from webapp.core.provider import ProviderSpec

SPEC = ProviderSpec(
    name="seoul",
    blueprints=("webapp.seoul.views:bp", "webapp.seoul.admin_views:bp", "webapp.seoul.receiver_views:bp"),
    map_layer="webapp.seoul.map_layer:seoul_layer",
    cli="webapp.seoul.cli:seoul_cli",
    demo_data="webapp.seoul.cli:load_demo_lots",
    jobs="webapp.seoul.jobs",
)
