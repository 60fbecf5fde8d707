"""What every command stands on: the store, the catalogue and the clock.

Which companies a request names, the cars free for a window, a call's API cost;
also the reservation states and the display format the replies share.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, select

from webapp.rentcar.sandbox import catalog
from webapp.rentcar.sandbox.command_table import COSTS, SEARCHES
from webapp.rentcar.sandbox.params import read_list
from webapp.rentcar.sandbox.results import ResultError
from webapp.rentcar.sandbox.rules import from_wire, max_concurrent, to_wire
from webapp.rentcar.sandbox.store import all_companies, reservations

GOOD_STANDING = "정상"
STATES = ("예약대기", "예약중", "예약확정")
CANCELLED, ON_RENT = "취소", "대여중"
DISPLAY = "%Y-%m-%d %H:%M"


class ServiceBase:
    """The store, the catalogue and the clock, and the look-ups every command family shares."""

    def __init__(self, engine: Engine, cat: catalog.Catalogue, now) -> None:
        self.engine = engine
        self.cat = cat
        self.now = now

    # -- companies and their selection --

    def companies(self) -> list[dict]:
        return [c for c in all_companies(self.engine) if c["status"] == GOOD_STANDING]

    def company(self, link_no: int) -> dict:
        return next(c for c in all_companies(self.engine) if c["link_no"] == link_no)

    def _find_company(self, token: str, by_code: bool) -> dict:
        for company in self.companies():
            if (company["agency_code"] if by_code else company["name"]) == token:
                return company
        raise ResultError("0120")

    def selected(self, form) -> list[dict]:
        """``(rcname | rccode),?``: the named companies, or every linked one."""
        names, codes = read_list(form, "rcname"), read_list(form, "rccode")
        if names and codes:
            raise ResultError("9100", "rccode")  # "A | B: 파라미터 A와 B 중 하나만 사용"
        if names or codes:
            return [self._find_company(token, bool(codes)) for token in (codes or names)]
        return self.companies()

    def one_company(self, form) -> dict:
        """``rcname | rccode``: exactly one company (the reservation commands)."""
        names, codes = read_list(form, "rcname"), read_list(form, "rccode")
        if names and codes:
            raise ResultError("9100", "rccode")
        if len(names) + len(codes) != 1:
            raise ResultError("9100", "rcname")
        return self._find_company((codes or names)[0], bool(codes))

    def pairs(self, form, name: str) -> tuple[list[dict], list[tuple[dict | None, str]]]:
        """The companies and (company or None, model) items of ``mcode``/``mid``.

        ``회사명@모델`` or ``회사코드$모델`` bind a model to a company; such
        combinations cannot go with ``rcname | rccode`` (seed 001).
        """
        items = read_list(form, name)
        if not items:
            raise ResultError("9100", name)
        combined = any("@" in item or "$" in item for item in items)
        if combined and (form.get("rcname") or form.get("rccode")):
            raise ResultError("9100", name)
        pairs: list[tuple[dict | None, str]] = []
        for item in items:
            if "@" in item:
                company, _, model = item.partition("@")
                pairs.append((self._find_company(company, False), model))
            elif "$" in item:
                company, _, model = item.partition("$")
                pairs.append((self._find_company(company, True), model))
            else:
                pairs.append((None, item))
        companies = self.selected(form) if not combined else []
        for company, _ in pairs:
            if company is not None and company not in companies:
                companies.append(company)
        return companies, pairs

    def cost(self, cmd: str, form) -> int:
        """The call's API cost in 1/400ths (seed "API 목록과 비용": x R companies, x M models)."""
        per_call, per_company, per_model = COSTS[cmd]
        if per_company:
            if cmd != "inslist" and form.get("mid"):
                return per_company * len(self.pairs(form, "mid")[0])  # R: the companies the models name
            return per_company * len(self.selected(form))
        if per_model:
            name = SEARCHES[cmd][2]
            companies, pairs = self.pairs(form, name)
            bound = sum(1 for company, _ in pairs if company is not None)
            free = len(pairs) - bound
            return per_model * (bound + free * len(companies))
        return per_call

    def models_of(self, company: dict) -> list[catalog.Model]:
        return [m for m in self.cat.models.values() if m.company == company["link_no"]]

    def available(self, model: catalog.Model, sd: datetime, ed: datetime, with_block: bool,
                  exclude: str | None = None) -> tuple[int, int]:
        """Cars free for ``sd``–``ed``: (general pool, block pool)."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(reservations.c.sd, reservations.c.ed, reservations.c.pool).where(
                reservations.c.mid == model.mid, reservations.c.state != CANCELLED,
                reservations.c.revnum != (exclude or ""))).all()
        block = self.cat.blocks.get((model.company, model.mid), 0)
        window = (to_wire(sd), to_wire(ed))
        general = model.fleet - block - max_concurrent([(r.sd, r.ed) for r in rows if r.pool == "general"], *window)
        blocked = block - max_concurrent([(r.sd, r.ed) for r in rows if r.pool == "block"], *window)
        return max(0, general), (max(0, blocked) if with_block else 0)


def show(wire: str) -> str:
    return from_wire(wire).strftime(DISPLAY)
