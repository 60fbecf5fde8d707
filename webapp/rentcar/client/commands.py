"""``RentcarClient``: every cmd of the rent-car API v2 as a typed method, and how one request is sent and read.

Quirks handled here:
- the server answers HTTP 200 for refusals too; only ``resCode`` says what
  happened (seed 001 "응답코드,메시지"; the table is ``results.py``).
- field names are Korean with an ``R`` (rent company's data) or ``L`` (the
  agency's own mapping) prefix; v2 sends numbers as JSON numbers, but some
  fields the seed types as text hold numbers (``R자차수수료``), so numbers are
  read from either.
- "form-data": we send ``application/x-www-form-urlencoded`` UTF-8, which an
  ASP.NET ``Request.Form`` reads like multipart; a JSON body is refused with 1000.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

import httpx
from pydantic import ValidationError as WireValidationError

from webapp.core.clock import SEOUL
from webapp.core.errors import ProviderBadResponseError, error_for_status
from webapp.core.http import send
from webapp.rentcar.client.results import PROVIDER, result_error
from webapp.rentcar.wire import (
    Cancellation,
    Car,
    Company,
    Extra,
    Insurance,
    Reservation,
    ReservationPage,
)

ENDPOINT = "rtapi/ws_v2.aspx"
SUCCESS = "0000"
NO_RESULT = "9800"


class RentcarClient:
    """Talks to the rent companies' server as one travel agency.

    Args:
        http: client from ``webapp.core.http.build_http_client`` whose
            base URL is ``https://{server}/``.
        uid: the agency's API admin login id.
        passcode: the agency's API passcode.

    Raises:
        ValueError: ``uid`` or ``passcode`` is empty.
    """

    def __init__(self, http: httpx.Client, uid: str, passcode: str) -> None:
        if not uid:
            raise ValueError("rent-car uid is required")
        if not passcode:
            raise ValueError("rent-car passcode is required")
        self._http = http
        self._uid = uid
        self._passcode = passcode

    def company_list(self) -> list[Company]:
        """List the rent companies linked to us (``cmd=companylist``, API cost 1/10).

        Also the connectivity check for this provider.

        Returns:
            The companies in good standing, in the server's order.

        Raises:
            ProviderAuthError: 1000/1002/1003/9200 (our uid, passcode or IP), HTTP 401/403.
            ProviderRateLimitedError: 3000, the call limit is spent; HTTP 429.
            ProviderUnavailableError: 0400/9999, HTTP 5xx, unreachable; ProviderPausedError (a
                subclass) for 0700, the daily 04:00–04:30 KST pause.
            ProviderTimeoutError: no answer in time, HTTP 408/504.
            ProviderRejectedError: any other refusal, with its resCode; another HTTP 4xx.
            ProviderBadResponseError: the reply is not the documented JSON, or HTTP 404.
        """
        body = self._call("companylist", empty_ok=True)
        return _parse_list(Company, body, "회사목록", "companylist")

    # -- searches (seed 001 "가능차량검색" …) --

    def search_cars(self, start: datetime, end: datetime, *, companies: Iterable[str] = (),
                    matched: bool = False, blocks: bool = False, with_covers: bool = True,
                    models: Iterable[str] = ()) -> list[Car]:
        """Cars available from ``start`` to ``end`` (the carsearch family; cost 1/10 x R, 1/8 with blocks,
        1/100 x R x M by model, 1/80 with blocks).

        Args:
            start, end: pick-up and return, Korean wall-clock time (naive) or aware.
            companies: company codes (``rccode``); empty: every linked company.
            matched: only models matched to our agency codes (``carsearch``, with the L fields)
                instead of every model (``carsearch_r``).
            blocks: include the cars held for us as blocks (``carNblocksearch…``).
            with_covers: ask for the damage-cover options (``option_ins=1``).
            models: agency model codes when ``matched`` (``mcode``), else R모델번호 (``mid``);
                ``"CODE$model"`` binds one to a company (then ``companies`` must be empty).

        Returns:
            The cars with at least one free (R가능수); an empty list for 9800.

        Raises:
            ProviderError: as ``company_list``; 0111–0114 when the one company asked refuses the times.
        """
        models = list(models)
        cmd = ("carNblocksearch" if blocks else "carsearch") + (
            ("bymodelcodes" if matched else "bymodelnumbers_r") if models else ("" if matched else "_r"))
        params = {"sd": _wire_time(start), "ed": _wire_time(end), "option_ins": "1" if with_covers else "0",
                  **_companies(companies)}
        if models:
            params["mcode" if matched else "mid"] = ",".join(models)
        return _parse_list(Car, self._call(cmd, params, empty_ok=True), "차량목록", cmd)

    def insurance_list(self, start: datetime, end: datetime, *, companies: Iterable[str] = (),
                       matched: bool = False, models: Iterable[str] = ()) -> list[Insurance]:
        """Damage-cover products with their fee for the period (``inslist``/``inslist_r``, cost 1/40 x R).

        Args:
            matched: only covers matched to ours (``inslist``; ``models`` are agency codes, ``mocode``),
                else every cover (``inslist_r``; ``models`` are R모델번호, ``mid``).

        Raises:
            ProviderError: as ``company_list``.
        """
        # seed 001 quirk: the R자차보험목록 section lists "cmd text inslist" — a copy of the
        # section above; the command that lists *all* covers (no matching needed) is inslist_r.
        cmd = "inslist" if matched else "inslist_r"
        params = {"sd": _wire_time(start), "ed": _wire_time(end), **_companies(companies)}
        models = list(models)
        if models:
            params["mocode" if matched else "mid"] = ",".join(models)
        return _parse_list(Insurance, self._call(cmd, params, empty_ok=True), "보험목록", cmd)

    def extra_list(self, start: datetime, end: datetime, *, companies: Iterable[str] = (),
                   models: Iterable[str] = ()) -> list[Extra]:
        """Extras with their fee for the period (``etclist_r``, cost 1/20 x R).

        Args:
            models: ``"CODE$mid"`` items (cannot go with ``companies``, seed etclist_r).

        Raises:
            ProviderError: as ``company_list``.
        """
        params = {"sd": _wire_time(start), "ed": _wire_time(end), **_companies(companies)}
        models = list(models)
        if models:
            params["mid"] = ",".join(models)
        return _parse_list(Extra, self._call("etclist_r", params, empty_ok=True), "상품목록", "etclist_r")

    # -- reservations --

    def reserve(self, company: str, start: datetime, end: datetime, mid: int, *, car_fee_check: int,
                name: str, phone: str, dealer_ref: str, option_ins: int | None = None,
                insid: int | None = None, insurance_fee_check: int | None = None, gids: Iterable[int] = (),
                extras_fee_check: int | None = None, custfee: int | None = None, email: str = "",
                memo: str = "", pickup_place: str = "", return_place: str = "", block_first: bool = False,
                ignore_lower_fee: bool = False) -> Reservation:
        """Book a car (``revadd``, cost 1/2) at the fees the driver saw.

        The server books at its *current* fee only if it matches our checks
        within 100 KRW (``carfeechk`` = car incl. the cover option, ``insfeechk``,
        ``etcfeechk`` = the extras' sum), else 0310.

        Args:
            company: the company code (``rccode``).
            dealer_ref: our booking reference (``dealerrevnum``), to find it again after a lost reply.
            custfee: what the driver pays at the counter; ``0`` is sent explicitly (seed: "직불금액이 0일 때
                반드시 custfee=0"), ``None`` leaves the server's default (the total).

        Raises:
            ProviderRejectedError: 0310 the fee changed, 0200 sold out, 0111–0114 times, 0122–0131 …
            ProviderNotFoundError: 0120 company, 0121 model, 0122 cover.
            ProviderTimeoutError / ProviderUnavailableError: the reservation may exist: look it up by ``dealer_ref``.
        """
        params = {"rccode": company, "sd": _wire_time(start), "ed": _wire_time(end), "mid": str(mid),
                  "carfeechk": str(car_fee_check), "uname": name, "phone": phone, "dealerrevnum": dealer_ref}
        if option_ins:
            params["option_ins"] = str(option_ins)
        if insid:
            params["insid"] = str(insid)
            params["insfeechk"] = str(insurance_fee_check if insurance_fee_check is not None else 0)
        gids = [str(g) for g in gids]
        if gids:
            params["gid"] = ",".join(gids)
            params["etcfeechk"] = str(extras_fee_check if extras_fee_check is not None else 0)
        if custfee is not None:
            params["custfee"] = str(custfee)
        for key, value in (("email", email), ("memo", memo), ("sp", pickup_place), ("ep", return_place)):
            if value:
                params[key] = value
        if block_first:
            params["blockrev"] = "1"
        if ignore_lower_fee:
            params["ignorefeechkunder"] = "1"
        return _parse_one(Reservation, self._call("revadd", params), "revadd")

    def update_reservation(self, company: str, revnum: str, *, start: datetime, end: datetime, mid: int,
                           fee_sum_check: int, option_ins: int | None = None, insid: int | None = None,
                           dealer_ref: str | None = None, memo: str | None = None,
                           custfee: int | None = None) -> Reservation:
        """Change model, times or cover (``revupdate``, cost 1/2), sending the *final* state.

        The seed asks for mid, sd, ed and the cover as they should end up;
        a cover left out is removed. ``feesumchk`` is the new total.

        Raises:
            ProviderRejectedError: 0601 past the deadline, 0610 cancelled/on rent, 0310 fee, 0321 …
            ProviderNotFoundError: 0500 unknown reservation.
        """
        params = {"rccode": company, "revnum": revnum, "sd": _wire_time(start), "ed": _wire_time(end),
                  "mid": str(mid), "feesumchk": str(fee_sum_check)}
        if option_ins:
            params["option_ins"] = str(option_ins)
        if insid:
            params["insid"] = str(insid)
        if dealer_ref:
            params["dealerrevnum"] = dealer_ref
        if memo is not None:
            params["memo"] = memo  # overwrites: the whole memo is sent (seed revupdate)
        if custfee is not None:
            params["custfee"] = str(custfee)
        return _parse_one(Reservation, self._call("revupdate", params), "revupdate")

    def cancel_reservation(self, company: str, revnum: str, *, dealer_ref: str | None = None,
                           reason: str = "") -> Cancellation:
        """Cancel (``revcancel``, cost 1/2) with a reason of at most 200 characters (0620).

        Raises:
            ProviderRejectedError: 0601 past the deadline, 0610 already cancelled or on rent, 0620.
        """
        params = {"rccode": company, "revnum": revnum, "cancelmemo": reason}
        if dealer_ref:
            params["dealerrevnum"] = dealer_ref
        return _parse_one(Cancellation, self._call("revcancel", params), "revcancel")

    def add_extra(self, company: str, revnum: str, gid: int, fee_check: int, *, paid_directly: bool = True,
                  dealer_ref: str | None = None) -> Reservation:
        """Add an extra to a reservation (``addetcitem``, cost 1/2).

        Raises:
            ProviderRejectedError: 0127 not for this car, 0128 already on it, 0310 fee changed.
        """
        params = {"rccode": company, "revnum": revnum, "gid": str(gid), "etcfeechk": str(fee_check),
                  "iscustfee": "1" if paid_directly else "0"}
        if dealer_ref:
            params["dealerrevnum"] = dealer_ref
        return _parse_one(Reservation, self._call("addetcitem", params), "addetcitem")

    def delete_extra(self, company: str, revnum: str, name: str, *, dealer_ref: str | None = None) -> Reservation:
        """Remove a booked extra by its name (``deletcitem``, cost 1/2; the seed keys it by ``gname``).

        Raises:
            ProviderNotFoundError: 0510 no extra of that name. ProviderRejectedError: 0511 two of that name.
        """
        params = {"rccode": company, "revnum": revnum, "gname": name}
        if dealer_ref:
            params["dealerrevnum"] = dealer_ref
        return _parse_one(Reservation, self._call("deletcitem", params), "deletcitem")

    def reservations(self, company: str, *, first: str | None = None, last: str | None = None,
                     by_acceptance: bool = False, with_cancelled: bool = False, page: int = 1,
                     page_count: int = 100) -> ReservationPage:
        """One page of our reservations at ``company`` (``revlist``, cost 1/10).

        Args:
            first, last: ``yyyymmdd`` (both or neither; the server's today by default).
            by_acceptance: by the day booked instead of the pick-up day.

        Returns:
            The page; no reservations (9800) is an empty page.
        """
        params = {"rccode": company, "page": str(page), "pagecount": str(page_count),
                  "acceptdate": "1" if by_acceptance else "0", "withcancel": "1" if with_cancelled else "0"}
        if first and last:
            params.update(sd=first, ed=last)
        body = self._call("revlist", params, empty_ok=True)
        if body.get("resCode") == NO_RESULT or "예약목록" not in body:
            return ReservationPage(Page=page, PageCount=page_count, TotalCount=0)
        return _parse_one(ReservationPage, body, "revlist")

    def reservation_detail(self, company: str, *, revnum: str | None = None,
                           dealer_ref: str | None = None) -> Reservation:
        """One reservation (``revdetail``, cost 1/5), by its number or by our reference (``dealerrevnum``).

        Raises:
            ProviderNotFoundError: 0500 (by revnum) or 0501 (by our reference): no such reservation.
        """
        params = {"rccode": company}
        if revnum:
            params["revnum"] = revnum
        if dealer_ref:
            params["dealerrevnum"] = dealer_ref
        return _parse_one(Reservation, self._call("revdetail", params), "revdetail")

    def _call(self, cmd: str, params: dict[str, str] | None = None, empty_ok: bool = False) -> dict:
        """POST one command; return the reply when resCode is 0000.

        Args:
            cmd: the command name.
            params: the command's own form fields.
            empty_ok: treat 9800 (NO Result) as an empty success, for lists.
        """
        form = {"uid": self._uid, "passcode": self._passcode, "cmd": cmd, **(params or {})}
        request = self._http.build_request("POST", ENDPOINT, data=form, headers={"Accept": "application/json"})
        response = send(self._http, PROVIDER, request)
        body = _json_body(response, cmd)
        code = _result_code(body.get("resCode"))
        if code == SUCCESS or (empty_ok and code == NO_RESULT):
            return body
        raise result_error(code, str(body.get("resMsg", "")), cmd)


def _json_body(response: httpx.Response, cmd: str) -> dict:
    status = response.status_code
    if status != 200:
        # The API answers every request with 200 and says what happened in
        # resCode; another status comes from what stands in front of it (IIS,
        # a proxy) and is read with the shared table. Except 404: on the one
        # endpoint it means a wrong server address, which a look-up must not
        # take for "no such reservation" (that is resCode 0500/0501).
        raise error_for_status(PROVIDER, status, detail=f"cmd={cmd}: HTTP {status}",
                               retry_after_header=response.headers.get("Retry-After"),
                               kind=ProviderBadResponseError if status == 404 else None)
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ProviderBadResponseError(PROVIDER, "bad_json", f"cmd={cmd}: {exc}") from exc
    if not isinstance(body, dict) or "resCode" not in body:
        raise ProviderBadResponseError(PROVIDER, "bad_json", f"cmd={cmd}: no resCode in reply")
    return body


def _result_code(value) -> str:
    # resCode is text ("0000"); tolerate a number that lost its leading zeros.
    return str(value).strip().zfill(4)


def _wire_time(moment: datetime) -> str:
    """``yyyymmddhhmm`` in Korean time (an aware time is converted; a naive one is taken as Korean)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(SEOUL)
    return moment.strftime("%Y%m%d%H%M")


def _companies(codes: Iterable[str]) -> dict[str, str]:
    codes = [code for code in codes if code]
    return {"rccode": ",".join(codes)} if codes else {}


def _parse_list(model, body: dict, key: str, cmd: str) -> list:
    try:
        return [model.model_validate(item) for item in body.get(key) or ()]
    except (WireValidationError, TypeError) as exc:
        raise ProviderBadResponseError(PROVIDER, "bad_body", f"{cmd}: {exc!r}") from exc


def _parse_one(model, body: dict, cmd: str):
    try:
        return model.model_validate(body)
    except WireValidationError as exc:
        raise ProviderBadResponseError(PROVIDER, "bad_body", f"{cmd}: {exc!r}") from exc


def client_from_settings(http: httpx.Client, credentials: dict[str, str], base_url: str) -> RentcarClient:
    """Build the client from the app's provider settings (``core.provider.ApiSpec.client``)."""
    return RentcarClient(http, credentials["uid"], credentials["passcode"])
