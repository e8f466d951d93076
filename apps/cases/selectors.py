"""Reads of cases, always scoped to what the user may see (lists and details share the scope)."""

import datetime
import functools
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce, Concat
from django.utils import timezone
from modeltranslation.utils import build_localized_fieldname

from apps.core.prepared import prepared
from apps.core.reference import cached
from apps.core.selectors import text_in
from apps.organizations.selectors import user_is_unoda

from .models import (
    AssistanceKind,
    AssistanceRequest,
    Attachment,
    Category,
    Comment,
    CommentVisibility,
    RequestGroupObjectPermission,
    RequestUserObjectPermission,
    StatusChange,
)
from .permissions import VIEW_PERM
from .workflow import TERMINAL

_PERMISSION_IDS: dict[str, int] = {}


def permission_id(perm: str) -> int:
    """The id of a permission (``"app_label.codename"``), read once per process: permissions
    are rows that ``migrate`` writes, so the process that migrates (or flushes, in tests)
    forgets the ids, as Django forgets its cached content types (see ``CasesConfig.ready``).
    Other processes keep theirs until restarted, as a deployment restarts them after
    migrating (README, "Deploying"); a permission that ``migrate`` made again under a new id
    would otherwise open fewer cases, never more, until then."""
    if perm not in _PERMISSION_IDS:
        app_label, codename = perm.split(".")
        _PERMISSION_IDS[perm] = Permission.objects.values_list("pk", flat=True).get(
            content_type__app_label=app_label, codename=codename
        )
    return _PERMISSION_IDS[perm]


def forget_permission_ids(**_kwargs) -> None:
    _PERMISSION_IDS.clear()


# The names of this app's rows kept between requests (apps/core/reference.py); CasesConfig
# forgets them when their rows change.
CATEGORIES, KINDS, OFFICERS = "categories", "kinds", "officers"


@dataclass(frozen=True)
class Scope:
    """Which cases a user sees (``case_scope``): every one, or those on which the user holds
    the view permission (``permission``: its id), itself (``direct``) or through one of its
    ``groups``. Everything a read of the scope's cases depends on is here: a read built once
    per scope (apps/core/prepared.py) is right for it."""

    every: bool
    permission: int | None = None
    user_id: int | None = None
    groups: tuple[int, ...] = ()
    direct: bool = False


def _groups_and_direct(_shape, user_id, permission):
    # One query: the user's groups, and whether it holds any permission of its own (rare:
    # the portal grants to groups).
    direct = RequestUserObjectPermission.objects.filter(permission_id=permission, user_id=user_id)
    return (
        get_user_model()
        .objects.filter(pk=user_id)
        .annotate(direct=Exists(direct))
        .values_list("groups", "direct")
    )


_GROUPS_AND_DIRECT = prepared(_groups_and_direct, user_id=int, permission=int)


def case_scope(user) -> Scope | None:
    """The user's ``Scope``, or None for a user who sees nothing (signed out, inactive).
    UNODA sees every case; anyone else what django-guardian granted (one small query)."""
    if not (user.is_authenticated and user.is_active):
        return None
    if user_is_unoda(user):
        return Scope(every=True)
    permission = permission_id(VIEW_PERM)
    rows = _GROUPS_AND_DIRECT(user_id=user.pk, permission=permission)
    return Scope(
        every=False,
        permission=permission,
        user_id=user.pk,
        groups=tuple(sorted(group for group, _direct in rows if group is not None)),
        direct=any(has_direct for _group, has_direct in rows),
    )


def visible_to(user) -> Q:
    """The cases ``user`` holds the view permission on, itself or through one of its groups
    (``visible_in`` of its scope; one small query)."""
    return visible_in(case_scope(user) or Scope(every=False, permission=permission_id(VIEW_PERM)))


def visible_in(scope: Scope) -> Q:
    """The cases of ``scope`` (not for a scope of every case: that needs no condition).

    Object permissions only, as django-guardian grants them (a model-wide permission given by
    mistake in the admin opens nothing). Written as EXISTS on the permission rows of each case
    (guardian's get_objects_for_user gives ``id IN (every permitted id)``): the newest page of
    a large queue then reads about a page of rows instead of every permission. The groups are
    given as a list, not a subquery: PostgreSQL then plans for the few groups they are; a
    second EXISTS only for a user who holds permissions of its own.
    """
    permission = scope.permission
    visible = Q(
        Exists(
            RequestGroupObjectPermission.objects.filter(
                content_object=OuterRef("pk"), permission_id=permission, group_id__in=scope.groups
            )
        )
    )
    if scope.direct:
        visible |= Q(
            Exists(
                RequestUserObjectPermission.objects.filter(
                    permission_id=permission, user_id=scope.user_id, content_object=OuterRef("pk")
                )
            )
        )
    return visible


def cases_in(scope: Scope | None) -> QuerySet[AssistanceRequest]:
    """The cases of ``scope`` (``case_scope``), newest change first, with their State and
    officer: what ``request_list`` gives, for reads built from a scope."""
    if scope is None:
        return AssistanceRequest.objects.none()
    queryset = _every_case() if scope.every else _every_case().filter(visible_in(scope))
    return queryset.order_by("-status_changed_at", "-pk")


def request_list(*, user, filters: dict | None = None) -> QuerySet[AssistanceRequest]:
    queryset = cases_in(case_scope(user))
    filters = filters or {}
    if status := filters.get("status"):
        queryset = queryset.filter(status=status)
    if organization := filters.get("organization"):
        queryset = queryset.filter(requesting_organization=organization)
    return queryset


def _every_case() -> QuerySet[AssistanceRequest]:
    return AssistanceRequest.objects.select_related("requesting_organization", "case_officer")


def officer_list():
    """The active UNODA officers, for assigning cases: only what their names need."""
    return (
        get_user_model()
        .objects.filter(is_unoda_officer=True, is_active=True)
        .only("pk", "username", "first_name", "last_name")
        .order_by("username")
    )


def active_officers() -> list:
    """``officer_list`` as a list, kept between requests (see apps/core/reference.py): the
    queue and the case page show it on every view. Validation reads ``officer_list``."""
    return cached(OFFICERS, lambda: list(officer_list()))


def all_categories() -> list[Category]:
    """Every category, in order, kept between requests (the filters and rows name them)."""
    return cached(CATEGORIES, lambda: list(Category.objects.all()))


def all_kinds() -> list[AssistanceKind]:
    """Every kind of help, in order, kept between requests."""
    return cached(KINDS, lambda: list(AssistanceKind.objects.all()))


def request_get(*, user, reference: str) -> AssistanceRequest:
    """The case with this reference, or ``AssistanceRequest.DoesNotExist`` if the user may not
    see it (the same answer as for a reference that does not exist). Its categories and kinds
    are read when asked for (most actions on a case do not show them; a prefetch of each
    costs more than the query it makes)."""
    return request_list(user=user).get(reference=reference)


def request_page_get(*, user, reference: str) -> AssistanceRequest:
    """``request_get`` for the case page: the case with the keys of its categories and kinds
    (``with_link_keys``). UNODA, who may see every case, reads it with SQL built once
    (apps/core/prepared.py); others through ``request_list``'s scope."""
    if not (user.is_authenticated and user.is_active and user_is_unoda(user)):
        return with_link_keys(request_list(user=user), kinds=True).get(reference=reference)
    found = _CASE_WITH_KEYS(reference=reference)
    if not found:
        raise AssistanceRequest.DoesNotExist
    return found[0]


_CASE_WITH_KEYS = prepared(
    lambda _shape, reference: with_link_keys(_every_case(), kinds=True).filter(reference=reference),
    reference=str,
)


def request_history(*, case: AssistanceRequest) -> QuerySet[StatusChange]:
    return case.status_changes.select_related("actor").order_by("created_at", "pk")


def attachment_get(*, user, reference: str, pk: int) -> Attachment:
    """An attachment of a case the user may see, or ``Attachment.DoesNotExist`` (the same
    answer whether the case or the attachment does not exist or is not visible)."""
    case = request_list(user=user).filter(reference=reference).first()
    if case is None:
        raise Attachment.DoesNotExist
    return Attachment.objects.select_related("request__requesting_organization").get(
        request=case, pk=pk
    )


def _comments(case_id, *, internal: bool) -> QuerySet[Comment]:
    """The comments of a case, oldest first; internal ones only if ``internal``."""
    queryset = Comment.objects.filter(request_id=case_id).select_related("author")
    if not internal:
        queryset = queryset.filter(visibility=CommentVisibility.SHARED)
    return queryset.order_by("created_at", "pk")


def comment_list(*, user, case: AssistanceRequest) -> QuerySet[Comment]:
    """The comments of ``case`` the user may read: internal ones only for UNODA."""
    return _comments(case.pk, internal=user_is_unoda(user))


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime.datetime
    kind: str  # "status" or "comment"
    item: dict  # the row's values: see request_timeline


_PERSON = ("first_name", "last_name", "username")

# The case page's reads of a case's rows, with SQL built once (apps/core/prepared.py).
_CHANGES = prepared(
    lambda _shape, case_id: (
        StatusChange.objects.filter(request_id=case_id)
        .order_by("created_at", "pk")
        .values(
            "created_at", "from_status", "to_status", "comment", *(f"actor__{f}" for f in _PERSON)
        )
    ),
    case_id=int,
)
_COMMENTS = prepared(
    lambda internal, case_id: _comments(case_id, internal=internal).values(
        "created_at", "visibility", "body", *(f"author__{f}" for f in _PERSON)
    ),
    case_id=int,
)
_ATTACHMENTS = prepared(
    lambda _shape, case_id: Attachment.objects.filter(request_id=case_id), case_id=int
)


def attachment_list(*, case: AssistanceRequest) -> list[Attachment]:
    """The documents of a case the user may see (the caller has checked that), in order."""
    return _ATTACHMENTS(case_id=case.pk)


def request_timeline(*, user, case: AssistanceRequest) -> list[TimelineEntry]:
    """Status changes and the comments the user may read, oldest first (two queries). Each
    entry's ``item`` holds the values the case page shows (read as values, not instances: a
    long history is the largest part of the page): a status change's ``from_status``,
    ``to_status``, ``comment`` and ``actor__first_name``/``last_name``/``username``; a
    comment's ``visibility``, ``body`` and ``author__...`` likewise."""
    changes = _CHANGES(case_id=case.pk)
    comments = _COMMENTS(shape=user_is_unoda(user), case_id=case.pk)
    entries = [TimelineEntry(row["created_at"], "status", row) for row in changes]
    entries += [TimelineEntry(row["created_at"], "comment", row) for row in comments]
    return sorted(entries, key=lambda entry: entry.at)


def last_shared_comment(*, case: AssistanceRequest) -> Comment | None:
    return case.comments.filter(visibility=CommentVisibility.SHARED).order_by("-created_at").first()


# --- UNODA's queue -----------------------------------------------------------------------------

QUEUE_SORTS = {
    "reference": ("reference",),
    "-reference": ("-reference",),
    "state": ("requesting_organization__name", "reference"),
    "-state": ("-requesting_organization__name", "reference"),
    "status": ("status", "reference"),
    "-status": ("-status", "reference"),
    "officer": ("case_officer__username", "reference"),
    "-officer": ("-case_officer__username", "reference"),
    # "days in the current state": the oldest change first means the most days first.
    "days": ("status_changed_at", "pk"),
    "-days": ("-status_changed_at", "-pk"),
    "due": ("due_date", "reference"),
    "-due": ("-due_date", "reference"),
}
DEFAULT_QUEUE_SORT = "days"


def overdue_condition(today: datetime.date) -> Q:
    """A case is overdue when its next due date has passed while it is still open, or when one
    of its agreement's milestones is past due and not done. (Reminder escalations follow from
    the same dates, so they need no rule of their own here.)"""
    from apps.followup.models import Milestone

    late_milestone = Milestone.objects.filter(
        agreement__request=OuterRef("pk"), due_date__lt=today, completed_on__isnull=True
    )
    return (Q(due_date__lt=today) | Q(Exists(late_milestone))) & ~Q(status__in=TERMINAL)


def list_deferred_fields() -> list[str]:
    """The long texts of a case (proposal and their translations), not read for list rows."""
    return [
        field.name
        for field in AssistanceRequest._meta.concrete_fields
        if isinstance(field, models.TextField)
    ]


def _ranked(known: list, found: set[int], model) -> tuple[dict, dict]:
    """The rows of ``known`` (every row of ``model``, read earlier in its order) by key, and
    each one's rank; a row among ``found`` created since is read now, and every row is then
    ranked by position and code (the models' order)."""
    by_id = {row.pk: row for row in known}
    missing = found - set(by_id)
    if missing:  # rare
        by_id.update(model.objects.in_bulk(missing))
        ordered = sorted(by_id.values(), key=lambda row: (row.position, row.code))
    else:
        ordered = list(by_id.values())
    return by_id, {row.pk: index for index, row in enumerate(ordered)}


def with_link_keys(queryset: QuerySet, *, kinds: bool = False) -> QuerySet:
    """Rows that bring the keys of their categories (and kinds) in their own query
    (``category_keys``, ``kind_keys``), for ``attach_categories``: a page of rows then reads
    no link table apart."""
    return queryset.annotate(**_link_key_annotations(kinds))


@functools.cache
def _link_key_annotations(kinds: bool) -> dict:
    # Built once: an expression is copied, not changed, by each query that uses it (and
    # building these subqueries cost more than running them).
    from apps.core.selectors import keys_of

    links = {"category_keys": (AssistanceRequest.categories.through, "category_id")}
    if kinds:
        links["kind_keys"] = (AssistanceRequest.kinds.through, "assistancekind_id")
    return {
        name: keys_of(through.objects.all(), "assistancerequest_id", key)
        for name, (through, key) in links.items()
    }


def _link_keys(cases: list[AssistanceRequest], *, kinds: bool) -> dict[str, dict[int, list[int]]]:
    """Each case's category keys (and kind keys): from ``with_link_keys`` when the rows were
    read with it, else from the link tables in one query."""
    from apps.core.selectors import keys_by_owner, split_keys

    first = cases[0] if cases else None
    if hasattr(first, "category_keys") and (not kinds or hasattr(first, "kind_keys")):
        return {
            "categories": {case.pk: split_keys(case.category_keys) for case in cases},
            "kinds": {case.pk: split_keys(case.kind_keys) for case in cases} if kinds else {},
        }
    ids = [case.pk for case in cases]
    links = {"categories": (AssistanceRequest.categories.through, "category_id")}
    if kinds:
        links["kinds"] = (AssistanceRequest.kinds.through, "assistancekind_id")
    found = keys_by_owner(
        {
            name: (
                through.objects.filter(assistancerequest_id__in=ids),
                "assistancerequest_id",
                key,
            )
            for name, (through, key) in links.items()
        }
    )
    return {
        name: {case_id: [int(pk) for pk in pks] for case_id, pks in found.get(name, {}).items()}
        for name in ("categories", "kinds")
    }


def attach_categories(
    cases: list[AssistanceRequest], *, categories, kinds: bool | list = False
) -> None:
    """Give each case ``category_list``: its categories in the order of ``categories`` (every
    category, already read in their order), from the keys its query brought
    (``with_link_keys``) or else one query of the link tables.
    A category created since ``categories`` were read is read then. With ``kinds``, each case
    also gets ``kind_ids``: the keys of its kinds of help (for matching); and when ``kinds``
    is every kind (a list, in order), ``kind_list``: its kinds, in that order."""
    keys = _link_keys(cases, kinds=kinds is not False)

    def ordered(name, known, model):
        by_id, rank = _ranked(known, {pk for pks in keys[name].values() for pk in pks}, model)
        return {
            case_id: sorted((by_id[pk] for pk in pks), key=lambda row: rank[row.pk])
            for case_id, pks in keys[name].items()
        }

    category_lists = ordered("categories", categories, Category)
    kind_lists = ordered("kinds", kinds, AssistanceKind) if isinstance(kinds, list) else {}
    for case in cases:
        case.category_list = category_lists.get(case.pk, [])
        if kinds is not False:
            case.kind_ids = set(keys["kinds"].get(case.pk, []))
        if isinstance(kinds, list):
            case.kind_list = kind_lists.get(case.pk, [])


def attach_codes(cases) -> None:
    """Give each case ``attached_codes``: {"categories": [...], "kinds": [...]}, each in the
    order of the models (from the keys of ``with_link_keys``, or else one query of the link
    tables, and every category and kind, kept between requests)."""
    attach_categories(cases, categories=all_categories(), kinds=all_kinds())
    for case in cases:
        case.attached_codes = {
            "categories": [category.code for category in case.category_list],
            "kinds": [kind.code for kind in case.kind_list],
        }


def case_categories(case: AssistanceRequest):
    """A case's categories: ``category_list`` when ``attach_categories`` gave it, else the
    (prefetched) relation."""
    attached = getattr(case, "category_list", None)
    return attached if attached is not None else case.categories.all()


def with_titles(queryset: QuerySet[AssistanceRequest]) -> QuerySet[AssistanceRequest]:
    """Alias ``all_titles``: the title in every language as one text, for searching with
    ``all_titles__icontains``. A title is stored in the language it was written in, and
    ``title__icontains`` would search the reader's language only (the translated field): a case
    written in Spanish, which an English reader sees in Spanish, would not be found by its
    title. One text compares once per row, not once per language; the titles are separated by
    a line break, so a search cannot match across two of them."""
    parts = []
    for code, _name in settings.LANGUAGES:
        if parts:
            parts.append(Value("\n"))
        parts.append(Coalesce(build_localized_fieldname("title", code), Value("")))
    return queryset.alias(all_titles=Concat(*parts, output_field=models.TextField()))


def request_queue(
    *,
    user,
    filters: dict | None = None,
    sort: str = DEFAULT_QUEUE_SORT,
    search: str = "",
    today: datetime.date | None = None,
) -> QuerySet[AssistanceRequest]:
    """The case queue: every case the user may see, filtered, searched and sorted, annotated
    with ``is_overdue``; categories prefetched. Funding gaps for a page of rows come from
    ``apps.funding.selectors.funding_for_requests`` (a fixed number of queries per page).

    Filters: status, region, category (code), officer (user id), overdue, unassigned.
    """
    return _queue_of(
        case_scope(user), _filters(filters), sort, search, today or timezone.localdate()
    )


def _filters(filters: dict | None) -> tuple:
    """The filters that are set, as a hashable (part of a prepared read's shape)."""
    return tuple(sorted((key, value) for key, value in (filters or {}).items() if value))


def _queue_of(scope, filters: tuple, sort: str, search: str, today) -> QuerySet:
    filters = dict(filters)
    queryset = (
        cases_in(scope)
        .defer(*list_deferred_fields())
        .annotate(is_overdue=overdue_condition(today))
        .prefetch_related("categories")
    )
    if status := filters.get("status"):
        queryset = queryset.filter(status=status)
    if region := filters.get("region"):
        queryset = queryset.filter(requesting_organization__region=region)
    if category := filters.get("category"):
        # A subquery, not a join: no duplicate rows, so no DISTINCT over the whole queue.
        queryset = queryset.filter(
            pk__in=AssistanceRequest.categories.through.objects.filter(
                category__code=category
            ).values("assistancerequest_id")
        )
    if officer := filters.get("officer"):
        queryset = queryset.filter(case_officer_id=officer)
    if filters.get("unassigned"):
        queryset = queryset.filter(case_officer__isnull=True).exclude(status__in=TERMINAL)
    if filters.get("overdue"):
        queryset = queryset.filter(is_overdue=True)
    if search := (search or "").strip():
        queryset = with_titles(queryset).filter(
            text_in(search, "reference", "all_titles", "requesting_organization__name")
        )
    return queryset.order_by(*QUEUE_SORTS.get(sort, QUEUE_SORTS[DEFAULT_QUEUE_SORT]))


def _queue_rows(queryset: QuerySet) -> QuerySet:
    """The queue's rows as its page shows them: only the columns ``queue_rows`` reads, with
    the keys of their categories and their committed amounts in the same query."""
    from apps.cases.tables import queue_fields
    from apps.funding.selectors import with_committed

    return with_committed(with_link_keys(queryset.prefetch_related(None).only(*queue_fields())))


def _queue_page_of(shape, search=""):
    from apps.core.pagination import counted_slice

    scope, filters, sort, today, per_page, number, cap = shape
    queue = _queue_rows(_queue_of(scope, filters, sort, search, today))
    return counted_slice(queue, per_page, number, cap=cap)


# A page of the queue, with SQL built once per scope, filters, sort, day and page; a search
# is a value of its own (apps/core/prepared.py).
_QUEUE_PAGE = prepared(_queue_page_of)
_QUEUE_SEARCH_PAGE = prepared(_queue_page_of, search=str)


def queue_page(
    *, user, filters: dict | None, sort: str, search: str, per_page: int, number, cap: int
):
    """The page ``number`` of ``request_queue`` (``apps.core.pagination.capped_page``: its
    rows and their capped count), each row with what ``apps.cases.tables.queue_rows`` shows:
    its keys of categories (``attach_categories``) and its committed amounts (``funding_gaps``).
    """
    from apps.core.pagination import capped_read

    today = timezone.localdate()
    scope, filters, search = case_scope(user), _filters(filters), (search or "").strip()
    sort = sort if sort in QUEUE_SORTS else DEFAULT_QUEUE_SORT  # as _queue_of reads it

    def read(number):
        shape = (scope, filters, sort, today, per_page, number, cap)
        if search:
            return _QUEUE_SEARCH_PAGE(shape=shape, search=search)
        return _QUEUE_PAGE(shape=shape)

    return capped_read(
        read,
        lambda: _queue_rows(_queue_of(scope, filters, sort, search, today)),
        per_page,
        number,
        cap=cap,
    )


def days_in_state(case: AssistanceRequest, *, now: datetime.datetime | None = None) -> int:
    return ((now or timezone.now()) - case.status_changed_at).days
