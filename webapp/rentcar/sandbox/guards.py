"""The checks a reservation write goes through: model, cover, extras, fees, finding the booking, deadline and state."""

from __future__ import annotations

from sqlalchemy import select

from webapp.rentcar.sandbox import catalog
from webapp.rentcar.sandbox.base import CANCELLED, ON_RENT, ServiceBase
from webapp.rentcar.sandbox.params import read_int, read_text
from webapp.rentcar.sandbox.results import ResultError
from webapp.rentcar.sandbox.rules import change_deadline, from_wire
from webapp.rentcar.sandbox.store import reservations


class ReservationGuards(ServiceBase):
    """Each guard returns what it checked or raises the seed's result code."""

    def _model(self, company: dict, mid: int | None) -> catalog.Model:
        model = self.cat.models.get(mid)
        if model is None or model.company != company["link_no"]:
            raise ResultError("0121")
        return model

    def _cover(self, model, option_ins: int | None, insid: int | None, sd, ed) -> tuple[int, int, list[int]]:
        """(option fee, insurance fee, insids) of the chosen cover; 0122–0125 refusals."""
        if option_ins and insid:
            raise ResultError("0125")
        if option_ins:
            if option_ins not in (1, 2) or len(model.options) < option_ins:
                raise ResultError("0123")
            return catalog.option_fee(model, option_ins, sd, ed), 0, []
        if insid:
            ins = self.cat.insurances.get(insid)
            if ins is None or model.mid not in ins.mids:
                raise ResultError("0122")
            if ins.capped_7_days and catalog.rental_days(sd, ed) > 7:
                raise ResultError("0124")
            return 0, catalog.insurance_fee(ins, sd, ed), [insid]
        return 0, 0, []

    def _extra(self, model, gid: int) -> catalog.Extra:
        extra = self.cat.extras.get(gid)
        if extra is None or extra.company != model.company or (extra.mids is not None and model.mid not in extra.mids):
            raise ResultError("0127")
        return extra

    def _car_fee(self, model, sd, ed) -> int:
        try:
            return catalog.car_fee(model, sd, ed)
        except catalog.FeeError as error:
            raise ResultError(error.code) from None

    def _custfee(self, form, company: dict, total: int) -> int | None:
        custfee = read_int(form, "custfee")
        rules = self.cat.rules[company["link_no"]]
        if custfee is not None and custfee not in (0, total) and not rules.custfee_allowed:
            raise ResultError("0320")
        if custfee is not None and not 0 <= custfee <= total:
            raise ResultError("9100", "custfee")
        return custfee

    def _load(self, form, company: dict):
        revnum = read_text(form, "revnum")
        dealer = read_text(form, "dealerrevnum")
        query = select(reservations).where(reservations.c.company == company["link_no"],
                                           reservations.c.uid == form["uid"])
        with self.engine.connect() as conn:
            if revnum:
                row = conn.execute(query.where(reservations.c.revnum == revnum)).first()
                if row is None:
                    raise ResultError("0500")
                if dealer and row.dealerrevnum != dealer:
                    raise ResultError("0501")
                return row
            if dealer:
                row = conn.execute(query.where(reservations.c.dealerrevnum == dealer)).first()
                if row is None:
                    raise ResultError("0501")
                return row
        raise ResultError("9100", "revnum")

    def _changeable(self, row, company: dict) -> None:
        if row.state in (CANCELLED, ON_RENT):
            raise ResultError("0610")
        deadline = change_deadline(from_wire(row.accepted_at), from_wire(row.sd), company["change_cutoff_hours"],
                                   company["same_day_cancel_minutes"])
        if self.now() > deadline:
            raise ResultError("0601")
