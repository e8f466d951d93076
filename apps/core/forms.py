"""Shared form pieces (the portal's base forms, a decimal as people type or paste it, a
service's errors on a form) and the forms of UNODA's settings pages."""

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, ProhibitNullCharactersValidator
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from apps.cases.currencies import CURRENCY_CODES
from apps.core.text import TEXT_MAX_LENGTH, PlainTextValidator

from .models import PortalSettings


def plain_text_field(field: forms.Field) -> None:
    """Make a form field follow the portal's rule for text (``apps.core.text``): control
    characters refused, and a length limit (``TEXT_MAX_LENGTH`` unless it has one) in the HTML
    (``maxlength``) and on the server. Passwords are left as typed: they are
    compared, never shown or stored. Safe to call again on the same field."""
    if not isinstance(field, forms.CharField) or isinstance(
        field, forms.UUIDField | forms.JSONField
    ):
        return
    if isinstance(field.widget, forms.PasswordInput):
        return
    if any(isinstance(validator, PlainTextValidator) for validator in field.validators):
        return
    # The rule refuses NUL too: one message, not Django's besides.
    field.validators = [
        validator
        for validator in field.validators
        if not isinstance(validator, ProhibitNullCharactersValidator)
    ]
    field.validators.append(PlainTextValidator())
    if field.max_length is None:
        field.max_length = TEXT_MAX_LENGTH
        field.validators.append(MaxLengthValidator(TEXT_MAX_LENGTH))
        field.widget.attrs.update(field.widget_attrs(field.widget))


def say_text_limit(field: forms.CharField) -> None:
    """Say a text's length limit under it, for a page whose template shows help texts (a
    browser cuts a paste at ``maxlength`` without a word)."""
    limit = ngettext(
        "At most %(limit)s character.", "At most %(limit)s characters.", field.max_length
    ) % {"limit": formats.number_format(field.max_length, force_grouping=True)}
    field.help_text = f"{field.help_text} {limit}" if field.help_text else limit


class PlainTextMixin:
    """A form whose every text field follows ``plain_text_field``: the fields a form adds in
    its own ``__init__`` too (they are seen again before validation)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            plain_text_field(field)

    def full_clean(self):
        for field in self.fields.values():
            plain_text_field(field)
        super().full_clean()


class PortalForm(PlainTextMixin, forms.Form):
    """The base of every form of the portal."""


class PortalModelForm(PlainTextMixin, forms.ModelForm):
    """The base of every model form of the portal."""


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


class ExchangeRateForm(PortalForm):
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


class PortalSettingsForm(PortalModelForm):
    class Meta:
        model = PortalSettings
        fields = ("submit_min_completeness", "publish_min_completeness", "pledge_ageing_days")
