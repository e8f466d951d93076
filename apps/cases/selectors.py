"""Reads of cases, always scoped to what the user may see (lists and details share the scope)."""

import datetime
import operator
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import models
from django.db.models import (
    Case,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Trim, Upper
from django.utils import timezone
from modeltranslation.utils import build_localized_fieldname

from apps.core.pagination import PeekPage, peek_page
from apps.core.reference import cached
from apps.organizations.selectors import organization_ids, user_group_ids, user_is_unoda
from apps.security.services import audit_refused_access

from .models import (
    AssistanceRequest,
    Attachment,
    CaseLink,
    Category,
    Comment,
    CommentVisibility,
    IndicatorTemplate,
    RequestGroupObjectPermission,
    RequestUserObjectPermission,
    Result,
    ResultLevel,
    StatusChange,
)
from .permissions import VIEW_CODENAME, CaseAccess

# The names of this app's rows kept between requests (apps/core/reference.py); CasesConfig
# forgets them when their rows change.
CATEGORIES = "categories"
_OWN_GRANTS = "_portal_own_case_grants"


def visible_cases(user) -> QuerySet[AssistanceRequest]:
    """The one scope of cases: every case for UNODA; for anyone else the cases on which the
    user holds the view permission, itself or through one of its groups; none for a user
    signed out or inactive. Newest change first, with the State and the officer.

    Object permissions only, as django-guardian grants them (a model-wide permission given by
    mistake in the admin opens nothing), written as EXISTS on the permission rows of each case
    so that the newest page of a long list reads about a page of rows. The user's groups are
    given as values and the permission as a subquery, so that PostgreSQL estimates the rows
    each case has and probes them case by case; the user's own rows (the portal grants to
    groups; the admin may grant to a user) are asked for only when the user has any, as an OR
    of two EXISTS is planned as a hash of every permission row of the user."""
    queryset = AssistanceRequest.objects.select_related(
        "requesting_organization", "case_officer"
    ).order_by("-status_changed_at", "-pk")
    if not (user.is_authenticated and user.is_active):
        return queryset.none()
    if user_is_unoda(user):
        return queryset
    view = Subquery(
        Permission.objects.filter(
            content_type__app_label=AssistanceRequest._meta.app_label, codename=VIEW_CODENAME
        )
        .order_by()
        .values("pk")
    )
    visible = Exists(
        RequestGroupObjectPermission.objects.filter(
            content_object=OuterRef("pk"), permission_id=view, group_id__in=user_group_ids(user)
        )
    )
    if _has_own_grants(user):
        visible |= Exists(
            RequestUserObjectPermission.objects.filter(
                content_object=OuterRef("pk"), permission_id=view, user=user
            )
        )
    return queryset.filter(visible)


def visible_cases_key(user) -> str | None:
    """What ``visible_cases`` of a signed-in user other than UNODA depends on, as text, when it
    depends on nothing else: the keys of the user's groups (its organizations' and those every
    donor shares), so that figures over the scope may be kept for every user of the same
    groups. None for a user holding grants of its own (the scope is then the user's alone), for
    UNODA, and for a user signed out or inactive."""
    if not (user.is_authenticated and user.is_active) or user_is_unoda(user):
        return None
    if _has_own_grants(user):
        return None
    return ",".join(str(pk) for pk in sorted(user_group_ids(user)))


def _has_own_grants(user) -> bool:
    """Whether any case permission is granted to the user itself, read once for the user
    object (as Django keeps the user's permissions on it)."""
    cached = getattr(user, _OWN_GRANTS, None)
    if cached is None:
        cached = RequestUserObjectPermission.objects.filter(user=user).exists()
        setattr(user, _OWN_GRANTS, cached)
    return cached


def request_list(*, user, filters: dict | None = None) -> QuerySet[AssistanceRequest]:
    queryset = visible_cases(user)
    filters = filters or {}
    if status := filters.get("status"):
        queryset = queryset.filter(status=status)
    if organization := filters.get("organization"):
        queryset = queryset.filter(requesting_organization=organization)
    return queryset


def request_get(*, user, reference: str) -> AssistanceRequest:
    """The case with this reference, or ``AssistanceRequest.DoesNotExist`` if the user may not
    see it (the same answer as for a reference that does not exist; the refusal of one that
    exists is in the audit log)."""
    try:
        return visible_cases(user).get(reference=reference)
    except AssistanceRequest.DoesNotExist:
        audit_refused_access(
            user=user,
            records=AssistanceRequest.objects.filter(reference=reference),
            what=reference,
        )
        raise


def case_access(*, user, reference: str) -> CaseAccess:
    """The case with this reference and what the user is to it, or
    ``AssistanceRequest.DoesNotExist`` (missing and not visible alike)."""
    return CaseAccess(user=user, case=request_get(user=user, reference=reference))


def officer_list() -> QuerySet:
    """The active UNODA officers, for assigning cases: only what their names need."""
    return (
        get_user_model()
        .objects.filter(is_unoda_officer=True, is_active=True)
        .only("pk", "username", "first_name", "last_name")
        .order_by("username")
    )


def all_categories() -> list[Category]:
    """Every category, in order, kept between requests (the filters name them)."""
    return cached(CATEGORIES, lambda: list(Category.objects.all()))


def request_history(*, case: AssistanceRequest) -> QuerySet[StatusChange]:
    return case.status_changes.select_related("actor", "organization").order_by("created_at", "pk")


def attachment_get(*, user, reference: str, pk: int) -> Attachment:
    """An attachment of a case the user may see, or ``Attachment.DoesNotExist`` (the same
    answer whether the case or the attachment does not exist or is not visible)."""
    try:
        case = request_get(user=user, reference=reference)
    except AssistanceRequest.DoesNotExist:
        raise Attachment.DoesNotExist from None
    return Attachment.objects.select_related("request__requesting_organization").get(
        request=case, pk=pk
    )


def attachment_list(*, case: AssistanceRequest) -> QuerySet[Attachment]:
    """The documents of a case the user may see (the caller has checked that), in order."""
    return case.attachments.all()


def comment_list(*, user, case: AssistanceRequest) -> QuerySet[Comment]:
    """The comments of ``case`` that ``user`` may read: internal ones for UNODA only (the
    caller has checked that the user may see the case). The page's timeline and the API."""
    comments = Comment.objects.filter(request=case).select_related("author")
    if not user_is_unoda(user):
        comments = comments.filter(visibility=CommentVisibility.SHARED)
    return comments


# The case page shows the latest entries of its timeline, the earlier ones on request.
TIMELINE_RECENT = 20


@dataclass(frozen=True)
class Timeline:
    """Entries of a case's timeline, oldest first, and whether earlier ones were left out."""

    entries: list
    earlier: bool


def request_timeline(*, user, case: AssistanceRequest, recent: int | None = None) -> Timeline:
    """Status changes and the comments the user may read (internal ones for UNODA only),
    oldest first: two queries. ``recent``: only the latest so many (each query reads one
    more, to know whether there are earlier entries)."""
    comments = comment_list(user=user, case=case)
    changes = request_history(case=case)
    if recent is None:
        entries = [*changes, *comments.order_by("created_at", "pk")]
        return Timeline(sorted(entries, key=operator.attrgetter("created_at")), earlier=False)
    latest = [
        *changes.reverse()[: recent + 1],
        *comments.order_by("-created_at", "-pk")[: recent + 1],
    ]
    latest.sort(key=operator.attrgetter("created_at"), reverse=True)
    return Timeline(latest[:recent][::-1], earlier=len(latest) > recent)


@dataclass(frozen=True)
class RelatedCase:
    """One link of a case, worded from that case: "builds on" on the case that made the
    link, "is built on by" on the other."""

    link: CaseLink
    other: AssistanceRequest
    wording: str
    outgoing: bool


def case_links(*, user, case: AssistanceRequest) -> list[RelatedCase]:
    """The links of ``case`` in both directions, to the cases ``user`` may see (a link to a
    case the user may not see is left out whole: neither its reference nor its title is
    read), oldest first: one query, the other case's long texts not read."""
    visible = visible_cases(user)
    condition = Q(from_case=case) | Q(to_case=case)
    if not user_is_unoda(user):
        ids = visible.order_by().values("pk")
        condition = Q(from_case=case, to_case__in=ids) | Q(to_case=case, from_case__in=ids)
    deferred = [
        f"{end}__{name}" for end in ("from_case", "to_case") for name in list_deferred_fields()
    ]
    links = (
        CaseLink.objects.filter(condition)
        .select_related("from_case", "to_case")
        .defer(*deferred)
        .order_by("created_at", "pk")
    )
    return [
        RelatedCase(link=link, other=link.to_case, wording=link.get_kind_display(), outgoing=True)
        if link.from_case_id == case.pk
        else RelatedCase(
            link=link, other=link.from_case, wording=link.inverse_kind_display(), outgoing=False
        )
        for link in links
    ]


def links_within(cases: QuerySet[AssistanceRequest]) -> dict[str, list[str]]:
    """For exports: the references of each case's linked cases, both ends within ``cases``
    (a scope the caller built for its user), either direction; one query."""
    ids = cases.order_by().values("pk")
    related: dict[str, list[str]] = {}
    pairs = CaseLink.objects.filter(from_case__in=ids, to_case__in=ids).values_list(
        "from_case__reference", "to_case__reference"
    )
    for one, other in pairs.order_by("pk"):
        related.setdefault(one, []).append(other)
        related.setdefault(other, []).append(one)
    return related


@dataclass(frozen=True)
class TranslationRow:
    language: str
    title: str
    summary: str

    @property
    def missing(self) -> bool:
        return not self.title


def request_translations(*, case: AssistanceRequest) -> list[TranslationRow]:
    """The title and summary of ``case`` in each language of the portal other than the one
    it was written in, in the order of ``settings.LANGUAGES`` (read from the case row)."""
    return [
        TranslationRow(
            language=code,
            title=getattr(case, build_localized_fieldname("title", code)) or "",
            summary=getattr(case, build_localized_fieldname("summary", code)) or "",
        )
        for code, _name in settings.LANGUAGES
        if code != case.original_language
    ]


def list_deferred_fields() -> list[str]:
    """The long texts of a case (proposal, their translations and the search text), not read
    for list rows."""
    return [
        field.name
        for field in AssistanceRequest._meta.concrete_fields
        if isinstance(field, models.TextField)
        or isinstance(getattr(field, "output_field", None), models.TextField)  # search_text
    ]


def search_condition(text: str, *, state: bool = True) -> Q:
    """Cases whose reference, title in any of the six languages (a title is stored in the
    language it was written in) or, with ``state``, requesting State contains ``text``, in
    any case: ``search_text`` (the reference and the titles, upper-cased when the row is
    written) contains the text upper-cased by the same database function. ``contains``
    escapes ``%`` and ``_``; on PostgreSQL a trigram index serves it (migration cases 0012).
    The States are matched first and given as values (``organization_ids``)."""
    condition = Q(search_text__contains=Upper(models.Value(text, output_field=models.TextField())))
    if state and (states := organization_ids(name__icontains=text)):
        condition |= Q(requesting_organization_id__in=states)
    return condition


NO_DOCUMENT = "none"  # the filter's value for requests tied to no national document


def from_document(kind: str) -> Q:
    """Requests that come from a national document of ``kind``, or ("none") from none."""
    return Q(national_document="") if kind == NO_DOCUMENT else Q(national_document=kind)


def in_region(region: str) -> Q:
    """Cases whose requesting State is in ``region`` (the States given as values, as in
    ``search_condition``)."""
    return Q(requesting_organization_id__in=organization_ids(region=region))


def days_in_state(case: AssistanceRequest, *, now: datetime.datetime | None = None) -> int:
    return ((now or timezone.now()) - case.status_changed_at).days


@dataclass(frozen=True)
class DocumentGroup:
    """A State's requests that come from one national document (``kind`` empty: from none)."""

    kind: str
    label: str
    title: str
    year: int | None
    cycle: int | None
    cases: list[AssistanceRequest]


# How many of a State's requests its needs page shows at a time.
STATE_NEEDS_PER_PAGE = 50


def needs_by_national_document(*, user, organization, number=1) -> tuple[PeekPage, list]:
    """A page of the requests of ``organization`` that ``user`` may see (``peek_page``), grouped
    by the national report or action plan they come from: the latest document first, those tied
    to none last; within a group the State's high priorities first. The order is the query's,
    so that a group split across pages continues on the next one. One query for the requests,
    one for their categories."""
    cases = (
        visible_cases(user)
        .filter(requesting_organization=organization)
        .defer(*list_deferred_fields())
        .prefetch_related("categories")
        .annotate(
            no_document=Case(
                When(national_document="", then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
            document_title=Trim("national_document_title"),
        )
        .order_by(
            "no_document",
            Coalesce("national_document_year", 0).desc(),
            Coalesce("poa_cycle", 0).desc(),
            "document_title",
            "national_document",
            "priority",
            "-created_at",
            "-pk",
        )
    )
    page = peek_page(cases, STATE_NEEDS_PER_PAGE, number)
    groups: dict[tuple, list[AssistanceRequest]] = {}
    for case in page.object_list:
        key = (
            case.national_document,
            case.document_title,
            case.national_document_year,
            case.poa_cycle,
        )
        groups.setdefault(key, []).append(case)
    found = [
        DocumentGroup(
            kind=kind,
            label=str(members[0].get_national_document_display()),
            title=title,
            year=year,
            cycle=cycle,
            cases=members,
        )
        for (kind, title, year, cycle), members in groups.items()
    ]
    return page, found


# --- The results framework ---------------------------------------------------------------------


@dataclass
class Framework:
    """A request's results framework as it reads: each outcome (numbered) with its indicators
    and the outputs that serve it, then the outputs that serve no outcome. Each result carries
    ``number`` (its place among its level) and, for an outcome, ``served`` (its outputs)."""

    outcomes: list[Result]
    other_outputs: list[Result]
    results: list[Result]  # every result, outcomes first

    @property
    def outputs(self) -> list[Result]:
        return [result for result in self.results if result.level == ResultLevel.OUTPUT]

    @property
    def indicators(self) -> list:
        return [indicator for result in self.results for indicator in result.indicators.all()]


def results_framework(case: AssistanceRequest) -> Framework:
    """The results framework of ``case`` (two queries: results, their indicators). The case's
    ``results`` are the ones read, so that the completeness checklist reads no more."""
    models.prefetch_related_objects(
        [case],
        models.Prefetch("results", queryset=Result.objects.order_by("level", "position", "pk")),
        "results__indicators",
    )
    results = list(case.results.all())
    outcomes, outputs = [], []
    for result in results:
        (outcomes if result.level == ResultLevel.OUTCOME else outputs).append(result)
        result.served = []
    for number, result in enumerate(outcomes, start=1):
        result.number = number
    by_pk = {outcome.pk: outcome for outcome in outcomes}
    other = []
    for number, output in enumerate(outputs, start=1):
        output.number = number
        if output.outcome_id in by_pk:
            by_pk[output.outcome_id].served.append(output)
        else:
            other.append(output)
    return Framework(outcomes=outcomes, other_outputs=other, results=results)


def indicator_templates(case: AssistanceRequest) -> list[IndicatorTemplate]:
    """The active common indicators of the case's categories (one query)."""
    return list(
        IndicatorTemplate.objects.filter(is_active=True, category__requests=case)
        .select_related("category")
        .order_by("category__position", "position", "pk")
    )
