"""The base of the portal's filter sets (django-filter): their forms follow the portal's rule
for text like every other form (``apps.core.forms.PlainTextMixin``)."""

import django_filters

from .forms import PlainTextMixin


class PortalFilterSet(django_filters.FilterSet):
    def get_form_class(self):
        form_class = super().get_form_class()
        if issubclass(form_class, PlainTextMixin):
            return form_class
        return type(form_class.__name__, (PlainTextMixin, form_class), {})
