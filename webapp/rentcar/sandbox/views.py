"""Reading reservations back: revlist, revdetail, and the detail every write answers with."""

from __future__ import annotations

from sqlalchemy import select

from webapp.rentcar.sandbox.base import CANCELLED, DISPLAY, ServiceBase, show
from webapp.rentcar.sandbox.params import read_int, read_text
from webapp.rentcar.sandbox.results import ResultError
from webapp.rentcar.sandbox.rules import change_deadline, from_wire
from webapp.rentcar.sandbox.store import reservations


class ReservationViews(ServiceBase):
    """revlist and revdetail (seed 001 "예약조회")."""

    def revlist(self, form, _cmd) -> dict | None:
        company = self.one_company(form)
        sd_raw, ed_raw = read_text(form, "sd"), read_text(form, "ed")
        if bool(sd_raw) != bool(ed_raw):
            raise ResultError("9100", "ed" if sd_raw else "sd")  # "(sd & ed)?": both or neither
        today = self.now().strftime("%Y%m%d")
        first, last = sd_raw or today, ed_raw or today
        for name, value in (("sd", first), ("ed", last)):
            if len(value) != 8 or not value.isdigit():
                raise ResultError("9100", name)
        by_accept = read_int(form, "acceptdate", default=0, choices=(0, 1)) == 1
        with_cancel = read_int(form, "withcancel", default=0, choices=(0, 1)) == 1
        page = read_int(form, "page", default=1)
        per_page = read_int(form, "pagecount", default=100)
        if page < 1 or not 1 <= per_page <= 1000:
            raise ResultError("9100", "page" if page < 1 else "pagecount")
        column = reservations.c.accepted_at if by_accept else reservations.c.sd
        query = select(reservations).where(reservations.c.company == company["link_no"],
                                           reservations.c.uid == form["uid"], column >= first + "0000",
                                           column <= last + "2359")
        if not with_cancel:
            query = query.where(reservations.c.state != CANCELLED)
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(column, reservations.c.revnum)).all()
        if not rows:
            return None
        chunk = rows[(page - 1) * per_page: page * per_page]
        return {"Page": page, "PageCount": per_page, "TotalCount": len(rows),
                "예약목록": [self._list_row(row, company) for row in chunk]}

    def revdetail(self, form, _cmd) -> dict:
        company = self.one_company(form)
        return self.detail(self._load(form, company).revnum)

    def _list_row(self, row, company: dict) -> dict:
        model = self.cat.models[row.mid]
        etc = sum(e["fee"] for e in row.extras)
        total = row.car_fee + row.ins_fee + etc
        direct = total if row.custfee is None else row.custfee
        return {"L렌트회사코드": company["agency_code"], "R렌트회사": company["name"], "R예약번호": row.revnum,
                "R모델번호": row.mid, "R모델명": model.type.name, "R출발일시": show(row.sd),
                "R반납일시": show(row.ed), "R이름": row.uname, "R전화번호": row.phone,
                "R예약일시": show(row.accepted_at), "R예약상태": row.state, "R차량료": row.car_fee,
                "R자차료": row.ins_fee, "R기타요금": etc, "R요금합계": total, "R직불예정금액": direct,
                "R거래처미납": total - direct, "R예약경로": row.channel, "R거래처예약번호": row.dealerrevnum or ""}

    def detail(self, revnum: str) -> dict:
        """The reply of revadd, revupdate, revdetail, addetcitem and deletcitem (seed: "공통")."""
        with self.engine.connect() as conn:
            row = conn.execute(select(reservations).where(reservations.c.revnum == revnum)).one()
        company = self.company(row.company)
        model = self.cat.models[row.mid]
        etc = sum(e["fee"] for e in row.extras)
        postpaid = sum(e["fee"] for e in row.extras if not e["direct"])
        total = row.car_fee + row.ins_fee + etc
        direct = (total - postpaid) if row.custfee is None else row.custfee
        deadline = change_deadline(from_wire(row.accepted_at), from_wire(row.sd), company["change_cutoff_hours"],
                                   company["same_day_cancel_minutes"])
        insurances = [self.cat.insurances[int(i)].name for i in row.insids.split(",") if i]
        return {
            "L회사코드": company["agency_code"], "R렌트회사": company["name"], "R예약번호": row.revnum,
            "R예약상태": row.state, "R예약일시": show(row.accepted_at),
            "R예약변경가능시간": deadline.strftime(DISPLAY),
            "R이름": row.uname, "R전화번호": row.phone, "R전달사항": row.memo, "R모델번호": row.mid,
            "R모델명": model.type.name,
            "R자차옵션": model.options[row.option_ins - 1][0] if row.option_ins else "",
            "R자차보험": ",".join(insurances), "R기타상품": ",".join(e["name"] for e in row.extras),
            "R출발일시": show(row.sd), "R반납일시": show(row.ed), "R출발장소": row.sp, "R반납장소": row.ep,
            "R차량료": row.car_fee, "R자차료": row.ins_fee, "R기타요금": etc, "R요금합계": total,
            "R직불예정금액": direct, "R후불금액": postpaid, "R거래처납입": 0, "R거래처미납": total - direct - postpaid,
        }
