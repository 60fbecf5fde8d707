"""Form fields every feature shares.

``WholeNumberField`` is the app's one integer field. WTForms' ``IntegerField`` reads any
number of digits, and its ``NumberRange`` then calls ``math.isnan`` on the value, which
raises ``OverflowError`` for an integer past a float (a 310-digit number in any integer field
was a 500, on pages without login too). This field refuses such a number while reading it,
with a sentence beside the field, so no validator ever sees it.
"""

from __future__ import annotations

from flask_babel import gettext as _
from wtforms import IntegerField
from wtforms.validators import NumberRange, StopValidation

#: the most digits a whole number of any form may have: far past every real value (fees in won,
#: daily request limits), well inside a float's exact integers (2**53) and a 64-bit column
MAX_DIGITS = 15


class WholeNumberField(IntegerField):
    """An ``IntegerField`` that refuses what no form of ours means, with a sentence, never an error.

    Reads an optional sign and digits (surrounding spaces ignored). Anything else, or more than
    ``MAX_DIGITS`` digits, leaves ``data`` as None and puts one sentence in ``process_errors``:
    "Enter a whole number." for words, and for an absurd size the field's own range where it has
    a ``NumberRange`` with both bounds ("Enter a number between 0 and 720."), else the limit in digits.
    """

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = str(valuelist[0]).strip()
        if text == "":
            self.data = None
            return
        digits = text[1:] if text[:1] in "+-" else text
        # ASCII digits only: int() would also read "١٢" and "1_000", which nobody types into a form of ours
        if not digits or not (digits.isascii() and digits.isdigit()):
            self.data = None
            raise ValueError(_("Enter a whole number."))
        if len(digits.lstrip("0")) > MAX_DIGITS:
            self.data = None
            raise ValueError(self._too_large())
        self.data = int(text)

    def pre_validate(self, form):
        """A value refused while reading has its one sentence: the validators (a range) add no second one."""
        if self.process_errors:
            raise StopValidation()

    def _too_large(self) -> str:
        for validator in self.validators:
            if isinstance(validator, NumberRange) and validator.min is not None and validator.max is not None:
                return _("Enter a number between %(min)s and %(max)s.", min=validator.min, max=validator.max)
        return _("Enter a whole number of at most %(digits)s digits.", digits=MAX_DIGITS)
