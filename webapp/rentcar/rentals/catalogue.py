"""What the companies' Korean names mean to our drivers: models, companies, covers, regions, fuels."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

#: romanised / English forms of the model names the companies use (R모델명 has Korean only)
ROMANISED = {
    "모닝": "Kia Morning", "레이": "Kia Ray", "캐스퍼": "Hyundai Casper", "아반떼": "Hyundai Avante",
    "아반떼 (수동)": "Hyundai Avante (manual)", "K5 LPG": "Kia K5 LPG", "쏘나타 하이브리드": "Hyundai Sonata Hybrid",
    "그랜저": "Hyundai Grandeur", "아이오닉5": "Hyundai Ioniq 5", "EV6": "Kia EV6",
    "코나 일렉트릭": "Hyundai Kona Electric", "니로 EV": "Kia Niro EV", "투싼": "Hyundai Tucson",
    "싼타페": "Hyundai Santa Fe", "카니발": "Kia Carnival", "스타리아": "Hyundai Staria",
    "테슬라 모델3": "Tesla Model 3", "벤츠 E300": "Mercedes-Benz E300",
}
#: romanised company names, by company code
COMPANY_ROMANISED = {
    "HALLA": "Halla Rent-a-car", "TAMRA": "Tamra Rent-a-car", "OREUM": "Jeju Oreum Rent-a-car",
    "BADANG": "Badang Rent-a-car", "SEOULMOB": "Seoul Mobility Rent-a-car", "HANGANG": "Hangang Rent-a-car",
}
#: English glosses of the covers and extras the companies name in Korean (shown beside the Korean name)
GLOSSES = {
    "일반자차": _l("Basic damage cover"), "완전자차": _l("Full damage cover"), "슈퍼자차": _l("Super cover, no excess"),
    "고급자차": _l("Plus damage cover"), "실속자차": _l("Value damage cover"), "카시트": _l("Child seat"),
    "포켓 와이파이": _l("Pocket Wi-Fi"), "유모차": _l("Pushchair"), "스노우체인": _l("Snow chains"),
    "타이어·휠 보장": _l("Tyre and wheel cover"), "유아용 (0~4세)": _l("for babies and toddlers (0–4)"),
    "아동용 부스터 (4~12세)": _l("booster for children (4–12)"),
}
#: where the companies hand cars over (the search's "where")
REGIONS = {"jeju": frozenset({"HALLA", "TAMRA", "OREUM"}), "seoul": frozenset({"SEOULMOB", "HANGANG"})}
FUELS = {"휘발유": _l("Petrol"), "경유": _l("Diesel"), "전기": _l("Electric"), "LPG": _l("LPG"),
         "하이브리드": _l("Hybrid")}
TRANSMISSIONS = {"자동": _l("Automatic"), "수동": _l("Manual")}
