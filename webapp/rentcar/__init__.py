"""Korean rent-cars: we are a travel agency of the rent-car companies' server (seed 001).

Where things are: ``client/`` (commands, result codes, call costs) and
``wire.py`` speak the API (every cmd, typed, Korean aliases); ``sandbox/`` is
the companies' server (5 linked companies in Jeju and Seoul, 40 models with
fleets, covers, extras, blocks, every result code, the per-agency cost meter);
``pricing.py`` holds our pure rules; ``rentals/`` the use cases on the booking
core (search, quote, reserve, change, extras, cancel, lookup);
``availability.py`` the short shared reuse of search answers; ``adapter.py``
finds a reservation by our reference (``dealerrevnum``); ``messages.py`` what
drivers read for each result code; ``views.py`` the pages under ``/rentals``
(admins: ``/rentals/admin/cost``). ``flask --app app sandbox rentcar-cost``
prints what the sandbox metered; ``bench/rentcar.py`` the latency and cost
figures.
"""

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
    # the model and company in the reader's language (the stored title is in Korean)
    describe="webapp.rentcar.rentals.lookup:booking_title",
    # the rent-car company of the reservation (seed 001 R회사명)
    seller_for="webapp.rentcar.seller:seller_for",
)
