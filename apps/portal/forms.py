"""The queue's views (the tabs) and the forms that save, rename and share a view."""

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from apps.cases.forms import QueueFilterForm, officer_choices
from apps.cases.selectors import all_categories
from apps.core.forms import PortalModelForm
from apps.organizations.selectors import user_is_unoda

from .models import QUERY_MAX_LENGTH, SavedView
from .tables import NeedsQueueTable, QueueTable

DEFAULT_VIEW = "needs"
# The queue's views: key, label, whether only UNODA has it (the others follow one officer's
# work: assigned to them, to nobody, late).
QUEUE_VIEWS = (
    ("needs", _("Needs my action"), False),
    ("all", _("All cases"), False),
    ("mine", _("My cases"), True),
    ("unassigned", _("Unassigned"), True),
    ("overdue", _("Overdue"), True),
)
# What a saved view keeps of the queue's query string, in this order (never the page).
# The queue's filters, as the selectors take them.
QUEUE_FILTERS = (
    "status",
    "region",
    "category",
    "priority",
    "document",
    "officer",
    "overdue",
    "unassigned",
)
QUEUE_PARAMETERS = ("view", "q", *QUEUE_FILTERS, "sort")


def queue_views(user) -> list[tuple[str, str]]:
    """The views of the queue the user has, as (key, label)."""
    unoda = user_is_unoda(user)
    return [(key, label) for key, label, unoda_only in QUEUE_VIEWS if unoda or not unoda_only]


def queue_view(params, user) -> str:
    """The view a query string asks for; needs-my-action when it names none the user has."""
    view = params.get("view") or DEFAULT_VIEW
    return view if view in dict(queue_views(user)) else DEFAULT_VIEW


def queue_table_class(view: str) -> type[QueueTable]:
    return NeedsQueueTable if view == DEFAULT_VIEW else QueueTable


def queue_filter_form(params, *, user) -> QueueFilterForm:
    """The queue's filter form bound to ``params``, with the officers a UNODA user filters on."""
    officers = officer_choices() if user_is_unoda(user) else []
    return QueueFilterForm(params, officers=officers, categories=all_categories())


def queue_query(query: str, *, user) -> str:
    """``query`` (a query string of the queue) as a saved view keeps it: the queue's own
    parameters only, each checked by the queue's filter form, in one order, empty values left
    out. ``ValidationError`` when a value is not one the user's queue takes."""
    params = QueryDict(query or "")
    kept = QueryDict(mutable=True)
    for key in QUEUE_PARAMETERS:
        value = (params.get(key) or "").strip()
        if value:
            kept[key] = value
    if "view" in kept and kept["view"] not in dict(queue_views(user)):
        raise ValidationError(_("This view of the queue is not one you have."), code="view")
    form = queue_filter_form(kept, user=user)
    if not form.is_valid():
        raise ValidationError(
            _("These filters cannot be saved: %(fields)s."),
            code="filters",
            params={"fields": ", ".join(str(form.fields[name].label) for name in form.errors)},
        )
    table = queue_table_class(kept.get("view", DEFAULT_VIEW))
    if "sort" in kept and kept["sort"] not in table.sort_options():
        del kept["sort"]
    encoded = kept.urlencode()
    if len(encoded) > QUERY_MAX_LENGTH:
        raise ValidationError(_("These filters are too long to be saved."), code="length")
    return encoded


class SavedViewForm(PortalModelForm):
    """Save the queue as it is shown (``query``: its query string) under a name."""

    query = forms.CharField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = SavedView
        fields = ("name", "shared")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, auto_id="save-view-%s", **kwargs)

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise ValidationError(_("Give the view a name."), code="required")
        return name


class SavedViewChangeForm(PortalModelForm):
    """Rename a saved view, share it or stop sharing it."""

    class Meta:
        model = SavedView
        fields = ("name", "shared")

    def __init__(self, *args, **kwargs):
        instance = kwargs.get("instance")
        prefix = f"view-{instance.pk}" if instance is not None else "view"
        super().__init__(*args, auto_id=f"{prefix}-%s", **kwargs)

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise ValidationError(_("Give the view a name."), code="required")
        return name
