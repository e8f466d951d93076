from django import forms
from django.utils.translation import gettext_lazy as _

from apps.organizations.models import Region

from .models import Offer


class OfferAdminForm(forms.ModelForm):
    region_codes = forms.MultipleChoiceField(
        label=_("regions"), choices=Region.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip

    class Meta:
        model = Offer
        fields = ("donor", "title", "description", "categories", "kinds", "amount_min",
                  "amount_max", "currency", "valid_from", "valid_until", "is_active")  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["region_codes"].initial = list(
                self.instance.regions.values_list("region", flat=True)
            )


class DisbursementForm(forms.Form):
    amount = forms.DecimalField(label=_("amount"), max_digits=14, decimal_places=2)
    date = forms.DateField(label=_("date"))
    note = forms.CharField(label=_("note"), max_length=250, required=False)
