"""Shared form pieces (a decimal as people type or paste it, a service's errors on a form) and
the forms of UNODA's settings pages."""

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.cases.currencies import CURRENCY_CODES

from .models import PortalSettings

# Spaces that group thousands in French or Russian ("1 234,5"), typed or pasted.
_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " "})
_NOT_A_NUMBER = _("Enter a number, such as 0.92 or 1234.5.")


def _decimal_mark(number: str, text: str) -> str | None:
    """The character before the decimals of ``number`` (None: no decimals)."""
    commas, points = number.count(","), number.count(".")
    if commas and points:
        return "," if number.rfind(",") > number.rfind(".") else "."
    if points == 1:
        return "."
    if commas == 1:
        whole, fraction = number.split(",")
        if re.fullmatch(r"[1-9]\d{0,2}", whole) and re.fullmatch(r"\d{3}", fraction):
            raise ValidationError(
                _(
                    "“%(value)s” could be read as %(thousands)s or as %(decimal)s. Write it with "
                    "a point before the decimals and no thousands separator."
                ),
                code="ambiguous",
                params={
                    "value": text,
                    "thousands": whole + fraction,
                    "decimal": f"{whole}.{fraction}",
                },
            )
        return ","
    return None  # several commas or several points group thousands


def decimal_parse(text: str) -> Decimal:
    """A number as people write it: with a point or a comma before the decimals, and
    thousands grouped by commas, points or spaces ("1,234.5", "1.234,5", "1 234,5", "0,92").

    A lone comma followed by three digits ("1,234") could be a thousands separator or a decimal
    comma: it is refused with a message that says so, never guessed (a rate a thousand times
    off would convert every amount wrongly). A lone point is always the decimal point."""
    number = str(text).strip().translate(_SPACES)
    sign = number[:1] if number[:1] in "+-" else ""
    number = number.removeprefix(sign).strip()
    mark = _decimal_mark(number, text)
    whole, fraction = number.rsplit(mark, 1) if mark else (number, "")
    if not whole and not fraction:
        raise ValidationError(_NOT_A_NUMBER, code="invalid", params={"value": text})
    whole, fraction = whole or "0", fraction or "0"  # ".5" and "5." as people write them
    groups = re.escape(" ,.".replace(mark, "") if mark else " ,.")
    grouped = rf"[1-9]\d{{0,2}}(?:[{groups}]\d{{3}})+"
    if not (re.fullmatch(rf"\d+|{grouped}", whole) and re.fullmatch(r"\d+", fraction)):
        raise ValidationError(_NOT_A_NUMBER, code="invalid", params={"value": text})
    digits = re.sub(r"\D", "", whole)
    try:
        return Decimal(f"{sign}{digits}.{fraction}")
    except InvalidOperation:  # digits only by now; kept so no input can raise anything else
        raise ValidationError(_NOT_A_NUMBER, code="invalid") from None


class DecimalTextField(forms.DecimalField):
    """A decimal in a text box (``decimal_parse``): a number input would drop a pasted
    "1,234.5" without a word, and a browser reads a comma differently in each language."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    def to_python(self, value):
        if value in self.empty_values:
            return None
        return decimal_parse(value)


def add_service_errors(form, error: ValidationError) -> None:
    """A service's refusal shown on the form: next to its field where the form has one, above
    the form otherwise (the form keeps what was typed)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def rate_currency_choices() -> list[tuple[str, str]]:
    from apps.funding.selectors import BASE_CURRENCY

    return [("", "---------")] + [(c, c) for c in CURRENCY_CODES if c != BASE_CURRENCY]


class ExchangeRateForm(forms.Form):
    currency = forms.ChoiceField(label=_("currency"), choices=rate_currency_choices)
    rate_per_usd = DecimalTextField(
        label=_("units per 1 USD"),
        max_digits=18,
        decimal_places=6,
        help_text=_("How many units of the currency one US dollar buys, e.g. 0.92 for EUR."),
    )
    valid_on = forms.DateField(
        label=_("valid on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    source = forms.CharField(
        label=_("source"),
        max_length=120,
        required=False,
        help_text=_("Where the rate comes from, e.g. UN operational rates of exchange."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"valid_on": timezone.localdate()})
        super().__init__(*args, **kwargs)


class PortalSettingsForm(forms.ModelForm):
    class Meta:
        model = PortalSettings
        fields = ("submit_min_completeness", "publish_min_completeness", "pledge_ageing_days")
