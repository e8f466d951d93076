"""The IATI 2.03 activity file of the agreed and implemented cases the user may see.

Decisions (see README):
- reporting-org: UNODA, ``settings.PORTAL_IATI_REPORTING_ORG_REF`` (UNODA has no IATI
  organisation identifier of its own; set the one it registers), type 40 (multilateral).
- activity-status: agreement 1 (pipeline: signed, not started), implementation 2,
  feedback 3 (finalisation: done, evaluation pending), closed 4.
- participating-org: each funding donor of the agreement (and any donor with a firm
  commitment) role 1 funding; the requesting State role 2 accountable; the implementing partner
  role 4 implementing (the State itself when the agreement names none).
- transactions: the portal reports flows between donors and States, not money UNODA receives,
  so firm commitments are type 2 (outgoing commitment) and disbursements type 3, each with the
  donor as provider and the State as receiver; pledges and cancelled commitments are left out.
- collaboration-type (OECD DAC CRS "Bi_Multi" codelist, IATI CollaborationType) from the
  agreement's type of cooperation: North-South 1 (bilateral), South-South 1 (bilateral: a
  flow from one country to another; the codelist has no South-South code), triangular 8
  (bilateral, triangular co-operation), multilateral (through a UN entity or fund) 4
  (multilateral outflows); regional has no code of its own (bilateral or multilateral
  depending on the channel, which the portal does not record), so the element is left out.
  Every recorded type is also a tag in the reporting-organisation vocabulary (99),
  ``cooperation-<type>`` with its English name, so that North-South and South-South stay
  apart; an agreement whose type was not recorded gets neither.
- sector: DAC 5-digit (vocabulary 1) 15240 "Reintegration and SALW control", and the portal's
  categories in a reporting-organisation vocabulary (99); tags: SDG target 16.4 (vocabulary 3)
  and the ISACS modules of those categories (vocabulary 99).
"""

import datetime
from collections.abc import Iterator

from django.conf import settings
from django.db.models import Min, Prefetch, Q
from django.utils import timezone, translation
from lxml import etree

from apps.cases.models import AssistanceRequest, Status
from apps.cases.selectors import links_within, request_list
from apps.cases.workflow import AGREED
from apps.funding.models import FUNDED_STATUSES, Commitment, CooperationType, Disbursement
from apps.funding.selectors import commitment_list
from apps.organizations.models import OrganizationKind

IATI_VERSION = "2.03"

ACTIVITY_STATUS = {
    Status.AGREEMENT: "1",
    Status.IMPLEMENTATION: "2",
    Status.FEEDBACK: "3",
    Status.CLOSED: "4",
}
ORGANISATION_TYPE = {
    OrganizationKind.STATE: "10",
    OrganizationKind.INTERGOVERNMENTAL: "40",
    OrganizationKind.REGIONAL: "40",
    OrganizationKind.UN_ENTITY: "40",
    OrganizationKind.CIVIL_SOCIETY: "21",
    OrganizationKind.FOUNDATION: "60",
}
ROLE_FUNDING, ROLE_ACCOUNTABLE, ROLE_IMPLEMENTING = "1", "2", "4"
# Related activity type 3, "sibling": cases UNODA linked (builds on, complements, repeats),
# neither the parent of the other.
RELATED_SIBLING = "3"
COLLABORATION_TYPE = {
    CooperationType.NORTH_SOUTH: "1",
    CooperationType.SOUTH_SOUTH: "1",
    CooperationType.TRIANGULAR: "8",
    CooperationType.MULTILATERAL: "4",
}
DAC_SALW_SECTOR = "15240"
SDG_TARGET = "16.4"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SENT_TOGETHER = 100  # activities written before the bytes are sent


def _sub(parent, tag, text=None, **attributes):
    element = etree.SubElement(
        parent, tag, {k.replace("_", "-"): str(v) for k, v in attributes.items() if v is not None}
    )
    if text is not None:
        element.text = str(text)
    return element


def _narrative(parent, tag, text, **attributes):
    element = _sub(parent, tag, **attributes)
    _sub(element, "narrative", text)
    return element


def _org(parent, tag, organization, **attributes):
    return _narrative(
        parent, tag, organization.name, type=ORGANISATION_TYPE.get(organization.kind), **attributes
    )


EXPORT_CHUNK = 1000  # rows read at a time, their prefetches with them


def _exported(user):
    return request_list(user=user).filter(status__in=AGREED)


def exported_cases(*, user):
    return (
        _exported(user)
        .select_related("requesting_organization", "agreement__implementing_partner")
        .prefetch_related("categories", "agreement__donors")
        .annotate(
            started_on=Min(
                "status_changes__created_at",
                filter=_to(Status.IMPLEMENTATION),
            ),
            completed_on=Min("status_changes__created_at", filter=_to(Status.FEEDBACK)),
        )
        .order_by("reference")
    )


def _to(status):
    return Q(status_changes__to_status=status)


def _day(value) -> str:
    if isinstance(value, datetime.datetime):
        value = timezone.localdate(value)
    return value.isoformat()


def build_activities(*, user, now: datetime.datetime | None = None) -> bytes:
    """The ``<iati-activities>`` document (UTF-8 bytes), whole: for tests and small files."""
    return b"".join(stream_activities(user=user, now=now))


class _Sink:
    """Where lxml's incremental writer puts the bytes until the next part is sent."""

    def __init__(self):
        self.parts: list[bytes] = []

    def write(self, data: bytes):
        self.parts.append(data)

    def drain(self) -> bytes:
        out = b"".join(self.parts)
        self.parts.clear()
        return out


def stream_activities(*, user, now: datetime.datetime | None = None) -> Iterator[bytes]:
    """The ``<iati-activities>`` document, written a hundred activities at a time while it is sent:
    the cases and their commitments are read in chunks, side by side in the order of the
    references, so the memory held is the same for 100 cases or 100,000."""
    now = now or timezone.now()
    prefix = settings.PORTAL_IATI_REPORTING_ORG_REF
    commitments = (
        commitment_list(user=user)
        .filter(request__in=_exported(user).values("pk"), status__in=FUNDED_STATUSES)
        .prefetch_related(
            Prefetch("disbursements", queryset=Disbursement.objects.order_by("date", "pk"))
        )
        .order_by("request__reference", "pk")
    )
    pending = commitments.iterator(chunk_size=EXPORT_CHUNK)
    commitment = next(pending, None)
    # Only links between exported cases: a case the user may not see is not even named.
    related = links_within(_exported(user))
    sink = _Sink()
    with etree.xmlfile(sink, encoding="UTF-8", buffered=False) as document:
        document.write_declaration()
        attributes = {
            "version": IATI_VERSION,
            "generated-datetime": now.replace(microsecond=0).isoformat(),
        }
        with document.element("iati-activities", attributes):
            document.write("\n")
            cases = exported_cases(user=user).iterator(chunk_size=EXPORT_CHUNK)
            for number, case in enumerate(cases, start=1):
                own = []
                while commitment is not None and commitment.request_id == case.pk:
                    own.append(commitment)
                    commitment = next(pending, None)
                holder = etree.Element("activities")
                _activity(holder, case, own, related.get(case.reference, []), prefix=prefix)
                document.write(holder[0], pretty_print=True)
                if number % SENT_TOGETHER == 0:
                    yield sink.drain()
    yield sink.drain()


def _activity(
    root,
    case: AssistanceRequest,
    commitments: list[Commitment],
    related: list[str],
    *,
    prefix: str,
):
    agreement = getattr(case, "agreement", None)
    activity = _sub(
        root,
        "iati-activity",
        last_updated_datetime=case.updated_at.replace(microsecond=0).isoformat(),
        default_currency=case.budget_currency,
    )
    activity.set(XML_LANG, "en")
    _sub(activity, "iati-identifier", f"{prefix}-{case.reference}")
    _narrative(
        activity,
        "reporting-org",
        settings.PORTAL_IATI_REPORTING_ORG_NAME,
        ref=prefix,
        type="40",
    )
    _narrative(activity, "title", case.title)
    _narrative(activity, "description", case.summary or case.title, type="1")

    state = case.requesting_organization
    funders = {org.pk: org for org in (agreement.donors.all() if agreement else [])}
    for commitment in commitments:
        funders.setdefault(commitment.donor_id, commitment.donor)
    for donor in sorted(funders.values(), key=lambda org: org.name):
        _org(activity, "participating-org", donor, role=ROLE_FUNDING)
    _org(activity, "participating-org", state, role=ROLE_ACCOUNTABLE)
    implementer = agreement.implementing_partner if agreement else None
    _org(activity, "participating-org", implementer or state, role=ROLE_IMPLEMENTING)

    _sub(activity, "activity-status", code=ACTIVITY_STATUS[case.status])
    if agreement:
        _sub(activity, "activity-date", iso_date=_day(agreement.start_date), type="1")
    if case.started_on:
        _sub(activity, "activity-date", iso_date=_day(case.started_on), type="2")
    if agreement:
        _sub(activity, "activity-date", iso_date=_day(agreement.end_date), type="3")
    if case.completed_on:
        _sub(activity, "activity-date", iso_date=_day(case.completed_on), type="4")
    if not agreement and not case.started_on:
        _sub(activity, "activity-date", iso_date=_day(case.status_changed_at), type="1")

    if state.country:
        _sub(activity, "recipient-country", code=state.country.code, percentage="100")
    _sub(activity, "sector", vocabulary="1", code=DAC_SALW_SECTOR, percentage="100")
    categories = list(case.categories.all())
    shares = _shares(len(categories))
    vocabulary_uri = f"{settings.PORTAL_SITE_URL.rstrip('/')}/needs/#categories"
    for category, share in zip(categories, shares, strict=True):
        _narrative(
            activity,
            "sector",
            category.name,
            vocabulary="99",
            vocabulary_uri=vocabulary_uri,
            code=category.code,
            percentage=share,
        )
    _sub(activity, "tag", vocabulary="3", code=SDG_TARGET)
    modules = sorted(
        {m.strip() for c in categories for m in c.isacs_modules.split(",") if m.strip()}
    )
    for module in modules:
        _sub(activity, "tag", vocabulary="99", code=f"ISACS-{module}")
    cooperation = agreement.cooperation_type if agreement else ""
    if cooperation:
        with translation.override("en"):
            label = str(CooperationType(cooperation).label)
        _narrative(activity, "tag", label, vocabulary="99", code=f"cooperation-{cooperation}")
    if cooperation in COLLABORATION_TYPE:
        _sub(activity, "collaboration-type", code=COLLABORATION_TYPE[cooperation])

    for commitment in commitments:
        if commitment.committed_on:
            _transaction(
                activity, "2", commitment.committed_on, commitment.amount, commitment, state
            )
        for disbursement in commitment.disbursements.all():
            _transaction(activity, "3", disbursement.date, disbursement.amount, commitment, state)
    for reference in related:
        _sub(activity, "related-activity", ref=f"{prefix}-{reference}", type=RELATED_SIBLING)


def _shares(count: int) -> list[int]:
    if not count:
        return []
    base = 100 // count
    return [base + (100 - base * count if i == 0 else 0) for i in range(count)]


def _transaction(activity, code, day, amount, commitment: Commitment, state):
    transaction = _sub(activity, "transaction")
    _sub(transaction, "transaction-type", code=code)
    _sub(transaction, "transaction-date", iso_date=_day(day))
    _sub(transaction, "value", f"{amount:.2f}", currency=commitment.currency, value_date=_day(day))
    _org(transaction, "provider-org", commitment.donor)
    _org(transaction, "receiver-org", state)
