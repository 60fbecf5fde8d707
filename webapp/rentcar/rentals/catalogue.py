"""What the companies' Korean names mean to our drivers: models, companies, regions, fuels (covers, extras and
options: ``webapp.rentcar.glossary``)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from webapp.rentcar.glossary import COMPANY_ROMANISED

#: romanised / English forms of the model names the companies use (R모델명 has Korean only)
ROMANISED = {
    "모닝": "Kia Morning", "레이": "Kia Ray", "캐스퍼": "Hyundai Casper", "아반떼": "Hyundai Avante",
    "아반떼 (수동)": "Hyundai Avante (manual)", "K5 LPG": "Kia K5 LPG", "쏘나타 하이브리드": "Hyundai Sonata Hybrid",
    "그랜저": "Hyundai Grandeur", "아이오닉5": "Hyundai Ioniq 5", "EV6": "Kia EV6",
    "코나 일렉트릭": "Hyundai Kona Electric", "니로 EV": "Kia Niro EV", "투싼": "Hyundai Tucson",
    "싼타페": "Hyundai Santa Fe", "카니발": "Kia Carnival", "스타리아": "Hyundai Staria",
    "테슬라 모델3": "Tesla Model 3", "벤츠 E300": "Mercedes-Benz E300",
}
#: where the companies hand cars over (the search's "where")
REGIONS = {"jeju": frozenset({"HALLA", "TAMRA", "OREUM"}), "seoul": frozenset({"SEOULMOB", "HANGANG"})}
FUELS = {"휘발유": _l("Petrol"), "경유": _l("Diesel"), "전기": _l("Electric"), "LPG": _l("LPG"),
         "하이브리드": _l("Hybrid")}
TRANSMISSIONS = {"자동": _l("Automatic"), "수동": _l("Manual")}

__all__ = ["COMPANY_ROMANISED", "FUELS", "REGIONS", "ROMANISED", "TRANSMISSIONS"]
