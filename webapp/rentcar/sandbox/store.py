"""State of the rent-car sandbox: its own SQLite file.

Tables: the rent companies linked to the demo agency (seeded), failed logins
per IP (seed 001 result code 1002 blocks an IP after 10 failures), and the API
cost spent per agency and day (seed 001 "API 목록과 비용", result code 3000).
Everything lives in the file, not in the process, so several server processes
agree on blocks and quotas.
"""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import (
    JSON,
    Column,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    delete,
    select,
)
from sqlalchemy.dialects.sqlite import insert

from webapp.core.sandbox_kit import open_sqlite

DB_FILENAME = "rentcar.sqlite3"
#: API cost is kept in whole 1/400ths of a call: every price in the seed's
#: table (1/10, 1/8, 1/40, 1/80, 1/100 …) is a whole number of them.
COST_UNITS_PER_CALL = 400

metadata = MetaData()

companies = Table(
    "companies",
    metadata,
    Column("link_no", Integer, primary_key=True),  # 연결번호
    Column("name", String, nullable=False),  # R렌트회사
    Column("account_name", String, nullable=False),  # R거래처
    Column("status", String, nullable=False),  # 거래상태
    Column("agency_code", String, nullable=False),  # L렌트회사코드
    Column("car_commission_pct", Float, nullable=False),  # R차량수수료 (num)
    Column("insurance_commission_pct", String, nullable=False),  # R자차수수료 (text in the seed)
    Column("traffic_cost_handling", String, nullable=False),  # R트래픽비용처리
    Column("change_cutoff_hours", Integer, nullable=False),  # R취소가능시간
    Column("same_day_cancel_minutes", Integer, nullable=False),  # R당일취소허용시간
)

login_failures = Table(
    "login_failures",
    metadata,
    Column("ip", String, primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("last_failed_at", Float, nullable=False),
)

#: the same cost, per command (what `flask sandbox rentcar-cost` prints)
api_usage_by_cmd = Table(
    "api_usage_by_cmd",
    metadata,
    Column("day", String, primary_key=True),
    Column("uid", String, primary_key=True),
    Column("cmd", String, primary_key=True),
    Column("calls", Integer, nullable=False),
    Column("cost_units", Integer, nullable=False),
)

#: reservations taken by the companies (revadd), in KST wall-clock "yyyymmddhhmm" text
reservations = Table(
    "reservations",
    metadata,
    Column("revnum", String, primary_key=True),  # R예약번호
    Column("company", Integer, nullable=False),  # link_no
    Column("uid", String, nullable=False),  # the agency that booked
    Column("dealerrevnum", String, nullable=True),  # 여행사 예약번호, unique per agency (0130)
    Column("state", String, nullable=False),  # 예약대기/예약중/예약확정/취소/대여중
    Column("accepted_at", String, nullable=False),  # R예약일시
    Column("mid", Integer, nullable=False),
    Column("sd", String, nullable=False),
    Column("ed", String, nullable=False),
    Column("option_ins", Integer, nullable=False),  # 0 none, 1/2
    Column("insids", String, nullable=False),  # comma list (two only when the counter added one: 0129/0612)
    Column("extras", JSON, nullable=False),  # [{gid, name, fee, direct}]
    Column("uname", String, nullable=False),
    Column("phone", String, nullable=False),
    Column("email", String, nullable=False),
    Column("uname1", String, nullable=False),
    Column("phone1", String, nullable=False),
    Column("sp", String, nullable=False),
    Column("ep", String, nullable=False),
    Column("memo", String, nullable=False),
    Column("car_fee", Integer, nullable=False),
    Column("ins_fee", Integer, nullable=False),
    Column("custfee", Integer, nullable=True),  # None: the total is paid directly
    Column("pool", String, nullable=False),  # "general" or "block"
    Column("cancel_memo", String, nullable=False),
    Column("channel", String, nullable=False),  # R예약경로
)

api_usage = Table(
    "api_usage",
    metadata,
    Column("day", String, primary_key=True),
    Column("uid", String, primary_key=True),
    Column("cost_units", Integer, nullable=False),
)

# Jeju-style rent companies linked to the demo agency. The last one is not
# "정상" (in good standing), so companylist must leave it out (seed 001: "정상"이
# 아닌 경우 노출안됨).
SEED_COMPANIES = (
    (101, "한라렌트카", "데모여행사", "정상", "HALLA", 12.0, "10", "여행사부담", 24, 60),
    (102, "탐라렌트카", "데모여행사(제주)", "정상", "TAMRA", 15.0, "15", "렌트사부담", 48, -1),
    (103, "제주오름렌트카", "데모여행사", "정상", "OREUM", 10.5, "0", "여행사부담", 12, 30),
    (104, "바당렌트카", "데모여행사", "거래중지", "BADANG", 12.0, "10", "여행사부담", 24, 60),
    (105, "서울모빌리티렌트카", "데모여행사(서울)", "정상", "SEOULMOB", 8.0, "5", "여행사부담", 6, 30),
    (106, "한강렌트카", "데모여행사", "정상", "HANGANG", 11.0, "10", "렌트사부담", 24, 0),
)


def open_store(state_dir: Path) -> Engine:
    """Open (and create and seed if new) the sandbox's SQLite file in WAL mode."""
    engine = open_sqlite(state_dir / DB_FILENAME)

    metadata.create_all(engine)
    names = [column.name for column in companies.columns]
    with engine.begin() as conn:
        # companies added to the seed later join an existing state file too
        for row in SEED_COMPANIES:
            conn.execute(insert(companies).values(**dict(zip(names, row, strict=True))).on_conflict_do_nothing())
    return engine


def all_companies(engine: Engine) -> list[dict]:
    """Every linked company, whatever its standing."""
    with engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(select(companies).order_by(companies.c.link_no))]


def active_companies(engine: Engine) -> list[dict]:
    """Companies in good standing (거래상태 "정상"), by link number."""
    with engine.connect() as conn:
        rows = conn.execute(select(companies).where(companies.c.status == "정상").order_by(companies.c.link_no))
        return [dict(row._mapping) for row in rows]


def failed_logins(engine: Engine, ip: str) -> int:
    """Failed logins recorded for ``ip`` since its last success."""
    with engine.connect() as conn:
        return conn.execute(select(login_failures.c.failures).where(login_failures.c.ip == ip)).scalar() or 0


def record_failed_login(engine: Engine, ip: str) -> int:
    """Count one more failed login from ``ip``; return the new count."""
    now = time.time()
    statement = insert(login_failures).values(ip=ip, failures=1, last_failed_at=now)
    statement = statement.on_conflict_do_update(
        index_elements=[login_failures.c.ip],
        set_={"failures": login_failures.c.failures + 1, "last_failed_at": now},
    )
    with engine.begin() as conn:
        conn.execute(statement)
        return conn.execute(select(login_failures.c.failures).where(login_failures.c.ip == ip)).scalar_one()


def clear_failed_logins(engine: Engine, ip: str | None = None) -> int:
    """Forget failed logins of ``ip`` (or of every IP); return the rows removed."""
    statement = delete(login_failures)
    if ip is not None:
        statement = statement.where(login_failures.c.ip == ip)
    with engine.begin() as conn:
        return conn.execute(statement).rowcount


def spend_api_cost(engine: Engine, day: str, uid: str, cost_units: int, limit_units: int | None,
                   cmd: str = "") -> bool:
    """Add a call's cost to the agency's day; refuse (and add nothing) past ``limit_units``.

    Returns:
        True when the call is within the limit (or there is no limit).
    """
    statement = insert(api_usage).values(day=day, uid=uid, cost_units=cost_units)
    statement = statement.on_conflict_do_update(
        index_elements=[api_usage.c.day, api_usage.c.uid],
        set_={"cost_units": api_usage.c.cost_units + cost_units},
    )
    with engine.connect() as conn:
        conn.execute(statement)
        spent = conn.execute(
            select(api_usage.c.cost_units).where(api_usage.c.day == day, api_usage.c.uid == uid)
        ).scalar_one()
        if limit_units is not None and spent > limit_units:
            conn.rollback()  # a refused call costs nothing
            return False
        if cmd:
            by_cmd = insert(api_usage_by_cmd).values(day=day, uid=uid, cmd=cmd, calls=1, cost_units=cost_units)
            conn.execute(by_cmd.on_conflict_do_update(
                index_elements=[api_usage_by_cmd.c.day, api_usage_by_cmd.c.uid, api_usage_by_cmd.c.cmd],
                set_={"calls": api_usage_by_cmd.c.calls + 1,
                      "cost_units": api_usage_by_cmd.c.cost_units + cost_units}))
        conn.commit()
    return True


def cost_report(engine: Engine) -> list[dict]:
    """API cost per day, agency and command (cost in whole calls as a float)."""
    with engine.connect() as conn:
        rows = conn.execute(select(api_usage_by_cmd).order_by(api_usage_by_cmd.c.day, api_usage_by_cmd.c.uid,
                                                              api_usage_by_cmd.c.cmd))
        return [{**row._mapping, "cost": row.cost_units / COST_UNITS_PER_CALL} for row in rows]
