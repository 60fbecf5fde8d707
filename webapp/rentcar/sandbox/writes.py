"""The reservation writes: revadd, revupdate, revcancel, addetcitem and deletcitem."""

from __future__ import annotations

import secrets

from sqlalchemy import select, update

from webapp.rentcar.sandbox import catalog
from webapp.rentcar.sandbox.base import CANCELLED, STATES
from webapp.rentcar.sandbox.guards import ReservationGuards
from webapp.rentcar.sandbox.params import read_int, read_list, read_period, read_text
from webapp.rentcar.sandbox.results import ResultError
from webapp.rentcar.sandbox.rules import check_window, fee_ok, from_wire, to_wire
from webapp.rentcar.sandbox.store import reservations
from webapp.rentcar.sandbox.views import ReservationViews


class ReservationWrites(ReservationGuards, ReservationViews):
    """Each write answers with the reservation as revdetail shows it (except revcancel)."""

    def revadd(self, form, _cmd) -> dict:
        company = self.one_company(form)
        sd, ed = read_period(form)
        if form.get("carnum") and form.get("mid"):
            raise ResultError("0126")
        model = self._model(company, read_int(form, "mid", required=True))
        check_window(self.cat.rules[company["link_no"]], sd, ed, self.now())
        option_ins, insid = read_int(form, "option_ins", default=0), read_int(form, "insid", default=0)
        option_fee, ins_fee, insids = self._cover(model, option_ins, insid, sd, ed)
        gids = [read_int({"gid": g}, "gid") for g in read_list(form, "gid")]
        if len(set(gids)) != len(gids):
            raise ResultError("0128")
        extras = [self._extra(model, gid) for gid in gids]
        dealer = read_text(form, "dealerrevnum")
        if len(dealer) > 50:
            raise ResultError("0131")
        carfeechk = read_int(form, "carfeechk", required=True)
        etcfeechk = read_int(form, "etcfeechk", required=bool(gids))
        insfeechk = read_int(form, "insfeechk", required=bool(insid))
        ignore = read_int(form, "ignorefeechkunder", default=0, choices=(0, 1)) == 1
        uname = read_text(form, "uname", required=True, max_len=50)
        phone = read_text(form, "phone", required=True, max_len=30)
        revstate = read_text(form, "revstate") or STATES[0]
        if revstate not in STATES:
            raise ResultError("9100", "revstate")
        blockrev = read_int(form, "blockrev", default=0, choices=(0, 1)) == 1
        if not any(self.available(model, sd, ed, with_block=True)):
            raise ResultError("0200")  # sold out says more than a fee that no longer matters
        car = self._car_fee(model, sd, ed) + option_fee
        extra_rows = [{"gid": e.gid, "name": e.name, "fee": catalog.extra_fee(e, sd, ed), "direct": True}
                      for e in extras]
        etc = sum(e["fee"] for e in extra_rows)
        if not fee_ok(car, carfeechk, ignore) or (insid and not fee_ok(ins_fee, insfeechk, ignore)) or (
                gids and not fee_ok(etc, etcfeechk, ignore)):
            raise ResultError("0310")
        custfee = self._custfee(form, company, car + ins_fee + etc)
        with self.engine.begin() as conn:
            if dealer and conn.execute(select(reservations.c.revnum).where(
                    reservations.c.uid == form["uid"], reservations.c.dealerrevnum == dealer)).first():
                raise ResultError("0130")
            general, blocked = self.available(model, sd, ed, with_block=True)
            if blockrev and blocked:
                pool = "block"
            elif general:
                pool = "general"
            elif blocked:
                pool = "block"
            else:
                raise ResultError("0200")
            revnum = f"{company['agency_code'][:2]}{self.now():%y%m%d}{secrets.randbelow(10**6):06d}"
            conn.execute(reservations.insert().values(
                revnum=revnum, company=company["link_no"], uid=form["uid"], dealerrevnum=dealer or None,
                state=revstate, accepted_at=to_wire(self.now()), mid=model.mid, sd=to_wire(sd), ed=to_wire(ed),
                option_ins=option_ins or 0, insids=",".join(map(str, insids)), extras=extra_rows, uname=uname,
                phone=phone, email=read_text(form, "email", max_len=100), uname1=read_text(form, "uname1", max_len=50),
                phone1=read_text(form, "phone1", max_len=30), sp=read_text(form, "sp", max_len=100),
                ep=read_text(form, "ep", max_len=100), memo=read_text(form, "memo", max_len=300), car_fee=car,
                ins_fee=ins_fee, custfee=custfee, pool=pool, cancel_memo="", channel="실시간API"))
        return self.detail(revnum)

    def revupdate(self, form, _cmd) -> dict:
        company = self.one_company(form)
        row = self._load(form, company)
        self._changeable(row, company)
        values: dict = {}
        for name, limit in (("memo", 300), ("sp", 100), ("ep", 100)):
            if name in form:
                values[name] = read_text(form, name, max_len=limit)
        if form.get("revstate"):
            if form["revstate"] not in STATES:
                raise ResultError("9100", "revstate")
            values["state"] = form["revstate"]
        if form.get("dealerrevnum") and not row.dealerrevnum:
            values["dealerrevnum"] = read_text(form, "dealerrevnum", max_len=50)
        changes_car = any(form.get(name) for name in ("mid", "sd", "ed", "option_ins", "insid"))
        ignore = read_int(form, "ignorefeechkunder", default=0, choices=(0, 1)) == 1
        total = row.car_fee + row.ins_fee + sum(e["fee"] for e in row.extras)
        if changes_car:
            # the final state (mid, sd, ed, option_ins|insid) must be sent whole (seed revupdate)
            mid = read_int(form, "mid", required=True)
            sd, ed = read_period(form)
            insured = form.get("option_ins") or form.get("insid")
            if len([i for i in row.insids.split(",") if i]) > 1:
                raise ResultError("0129" if insured else "0612")
            if mid != row.mid and not self.cat.rules[company["link_no"]].fee_change_allowed:
                raise ResultError("0321")
            model = self._model(company, mid)
            for extra in row.extras:
                allowed = self.cat.extras.get(extra["gid"])
                if allowed is not None and allowed.mids is not None and mid not in allowed.mids:
                    raise ResultError("0611")
            check_window(self.cat.rules[company["link_no"]], sd, ed, self.now())
            option_ins, insid = read_int(form, "option_ins", default=0), read_int(form, "insid", default=0)
            option_fee, ins_fee, insids = self._cover(model, option_ins, insid, sd, ed)
            general, blocked = self.available(model, sd, ed, with_block=True, exclude=row.revnum)
            if not (general or blocked):
                raise ResultError("0200")
            extras = [{**e, "fee": catalog.extra_fee(self.cat.extras[e["gid"]], sd, ed)} for e in row.extras]
            car = self._car_fee(model, sd, ed) + option_fee
            total = car + ins_fee + sum(e["fee"] for e in extras)
            values.update(mid=mid, sd=to_wire(sd), ed=to_wire(ed), option_ins=option_ins or 0,
                          insids=",".join(map(str, insids)), extras=extras, car_fee=car, ins_fee=ins_fee,
                          pool="general" if general else "block")
        if changes_car or form.get("custfee"):
            feesumchk = read_int(form, "feesumchk", required=True)
            if not fee_ok(total, feesumchk, ignore):
                raise ResultError("0310")
        if form.get("custfee"):
            values["custfee"] = self._custfee(form, company, total)
        elif changes_car and row.custfee is not None:
            values["custfee"] = min(row.custfee, total) if row.custfee else 0
        if values:
            with self.engine.begin() as conn:
                conn.execute(update(reservations).where(reservations.c.revnum == row.revnum).values(**values))
        return self.detail(row.revnum)

    def revcancel(self, form, _cmd) -> dict:
        company = self.one_company(form)
        memo = form.get("cancelmemo", "").strip()
        if len(memo) > 200:
            raise ResultError("0620")
        row = self._load(form, company)
        self._changeable(row, company)
        with self.engine.begin() as conn:
            conn.execute(update(reservations).where(reservations.c.revnum == row.revnum).values(
                state=CANCELLED, cancel_memo=memo))
        return {"L렌트회사코드": company["agency_code"], "R렌트회사": company["name"], "R예약번호": row.revnum,
                "R예약상태": CANCELLED, "R취소사유": memo}

    def addetcitem(self, form, _cmd) -> dict:
        company = self.one_company(form)
        row = self._load(form, company)
        self._changeable(row, company)
        model = self._model(company, row.mid)
        extra = self._extra(model, read_int(form, "gid", required=True))
        check = read_int(form, "etcfeechk", required=True)
        direct = read_int(form, "iscustfee", default=1, choices=(0, 1)) == 1
        if any(e["gid"] == extra.gid for e in row.extras):
            raise ResultError("0128")
        fee = catalog.extra_fee(extra, from_wire(row.sd), from_wire(row.ed))
        if not fee_ok(fee, check, read_int(form, "ignorefeechkunder", default=0, choices=(0, 1)) == 1):
            raise ResultError("0310")
        extras = [*row.extras, {"gid": extra.gid, "name": extra.name, "fee": fee, "direct": direct}]
        values = {"extras": extras}
        if direct and row.custfee is not None and row.custfee > 0:
            values["custfee"] = row.custfee + fee  # a directly paid extra is paid at the counter too
        with self.engine.begin() as conn:
            conn.execute(update(reservations).where(reservations.c.revnum == row.revnum).values(**values))
        return self.detail(row.revnum)

    def deletcitem(self, form, _cmd) -> dict:
        company = self.one_company(form)
        row = self._load(form, company)
        self._changeable(row, company)
        name = read_text(form, "gname", required=True)
        hits = [e for e in row.extras if e["name"] == name]
        if not hits:
            raise ResultError("0510")
        if len(hits) > 1:
            raise ResultError("0511")
        values = {"extras": [e for e in row.extras if e is not hits[0]]}
        if hits[0]["direct"] and row.custfee:
            values["custfee"] = max(0, row.custfee - hits[0]["fee"])
        with self.engine.begin() as conn:
            conn.execute(update(reservations).where(reservations.c.revnum == row.revnum).values(**values))
        return self.detail(row.revnum)
