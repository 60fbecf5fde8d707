"""What each cmd costs the agency (seed 001 "API 목록과 비용"), so the service can meter and minimise it."""

from __future__ import annotations

from fractions import Fraction

_COSTS = {
    "companylist": (Fraction(1, 10), 0, 0),
    "carsearch": (0, Fraction(1, 10), 0), "carNblocksearch": (0, Fraction(1, 8), 0),
    "carsearch_r": (0, Fraction(1, 10), 0), "carNblocksearch_r": (0, Fraction(1, 8), 0),
    "carsearchbymodelcodes": (0, 0, Fraction(1, 100)), "carNblocksearchbymodelcodes": (0, 0, Fraction(1, 80)),
    "carsearchbymodelnumbers_r": (0, 0, Fraction(1, 100)),
    "carNblocksearchbymodelnumbers_r": (0, 0, Fraction(1, 80)),
    "inslist": (0, Fraction(1, 40), 0), "inslist_r": (0, Fraction(1, 40), 0), "etclist_r": (0, Fraction(1, 20), 0),
    "revadd": (Fraction(1, 2), 0, 0), "revupdate": (Fraction(1, 2), 0, 0), "revcancel": (Fraction(1, 2), 0, 0),
    "addetcitem": (Fraction(1, 2), 0, 0), "deletcitem": (Fraction(1, 2), 0, 0),
    "revlist": (Fraction(1, 10), 0, 0), "revdetail": (Fraction(1, 5), 0, 0),
}


def api_cost(cmd: str, companies: int = 1, models: int = 1) -> Fraction:
    """What one call costs the agency, in calls (seed 001 "API 목록과 비용").

    Args:
        companies: R, the companies the call asks (every linked one when none is named).
        models: M, the models of a by-model search.
    """
    per_call, per_company, per_model = _COSTS[cmd]
    return Fraction(per_call) + per_company * companies + per_model * companies * models
