"""UNODA's IATI 2.03 files: the activity file of the agreed and implemented cases, and the
organisation file.

Decisions (see docs/iati.md):
- reporting-org: UNODA, ``settings.PORTAL_IATI_REPORTING_ORG_REF`` and ``_NAME``, type 40
  (multilateral), secondary-reporter 1: the flows are the donors' and the States', UNODA only
  reports them (0 only where UNODA itself is a participating organisation of the activity).
- identifiers: ``<reporting-org ref>-<case reference>``. There is one reporting view, UNODA's:
  an activity's content depends on the case only, never on who downloads the file, so an
  identifier never means two contents. The public file holds the cases whose State chose a
  public summary; UNODA's signed-in download holds every agreed case, the public ones exactly
  as in the public file. Donors and States publish their own flows under their own identifiers
  from their own systems; they read the public file here.
- organisations: ``ref`` is the organisation's ``iati_identifier`` (e.g. XM-DAC-701 for Japan);
  an organisation without one is named by its narratives only, never a made-up identifier.
  A donor that did not disclose a commitment to other donors is not named for it: the
  transaction has no provider-org.
- narratives: one per language the text exists in (the modeltranslation fields), each with its
  ``xml:lang``; the activity's ``xml:lang`` is the language the request was written in. The
  reader's interface language plays no part.
- activity-status: agreement 1 (pipeline: signed, not started), implementation 2,
  feedback 3 (finalisation: done, evaluation pending), closed 4.
- participating-org: each funding donor of the agreement (and any donor with a disclosed firm
  commitment) role 1 funding; the requesting State role 2 accountable; the implementing partner
  role 4 implementing (the State itself when the agreement names none).
- budget: the agreement's amount, original (type 1) and committed (status 2), split pro rata by
  days over the calendar years of the agreement's period (a budget period is at most a year).
  planned-disbursement: each firm commitment split the same way, donor to receiver.
- transactions: the portal reports flows between donors and the receiving party, not money UNODA
  receives, so firm commitments are type 2 (outgoing commitment) and disbursements type 3, each
  with the donor as provider and, as receiver, the implementing partner where the agreement names
  one (it receives the money to do the work), else the State; pledges and cancelled commitments
  are left out.
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
  categories in a reporting-organisation vocabulary (99) listed on the public needs page; tags:
  SDG target 16.4 (vocabulary 3) and the ISACS modules of those categories (vocabulary 99).
- document-link: the State's national document when the request links to it (a public report
  on the UN's site); the attachments are not public and are not linked.
- result: one per outcome (type 2) and output (type 1) of the results framework that has an
  indicator (IATI asks for at least one), outcomes first, with the statement as its title. Each
  indicator: measure from ``IndicatorMeasure`` (1 unit, 2 percentage), ascending, its name (and
  unit) as title; baseline (year and iso-date of the baseline date, else the year the agreement
  starts; value) when it has one; one period from the baseline date (else the agreement's start)
  to the target date (else the agreement's end) with the target value and, as the actual, the
  latest value reached (``indicator_standings``, as the pages read it) with a comment naming the
  date it was reached by, and, for an indicator counting people, a second actual with the women
  among them (dimension sex = female). The statements and names are written in the request's
  language: narratives in ``original_language``.
"""

import datetime
from collections.abc import Iterator
from decimal import Decimal
from itertools import groupby, islice

from django.conf import settings
from django.db.models import Min, Prefetch, Q, QuerySet
from django.utils import timezone, translation
from lxml import etree
from modeltranslation.utils import build_localized_fieldname

from apps.cases.models import AssistanceRequest, IndicatorMeasure, ResultLevel, Status, Visibility
from apps.cases.results import Standing
from apps.cases.selectors import links_within, request_list
from apps.cases.workflow import AGREED
from apps.followup.selectors import indicator_standings
from apps.funding.models import FUNDED_STATUSES, Commitment, CooperationType, Disbursement
from apps.organizations.models import Organization, OrganizationKind

from .permissions import can_download_iati

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
REPORTING_ORG_TYPE = "40"  # UNODA: multilateral
ROLE_FUNDING, ROLE_ACCOUNTABLE, ROLE_IMPLEMENTING = "1", "2", "4"
TRANSACTION_COMMITMENT, TRANSACTION_DISBURSEMENT = "2", "3"
BUDGET_ORIGINAL, BUDGET_COMMITTED = "1", "2"
# Related activity type 3, "sibling": cases UNODA linked (builds on, complements, repeats),
# neither the parent of the other.
RELATED_SIBLING = "3"
COLLABORATION_TYPE = {
    CooperationType.NORTH_SOUTH: "1",
    CooperationType.SOUTH_SOUTH: "1",
    CooperationType.TRIANGULAR: "8",
    CooperationType.MULTILATERAL: "4",
}
# IATI ResultType: 1 output, 2 outcome (3 impact, 9 other: not used).
RESULT_TYPE = {ResultLevel.OUTPUT: "1", ResultLevel.OUTCOME: "2"}
# IATI IndicatorMeasure: the portal's codes are IATI's.
INDICATOR_MEASURE = {IndicatorMeasure.UNIT: "1", IndicatorMeasure.PERCENTAGE: "2"}
DAC_SALW_SECTOR = "15240"
SDG_TARGET = "16.4"
# DocumentCategory A02 "Objectives / Purpose of activity": the national document the need
# comes from.
NATIONAL_DOCUMENT_CATEGORY = "A02"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
ENGLISH = "en"  # the reporting organisation's name and the codes' labels are English
SENT_TOGETHER = 100  # activities written before the bytes are sent
CENT = Decimal("0.01")


def iati_language(code: str) -> str:
    """The ISO 639-1 code IATI expects for one of settings.LANGUAGES (``zh-hans`` is ``zh``)."""
    return code.split("-")[0]


def _sub(parent, tag, text=None, **attributes):
    element = etree.SubElement(
        parent, tag, {k.replace("_", "-"): str(v) for k, v in attributes.items() if v is not None}
    )
    if text is not None:
        element.text = str(text)
    return element


def _texts(obj, field: str, first: str = ENGLISH) -> list[tuple[str, str]]:
    """``(language, text)`` for each language ``obj.<field>`` was written or translated in,
    ``first`` first; read from the per-language fields, whatever the active language."""
    codes = dict.fromkeys([first, *(code for code, _name in settings.LANGUAGES)])
    texts = ((code, getattr(obj, build_localized_fieldname(field, code), "")) for code in codes)
    return [(code, text.strip()) for code, text in texts if text and text.strip()]


def _narratives(parent, tag, texts: list[tuple[str, str]], **attributes):
    element = _sub(parent, tag, **attributes)
    for language, text in texts:
        narrative = _sub(element, "narrative", text)
        narrative.set(XML_LANG, iati_language(language))
    return element


def _english(parent, tag, text, **attributes):
    return _narratives(parent, tag, [(ENGLISH, text)], **attributes)


def _org(parent, tag, organization: Organization, **attributes):
    return _narratives(
        parent,
        tag,
        _texts(organization, "name"),
        ref=organization.iati_identifier or None,
        type=ORGANISATION_TYPE.get(organization.kind),
        **attributes,
    )


def _reporting_org(parent, *, secondary: bool | None = None):
    return _english(
        parent,
        "reporting-org",
        settings.PORTAL_IATI_REPORTING_ORG_NAME,
        ref=settings.PORTAL_IATI_REPORTING_ORG_REF,
        type=REPORTING_ORG_TYPE,
        secondary_reporter=None if secondary is None else int(secondary),
    )


EXPORT_CHUNK = 1000  # rows read at a time, their prefetches with them


def iati_cases(*, user=None) -> QuerySet[AssistanceRequest]:
    """The cases of a file: with ``user`` (UNODA, see ``can_download_iati``) every agreed case
    it may see; without, the public file's: agreed cases whose State chose a public summary."""
    if user is None:
        cases = AssistanceRequest.objects.filter(visibility=Visibility.PUBLIC_SUMMARY)
    elif can_download_iati(user):
        cases = request_list(user=user)
    else:
        return AssistanceRequest.objects.none()
    return cases.filter(status__in=AGREED)


def exported_cases(cases: QuerySet[AssistanceRequest]) -> QuerySet[AssistanceRequest]:
    return (
        cases.select_related("requesting_organization", "agreement__implementing_partner")
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


def _stamp(moment: datetime.datetime) -> str:
    return moment.replace(microsecond=0).isoformat()


def build_activities(*, user=None, now: datetime.datetime | None = None) -> bytes:
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


def stream_activities(*, user=None, now: datetime.datetime | None = None) -> Iterator[bytes]:
    """The ``<iati-activities>`` document of ``iati_cases(user=user)``, written a hundred
    activities at a time while it is sent: the cases and their commitments are read in chunks,
    side by side in the order of the references, so the memory held is the same for 100 cases
    or 100,000. Every commitment of a case is read, whoever asks (an activity is the same in
    every file)."""
    now = now or timezone.now()
    cases = iati_cases(user=user)
    commitments = (
        Commitment.objects.filter(request__in=cases.values("pk"), status__in=FUNDED_STATUSES)
        .select_related("donor")
        .prefetch_related(
            Prefetch("disbursements", queryset=Disbursement.objects.order_by("date", "pk"))
        )
        .order_by("request__reference", "pk")
    )
    pending = commitments.iterator(chunk_size=EXPORT_CHUNK)
    commitment = next(pending, None)
    # Only links between cases of the file: a case outside it is not even named.
    related = links_within(cases)
    today = timezone.localdate(now)
    sink = _Sink()
    with etree.xmlfile(sink, encoding="UTF-8", buffered=False) as document:
        document.write_declaration()
        attributes = {"version": IATI_VERSION, "generated-datetime": _stamp(now)}
        with document.element("iati-activities", attributes):
            document.write("\n")
            rows = exported_cases(cases).iterator(chunk_size=EXPORT_CHUNK)
            while batch := list(islice(rows, SENT_TOGETHER)):
                # How the indicators of the hundred stand: two queries for the batch.
                standings = indicator_standings([case.pk for case in batch], today=today)
                for case in batch:
                    own = []
                    while commitment is not None and commitment.request_id == case.pk:
                        own.append(commitment)
                        commitment = next(pending, None)
                    holder = etree.Element("activities")
                    _activity(
                        holder,
                        case,
                        own,
                        related.get(case.reference, []),
                        standings.get(case.pk, []),
                    )
                    document.write(holder[0], pretty_print=True)
                yield sink.drain()
    yield sink.drain()


def activity_identifier(reference: str) -> str:
    return f"{settings.PORTAL_IATI_REPORTING_ORG_REF}-{reference}"


def _activity(
    root,
    case: AssistanceRequest,
    commitments: list[Commitment],
    related: list[str],
    standings: list[Standing] = (),
):
    agreement = getattr(case, "agreement", None)
    original = case.original_language or settings.LANGUAGE_CODE
    activity = _sub(
        root,
        "iati-activity",
        last_updated_datetime=_stamp(case.updated_at),
        default_currency=case.budget_currency,
    )
    activity.set(XML_LANG, iati_language(original))
    _sub(activity, "iati-identifier", activity_identifier(case.reference))

    state = case.requesting_organization
    implementer = agreement.implementing_partner if agreement else None
    receiver = implementer or state
    funders = {org.pk: org for org in (agreement.donors.all() if agreement else [])}
    for commitment in commitments:
        if commitment.disclosed:
            funders.setdefault(commitment.donor_id, commitment.donor)
    participants = [*funders.values(), state, receiver]
    reporter = settings.PORTAL_IATI_REPORTING_ORG_REF
    takes_part = any(o.iati_identifier == reporter for o in participants if o.iati_identifier)
    _reporting_org(activity, secondary=not takes_part)

    title = _texts(case, "title", original)
    _narratives(activity, "title", title)
    _narratives(activity, "description", _texts(case, "summary", original) or title, type="1")
    # In the order of their English names, whatever the reader's language: a file is the same
    # for every reader.
    english_name = build_localized_fieldname("name", ENGLISH)
    for donor in sorted(funders.values(), key=lambda org: (getattr(org, english_name), org.pk)):
        _org(activity, "participating-org", donor, role=ROLE_FUNDING)
    _org(activity, "participating-org", state, role=ROLE_ACCOUNTABLE)
    _org(activity, "participating-org", receiver, role=ROLE_IMPLEMENTING)

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
        _narratives(
            activity,
            "sector",
            _texts(category, "name"),
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
        with translation.override(ENGLISH):
            label = str(CooperationType(cooperation).label)
        _english(activity, "tag", label, vocabulary="99", code=f"cooperation-{cooperation}")
    if cooperation in COLLABORATION_TYPE:
        _sub(activity, "collaboration-type", code=COLLABORATION_TYPE[cooperation])

    periods = budget_periods(agreement.start_date, agreement.end_date) if agreement else []
    if agreement:
        for (start, end), amount in zip(periods, split(agreement.amount, periods), strict=True):
            budget = _sub(activity, "budget", type=BUDGET_ORIGINAL, status=BUDGET_COMMITTED)
            _period(budget, start, end)
            _value(budget, amount, agreement.currency, start)
    for commitment in commitments:
        for (start, end), amount in zip(periods, split(commitment.amount, periods), strict=True):
            planned = _sub(activity, "planned-disbursement", type=BUDGET_ORIGINAL)
            _period(planned, start, end)
            _value(planned, amount, commitment.currency, start)
            _parties(planned, commitment, receiver)
    for commitment in commitments:
        if commitment.committed_on:
            _transaction(
                activity, TRANSACTION_COMMITMENT, commitment.committed_on, commitment.amount,
                commitment, receiver,
            )  # fmt: skip
        for disbursement in commitment.disbursements.all():
            _transaction(
                activity, TRANSACTION_DISBURSEMENT, disbursement.date, disbursement.amount,
                commitment, receiver,
            )  # fmt: skip
    if case.national_report_url:
        _document_link(activity, case)
    for reference in related:
        _sub(activity, "related-activity", ref=activity_identifier(reference), type=RELATED_SIBLING)
    _results(activity, standings, language=original, agreement=agreement)


def _results(activity, standings: list[Standing], *, language: str, agreement):
    """A ``result`` per outcome and output with indicators (``standings`` come grouped by
    result, outcomes first), each indicator with its baseline, and one period from baseline
    to target with the target and the latest value reached."""
    for _result_id, group in groupby(standings, key=lambda s: s.indicator.result_id):
        group = list(group)
        result = group[0].indicator.result
        element = _sub(activity, "result", type=RESULT_TYPE[result.level])
        _narratives(element, "title", [(language, result.statement.strip())])
        for item in group:
            _indicator(element, item, language=language, agreement=agreement)


def _quantity(value: Decimal) -> str:
    """A value as IATI wants a number: ``1500.00`` -> ``1500``, ``12.50`` -> ``12.5``."""
    return f"{value.normalize():f}"


def _indicator(result, item: Standing, *, language: str, agreement):
    indicator = item.indicator
    element = _sub(
        result,
        "indicator",
        measure=INDICATOR_MEASURE[indicator.measure],
        ascending="1" if indicator.ascending else "0",
    )
    title = indicator.name.strip()
    if indicator.unit.strip():
        title = f"{title} ({indicator.unit.strip()})"
    _narratives(element, "title", [(language, title)])
    start = indicator.baseline_date or (agreement.start_date if agreement else None)
    end = indicator.target_date or (agreement.end_date if agreement else None)
    if indicator.baseline_value is not None and start is not None:
        _sub(
            element,
            "baseline",
            year=start.year,
            iso_date=_day(indicator.baseline_date) if indicator.baseline_date else None,
            value=_quantity(indicator.baseline_value),
        )
    if start is None or end is None or start >= end:
        return
    if indicator.target_value is None and item.latest is None:
        return
    period = _sub(element, "period")
    _period(period, start, end)
    if indicator.target_value is not None:
        _sub(period, "target", value=_quantity(indicator.target_value))
    if item.latest is not None:
        actual = _sub(period, "actual", value=_quantity(item.latest.value))
        _english(actual, "comment", f"Value reached by {_day(item.latest.date)}.")
        if indicator.by_sex and item.latest.women is not None:
            women = _sub(period, "actual", value=_quantity(item.latest.women))
            _sub(women, "dimension", name="sex", value="female")
            _english(women, "comment", f"Of whom women, by {_day(item.latest.date)}.")


def _shares(count: int) -> list[int]:
    if not count:
        return []
    base = 100 // count
    return [base + (100 - base * count if i == 0 else 0) for i in range(count)]


def budget_periods(start: datetime.date, end: datetime.date) -> list[tuple]:
    """``start`` to ``end`` cut at the turn of each year: no period longer than a year."""
    periods = []
    while start <= end:
        last = min(end, datetime.date(start.year, 12, 31))
        periods.append((start, last))
        start = last + datetime.timedelta(days=1)
    return periods


def split(amount: Decimal, periods: list[tuple]) -> list[Decimal]:
    """``amount`` shared between ``periods`` by their number of days, to the cent; the last
    period takes what rounding leaves, so the parts add up to ``amount``."""
    days = [(end - start).days + 1 for start, end in periods]
    parts = [(amount * n / sum(days)).quantize(CENT) for n in days[:-1]]
    return [*parts, amount - sum(parts)] if periods else []


def _period(parent, start: datetime.date, end: datetime.date):
    _sub(parent, "period-start", iso_date=_day(start))
    _sub(parent, "period-end", iso_date=_day(end))


def _value(parent, amount: Decimal, currency: str, day):
    _sub(parent, "value", f"{amount:.2f}", currency=currency, value_date=_day(day))


def _parties(parent, commitment: Commitment, receiver: Organization):
    if commitment.disclosed:
        _org(parent, "provider-org", commitment.donor)
    _org(parent, "receiver-org", receiver)


def _transaction(activity, code, day, amount, commitment: Commitment, receiver: Organization):
    transaction = _sub(activity, "transaction")
    _sub(transaction, "transaction-type", code=code)
    _sub(transaction, "transaction-date", iso_date=_day(day))
    _value(transaction, amount, commitment.currency, day)
    _parties(transaction, commitment, receiver)


def _document_link(activity, case: AssistanceRequest):
    url = case.national_report_url
    pdf = url.lower().split("?")[0].endswith(".pdf")
    link = _sub(
        activity, "document-link", url=url, format="application/pdf" if pdf else "text/html"
    )
    language = case.original_language or settings.LANGUAGE_CODE
    with translation.override(language):  # the kind's name in the request's language
        title = case.national_document_title or case.get_national_document_display() or url
    _narratives(link, "title", [(language, title)])
    _sub(link, "category", code=NATIONAL_DOCUMENT_CATEGORY)


def build_organisation(*, now: datetime.datetime | None = None) -> bytes:
    """The ``<iati-organisations>`` document of the reporting organisation, UNODA."""
    now = now or timezone.now()
    root = etree.Element(
        "iati-organisations", {"version": IATI_VERSION, "generated-datetime": _stamp(now)}
    )
    organisation = _sub(root, "iati-organisation", last_updated_datetime=_stamp(now))
    organisation.set(XML_LANG, ENGLISH)
    _sub(organisation, "organisation-identifier", settings.PORTAL_IATI_REPORTING_ORG_REF)
    _english(organisation, "name", settings.PORTAL_IATI_REPORTING_ORG_NAME)
    _reporting_org(organisation)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
