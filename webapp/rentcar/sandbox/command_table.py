"""The table of cmds: what each costs, which ones write, and what each search variant means.

Seed 001 "API 목록과 비용" for the costs; the eight searches differ only in
whether rows are matched to the agency's model codes, include block cars, and
which parameter lists the models.
"""

from __future__ import annotations

from webapp.rentcar.sandbox.store import COST_UNITS_PER_CALL

#: seed 001 "API 목록과 비용" in 1/400ths of a call: (per call, per company, per company x model)
_C = COST_UNITS_PER_CALL
COSTS = {
    "companylist": (_C // 10, 0, 0),
    "carsearch": (0, _C // 10, 0), "carNblocksearch": (0, _C // 8, 0),
    "carsearch_r": (0, _C // 10, 0), "carNblocksearch_r": (0, _C // 8, 0),
    "carsearchbymodelcodes": (0, 0, _C // 100), "carNblocksearchbymodelcodes": (0, 0, _C // 80),
    "carsearchbymodelnumbers_r": (0, 0, _C // 100), "carNblocksearchbymodelnumbers_r": (0, 0, _C // 80),
    "inslist": (0, _C // 40, 0), "inslist_r": (0, _C // 40, 0), "etclist_r": (0, _C // 20, 0),
    "revadd": (_C // 2, 0, 0), "revupdate": (_C // 2, 0, 0), "revcancel": (_C // 2, 0, 0),
    "addetcitem": (_C // 2, 0, 0), "deletcitem": (_C // 2, 0, 0),
    "revlist": (_C // 10, 0, 0), "revdetail": (_C // 5, 0, 0),
}
WRITES = frozenset({"revadd", "revupdate", "revcancel", "addetcitem", "deletcitem"})
#: the search cmds: (matched to the agency's codes, with blocks, by model list parameter)
SEARCHES = {
    "carsearch": (True, False, None), "carNblocksearch": (True, True, None),
    "carsearchbymodelcodes": (True, False, "mcode"), "carNblocksearchbymodelcodes": (True, True, "mcode"),
    "carsearch_r": (False, False, None), "carNblocksearch_r": (False, True, None),
    "carsearchbymodelnumbers_r": (False, False, "mid"), "carNblocksearchbymodelnumbers_r": (False, True, "mid"),
}
