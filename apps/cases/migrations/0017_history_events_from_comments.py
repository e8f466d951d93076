"""Turn the sentences the portal once wrote into a status change's comment, in the actor's
language ("Interest expressed by Japan.", "Withdrawn as a duplicate of REQ-…", the warning of
a likely duplicate confirmed before submitting), into the structured events of 0016, so that
each reader sees them in their own language. The sentences are recognised in each of the six
languages, as the catalogues word them; a comment recognised in none stays as it is, and so
does the list of undisbursed money confirmed when closing (its amounts were written in the
actor's number format, which cannot be read back safely)."""

import re

from django.conf import settings
from django.db import migrations
from django.utils import translation
from django.utils.translation import gettext, ngettext, pgettext
from django_countries import countries

# The messages as they were worded when the comments were written (frozen here).
SENTENCES = {
    "interest_expressed": ("register_interest", "Interest expressed by %(donor)s."),
    "funding_pledged": ("register_interest", "Funding pledged by %(donor)s."),
    "interest_withdrawn": ("interest_withdrawn", "%(donor)s withdrew its interest."),
    "duplicate_of": ("withdraw", "Withdrawn as a duplicate of %(reference)s."),
}
DUPLICATE_WARNING = (
    "This request looks like your request %(cases)s. If it is a different need, say how "
    "it differs.",
    "This request looks like your requests %(cases)s. If it is a different need, say how "
    "it differs.",
)
CONFIRM_NOT_DUPLICATE = "apps.cases.duplicates.confirm_not_duplicate"
REFERENCE = re.compile(r"\b[A-Z]{2,5}-\d{4}-\d{3,}\b")
PLACEHOLDER = re.compile(r"%\\\((\w+)\\\)s")


def _pattern(template: str) -> re.Pattern:
    """A regular expression that matches ``template`` with any text for its placeholders."""
    return re.compile(PLACEHOLDER.sub(r"(?P<\1>.+?)", re.escape(template)), re.DOTALL)


def _patterns():
    sentences, warnings, undisclosed = [], set(), set()
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for event, (transition, message) in SENTENCES.items():
                sentences.append((transition, event, _pattern(gettext(message))))
            counts = (0, 1, 2, 3, 5, 11, 21, 100, 102)
            warnings |= {ngettext(*DUPLICATE_WARNING, n) for n in counts}
            undisclosed.add(pgettext("a donor in a sentence", "an undisclosed donor"))
    return sentences, [_pattern(warning) for warning in warnings], undisclosed


def _names(apps) -> dict[str, int]:
    """Each organization by the names a sentence gave it: as entered, and a State by its
    country's name in each language (as ``Organization.display_name``)."""
    Organization = apps.get_model("organizations", "Organization")
    names = {}
    for organization in Organization.objects.order_by("pk"):
        names.setdefault(organization.name, organization.pk)
        if organization.kind == "state" and organization.country:
            for language, _name in settings.LANGUAGES:
                with translation.override(language):
                    names.setdefault(str(countries.name(organization.country)), organization.pk)
    return names


def _donor(apps, change, name, undisclosed, names):
    """The donor a sentence named, and whether it was named; (None, _) when not found."""
    if name in undisclosed:
        Interest = apps.get_model("funding", "ExpressionOfInterest")
        interest = (
            Interest.objects.filter(request_id=change.request_id, created_by_id=change.actor_id)
            .order_by("pk")
            .first()
        )
        return (interest.donor_id if interest else None), False
    return names.get(name), True


def forwards(apps, schema_editor):
    StatusChange = apps.get_model("cases", "StatusChange")
    sentences, warnings, undisclosed = _patterns()
    names = None
    transitions = {transition for transition, _event, _pattern in sentences}
    transitions |= {"submit", "resubmit"}
    changes = StatusChange.objects.filter(transition__in=transitions, event="").exclude(comment="")
    for change in changes.iterator(chunk_size=500):
        paragraphs = change.comment.split("\n\n")
        values, confirmed = {}, {}
        # The warning confirmed was added after what the actor wrote, as its last paragraph.
        if change.transition in ("submit", "resubmit") and len(paragraphs) > 1:
            if any(pattern.fullmatch(paragraphs[-1]) for pattern in warnings):
                references = REFERENCE.findall(paragraphs.pop())
                confirmed[CONFIRM_NOT_DUPLICATE] = {"references": references}
        event, organization = "", None
        for transition, name, pattern in sentences:
            if change.transition != transition or not paragraphs:
                continue
            if (found := pattern.fullmatch(paragraphs[0])) is None:
                continue
            named = found.groupdict()
            if "donor" in named:
                names = _names(apps) if names is None else names
                organization, disclosed = _donor(apps, change, named["donor"], undisclosed, names)
                if organization is None:
                    break
                values["disclosed"] = disclosed
            else:
                values.update(named)
            event = name
            paragraphs.pop(0)
            break
        if not event and not confirmed:
            continue
        if confirmed:
            values["confirmed"] = confirmed
        change.event = event
        change.organization_id = organization
        change.values = values
        change.comment = "\n\n".join(paragraphs).strip()
        change.save(update_fields=["event", "organization", "values", "comment"])


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0016_history_events"),
        ("funding", "0008_offer_referral"),
        ("organizations", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
