"""Latin spellings of Korean lot names and addresses: ``webapp.core.romanise``, shared with the rent-car
glossary (the features never import each other), named here for the Seoul models and migration 0011."""

from webapp.core.romanise import has_hangul, romanise

__all__ = ["has_hangul", "romanise"]
