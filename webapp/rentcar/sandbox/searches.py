"""The read-only catalogue commands: companylist, the eight car searches, inslist/inslist_r, etclist_r."""

from __future__ import annotations

from webapp.rentcar.sandbox import catalog
from webapp.rentcar.sandbox.base import ServiceBase
from webapp.rentcar.sandbox.command_table import SEARCHES
from webapp.rentcar.sandbox.params import read_int, read_list, read_period
from webapp.rentcar.sandbox.rules import RuleError, check_window


class SearchCommands(ServiceBase):
    """companylist, the searches, the insurance and extras lists (seed 001 "조회")."""

    def car_row(self, company: dict, model: catalog.Model, sd, ed, count: int, matched: bool, with_options: bool):
        kind = model.type
        fee = catalog.car_fee(model, sd, ed)
        row = {}
        if matched:
            row.update({"L모델번호": kind.l_number, "L모델명": kind.english, "L모델코드": kind.l_code,
                        "L분류": kind.l_class})
        options = model.options if with_options else ()
        row.update({
            "L렌트회사코드": company["agency_code"], "R렌트회사": company["name"], "R모델번호": model.mid,
            "R모델명": kind.name, "R가능수": count, "R정요금": catalog.list_fee(model, sd, ed), "R입금가": fee,
            "R옵션1입금가": fee + catalog.option_fee(model, 1, sd, ed) if len(options) > 0 else 0,
            "R옵션2입금가": fee + catalog.option_fee(model, 2, sd, ed) if len(options) > 1 else 0,
            "R자차옵션": "/".join(o[0] for o in model.options), "R모델옵션": kind.options, "R연료": kind.fuel,
            "R승차인원": kind.seats, "R연식": kind.years, "R변속기": kind.transmission, "R구동방식": kind.drive,
            "R배기량": kind.displacement, "R가능연령": kind.min_age, "R운전경력": kind.licence_years,
            "R자차옵션목록": [
                {"R보험명": o[0], "R보상한도": o[1], "R면책금": o[2], "R휴차보상료": o[3], "R가능나이": o[4],
                 "R운전경력": o[5], "R옵션포함요금": fee + catalog.option_fee(model, n, sd, ed), "R예약접수코드": n}
                for n, o in enumerate(options, start=1)],
        })
        return row

    def companylist(self, _form, _cmd) -> dict:
        return {"회사목록": [company_row(row) for row in self.companies()]}

    def search(self, form, cmd) -> dict | None:
        matched, with_block, by = SEARCHES[cmd]
        sd, ed = read_period(form)
        with_options = read_int(form, "option_ins", default=0, choices=(0, 1)) == 1
        if by:
            companies, pairs = self.pairs(form, by)
        else:
            companies, pairs = self.selected(form), []
        named = bool(form.get("rcname") or form.get("rccode"))
        cars = []
        for company in companies:
            try:
                check_window(self.cat.rules[company["link_no"]], sd, ed, self.now())
            except RuleError:
                if named and len(companies) == 1:
                    raise  # the one company asked for says why
                continue  # a company whose rules refuse the window has nothing to offer
            wanted = {model for c, model in pairs if c is None or c["link_no"] == company["link_no"]}
            for model in self.models_of(company):
                if model.fee_rule != "normal" or (matched and not model.type.mapped):
                    continue
                if by == "mcode" and model.type.l_code not in wanted:
                    continue
                if by == "mid" and str(model.mid) not in wanted:
                    continue
                general, blocked = self.available(model, sd, ed, with_block)
                if general + blocked > 0:
                    cars.append(self.car_row(company, model, sd, ed, general + blocked, matched, with_options))
        return {"차량목록": cars} if cars else None

    def inslist(self, form, cmd) -> dict | None:
        # seed 001 quirk: the R자차보험목록 request lists "cmd inslist"; its cmd is inslist_r.
        matched = cmd == "inslist"
        sd, ed = read_period(form)
        if matched:
            companies, filter_codes = self.selected(form), set(read_list(form, "mocode"))
            pairs = []
        elif form.get("mid"):
            companies, pairs = self.pairs(form, "mid")
            filter_codes = set()
        else:
            companies, pairs, filter_codes = self.selected(form), [], set()
        rows = []
        for company in companies:
            mids = {int(m) for c, m in pairs if (c is None or c["link_no"] == company["link_no"]) and m.isdigit()}
            for ins in self.cat.insurances.values():
                if ins.company != company["link_no"] or (matched and ins.l_number is None):
                    continue
                applies = [mid for mid in ins.mids if self.cat.models[mid].type.mapped or not matched]
                if mids and not mids & set(ins.mids):
                    continue
                model = None
                if filter_codes:
                    hits = [m for m in applies if self.cat.models[m].type.l_code in filter_codes]
                    if not hits:
                        continue
                    model = self.cat.models[hits[0]]
                row = {}
                if matched:
                    row.update({"L보험번호": ins.l_number, "L모델번호": model.type.l_number if model else 0,
                                "L모델코드": model.type.l_code if model else "", "L보험명": ins.l_name,
                                "L보험코드": ins.l_code, "L보험내용": ins.l_name})
                row.update({"L렌트회사코드": company["agency_code"], "R렌트회사": company["name"],
                            "R보험번호": ins.insid, "R보험명": ins.name, "R보험타입": ins.kind,
                            "R보상한도": ins.limit, "R면책금": ins.deductible, "R휴차보상료": ins.loss_of_use,
                            "R가입제한": ins.restriction, "R보험내용": ins.content, "R가능나이": ins.min_age,
                            "R운전경력": ins.licence_years, "R보험요금": catalog.insurance_fee(ins, sd, ed),
                            "R적용모델": ",".join(str(m) for m in ins.mids)})
                rows.append(row)
        return {"보험목록": rows} if rows else None

    def etclist(self, form, _cmd) -> dict | None:
        sd, ed = read_period(form)
        if form.get("mid"):
            companies, pairs = self.pairs(form, "mid")
        else:
            companies, pairs = self.selected(form), []
        rows = []
        for company in companies:
            mids = {int(m) for c, m in pairs if (c is None or c["link_no"] == company["link_no"]) and m.isdigit()}
            for extra in self.cat.extras.values():
                if extra.company != company["link_no"]:
                    continue
                if mids and extra.mids is not None and not mids & set(extra.mids):
                    continue
                rows.append({"L렌트회사코드": company["agency_code"], "R렌트회사": company["name"],
                             "R상품번호": extra.gid, "R상품분류": extra.category, "R상품명": extra.name,
                             "R상품내용": extra.content, "R상품요금": catalog.extra_fee(extra, sd, ed),
                             "R적용모델": "전체" if extra.mids is None else ",".join(map(str, extra.mids))})
        return {"상품목록": rows} if rows else None


def company_row(row: dict) -> dict:
    # Field names, order and types as seed 001 "연결렌트카회사목록" lists them:
    # num -> JSON number, text -> string (R자차수수료 is text in the seed).
    return {
        "연결번호": row["link_no"],
        "R렌트회사": row["name"],
        "R거래처": row["account_name"],
        "거래상태": row["status"],
        "L렌트회사코드": row["agency_code"],
        "R차량수수료": row["car_commission_pct"],
        "R자차수수료": row["insurance_commission_pct"],
        "R트래픽비용처리": row["traffic_cost_handling"],
        "R취소가능시간": row["change_cutoff_hours"],
        "R당일취소허용시간": row["same_day_cancel_minutes"],
    }
