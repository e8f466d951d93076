"""A synthetic data set of a chosen size, built with bulk inserts (no services, no signals).

The shape follows the demo data: organizations across regions, users in them, cases in every
lifecycle state with their full status history and object permissions, commitments with
disbursements, agreements and feedback. Used by the benchmark command and by the query-count
tests at two small sizes.
"""

import random
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.db import models, transaction
from tqdm import tqdm

from apps.accounts.models import User
from apps.cases.models import (
    AssistanceKind,
    AssistanceRequest,
    Category,
    RequestGroupObjectPermission,
    Status,
    StatusChange,
    Visibility,
)
from apps.cases.workflow import DONOR_VISIBLE, RECIPIENT_EDITABLE, TRANSITIONS, path_to
from apps.followup.models import Agreement, Feedback, FeedbackStatus, PartyRole
from apps.followup.selectors import first_unreported_period_end
from apps.funding.models import Commitment, CommitmentStatus, Disbursement, Offer, OfferRegion
from apps.organizations.models import Membership, Organization, OrganizationKind, Region
from apps.organizations.services import all_donors_group

# Share of cases per status (the rest of the weight goes to closed ones).
STATUS_WEIGHTS = {
    Status.DRAFT: 8,
    Status.SUBMITTED: 6,
    Status.UNDER_REVIEW: 6,
    Status.NEEDS_REVISION: 4,
    Status.PUBLISHED: 14,
    Status.DONOR_INTEREST: 8,
    Status.AGREEMENT: 6,
    Status.IMPLEMENTATION: 12,
    Status.FEEDBACK: 6,
    Status.CLOSED: 20,
    Status.WITHDRAWN: 5,
    Status.DECLINED: 5,
}
FUNDED = (Status.AGREEMENT, Status.IMPLEMENTATION, Status.FEEDBACK, Status.CLOSED)
COUNTRIES = [
    "SL",
    "ML",
    "KE",
    "BF",
    "NE",
    "GT",
    "HN",
    "JM",
    "KH",
    "PH",
    "IQ",
    "JO",
    "BA",
    "MD",
    "PG",
    "FJ",
    "NG",
    "GH",
    "PE",
    "CO",
    "NP",
    "LK",
    "RS",
    "UA",
    "SB",
    "VU",
]
REGIONS = [Region.AFRICA, Region.AMERICAS, Region.ASIA, Region.EUROPE, Region.OCEANIA]
BATCH = 5000


@dataclass
class Sizes:
    requests: int = 100_000
    organizations: int = 300
    commitments: int = 20_000
    feedback: int = 5_000
    users: int = 2_000

    @classmethod
    def scaled(cls, requests: int) -> "Sizes":
        """The default proportions for ``requests`` cases."""
        factor = requests / 100_000
        return cls(
            requests=requests,
            organizations=max(12, min(300, round(300 * factor**0.5))),
            commitments=round(20_000 * factor),
            feedback=round(5_000 * factor),
            users=max(24, round(2_000 * factor**0.5)),
        )


@dataclass
class Built:
    unoda: User
    recipient: User
    donor: User
    long_history_reference: str
    counts: dict


@contextmanager
def _keep_times(*models):
    """Let bulk inserts write the given created/updated times (no auto_now/auto_now_add)."""
    fields = [
        f
        for model in models
        for f in model._meta.concrete_fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def _chunks(items, size=BATCH):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _bulk(model, objects, **options):
    # A bar per table on a terminal (tqdm leaves it out when the output is not one).
    batches = -(-len(objects) // BATCH)
    name = model._meta.db_table
    for chunk in tqdm(_chunks(objects), total=batches, desc=name, unit="batch", disable=None):
        model.objects.bulk_create(chunk, **options)


def _link_kinds(through, owner_field, owners, kinds, rng):
    """One kind of help, at random, for each owner (a case or an offer)."""
    if kinds:
        links = [
            through(**{owner_field: owner.pk, "assistancekind_id": rng.choice(kinds).pk})
            for owner in owners
        ]
        _bulk(through, links)


@transaction.atomic
def build(
    sizes: Sizes, *, seed: int = 2026, now: datetime | None = None, prefix: str = "9"
) -> Built:
    """Build the data set; ``prefix`` keeps names unique when a test builds twice."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data
    now = now or datetime.now(UTC)
    password = make_password("benchmark-password-2026")

    # Organizations: two thirds requesting States, the rest donors (a few both).
    n_recipients = max(4, sizes.organizations * 2 // 3)
    groups = [Group(name=f"bench:{prefix}:org:{i}") for i in range(sizes.organizations)]
    _bulk(Group, groups)
    orgs = []
    for i, group in enumerate(groups):
        recipient = i < n_recipients
        orgs.append(
            Organization(
                name=f"Benchmark organization {prefix}{i:04d}",
                kind=OrganizationKind.STATE,
                country=COUNTRIES[i % len(COUNTRIES)],
                region=REGIONS[i % len(REGIONS)],
                is_recipient=recipient,
                is_donor=not recipient or i % 25 == 0,
                group=group,
            )
        )
    _bulk(Organization, orgs)
    recipients = [o for o in orgs if o.is_recipient]
    donors = [o for o in orgs if o.is_donor]

    # Users: a few UNODA officers, the rest members of one organization each.
    officers = max(3, sizes.users // 100)
    users = [
        User(
            username=f"bench{prefix}{i:05d}",
            email=f"bench{prefix}{i:05d}@bench.example.org",
            password=password,
            is_unoda_officer=i < officers,
        )
        for i in range(sizes.users)
    ]
    _bulk(User, users)
    unoda_users, members = users[:officers], users[officers:]
    memberships, user_groups = [], []
    donors_group = all_donors_group()
    through = User.groups.through
    for i, user in enumerate(members):
        org = orgs[i % len(orgs)]
        memberships.append(Membership(user=user, organization=org))
        user_groups.append(through(user_id=user.pk, group_id=org.group_id))
        if org.is_donor:
            user_groups.append(through(user_id=user.pk, group_id=donors_group.pk))
    _bulk(Membership, memberships)
    _bulk(through, user_groups)

    # Cases with their status history.
    categories = list(Category.objects.all())
    statuses = list(STATUS_WEIGHTS)
    weights = list(STATUS_WEIGHTS.values())
    cases = []
    for i in range(sizes.requests):
        status = rng.choices(statuses, weights)[0]
        created = now - timedelta(days=rng.randint(30, 9 * 365), minutes=rng.randint(0, 1440))
        steps = len(path_to(status))
        since = created + timedelta(days=rng.randint(1, 20) * steps) if steps else created
        since = min(since, now - timedelta(days=rng.randint(0, 20)))
        cases.append(
            AssistanceRequest(
                reference=f"REQ-{created.year}-{prefix}{i:06d}",
                requesting_organization=rng.choice(recipients),
                title=f"Benchmark request {i}: {rng.choice(categories).name_en}",
                summary="Synthetic request for the benchmark.",
                objectives="Reduce diversion.",
                budget_amount=Decimal(rng.randrange(20, 3000) * 1000),
                budget_currency="USD",
                visibility=rng.choice(
                    [
                        Visibility.ALL_DONORS,
                        Visibility.ALL_DONORS,
                        Visibility.PUBLIC_SUMMARY,
                        Visibility.SELECTED_DONORS,
                    ]
                ),
                case_officer=rng.choice(unoda_users) if rng.random() < 0.7 else None,
                status=status,
                status_changed_at=since,
                created_at=created,
                updated_at=since,
            )
        )
    with _keep_times(AssistanceRequest):
        _bulk(AssistanceRequest, cases)  # the objects get their primary keys back

    category_links = []
    through_categories = AssistanceRequest.categories.through
    for case in cases:
        for category in rng.sample(categories, rng.choice([1, 1, 2])):
            category_links.append(
                through_categories(assistancerequest_id=case.pk, category_id=category.pk)
            )
    _bulk(through_categories, category_links)
    kinds = list(AssistanceKind.objects.all())
    _link_kinds(AssistanceRequest.kinds.through, "assistancerequest_id", cases, kinds, rng)

    # Offers: a few per donor, over one or two categories and regions (what matching reads).
    offers = [
        Offer(
            donor=donor,
            title=f"Benchmark offer {prefix}{n}",
            amount_min=Decimal(10_000),
            amount_max=Decimal(rng.randrange(100, 2000) * 1000),
            currency=rng.choice(["USD", "EUR"]),
            valid_from=(now - timedelta(days=365)).date(),
            valid_until=None if n % 3 else (now + timedelta(days=365)).date(),
        )
        for n, donor in enumerate(donors * 3)
    ]
    _bulk(Offer, offers)
    through_offer_categories = Offer.categories.through
    _bulk(
        through_offer_categories,
        [
            through_offer_categories(offer_id=offer.pk, category_id=category.pk)
            for offer in offers
            for category in rng.sample(categories, rng.choice([1, 2]))
        ],
    )
    _link_kinds(Offer.kinds.through, "offer_id", offers, kinds, rng)
    _bulk(OfferRegion, [OfferRegion(offer=offer, region=rng.choice(REGIONS)) for offer in offers])

    history = []
    actor = unoda_users[0]
    for case in cases:
        steps = path_to(case.status)
        span = (case.status_changed_at - case.created_at) / max(len(steps), 1)
        status = Status.DRAFT
        for n, name in enumerate(steps, start=1):
            target = TRANSITIONS[name].target
            history.append(
                StatusChange(
                    request_id=case.pk,
                    transition=name,
                    from_status=status,
                    to_status=target,
                    actor=actor,
                    comment="",
                    created_at=case.created_at + span * n,
                )
            )
            status = target
    # One case gets a long history: returned for revision many times.
    long_case = next(c for c in cases if c.status == Status.PUBLISHED)
    for n in range(60):
        history.append(
            StatusChange(
                request_id=long_case.pk,
                transition="return_for_revision" if n % 2 == 0 else "resubmit",
                from_status=Status.UNDER_REVIEW if n % 2 == 0 else Status.NEEDS_REVISION,
                to_status=Status.NEEDS_REVISION if n % 2 == 0 else Status.UNDER_REVIEW,
                actor=actor,
                comment=f"Round {n} of questions.",
                created_at=long_case.created_at,
            )
        )
    with _keep_times(StatusChange):
        _bulk(StatusChange, history)

    # Object permissions, as request_sync_permissions would grant them.
    view = Permission.objects.get(codename="view_assistancerequest")
    change = Permission.objects.get(codename="change_assistancerequest")
    org_group = {o.pk: o.group_id for o in orgs}
    perms = []
    for case in cases:
        own = org_group[case.requesting_organization_id]
        perms.append(
            RequestGroupObjectPermission(permission=view, group_id=own, content_object_id=case.pk)
        )
        if case.status in RECIPIENT_EDITABLE:
            perms.append(
                RequestGroupObjectPermission(
                    permission=change, group_id=own, content_object_id=case.pk
                )
            )
        if case.status in DONOR_VISIBLE:
            if case.visibility == Visibility.SELECTED_DONORS:
                group_ids = {org_group[rng.choice(donors).pk]}
            else:
                group_ids = {donors_group.pk}
            perms += [
                RequestGroupObjectPermission(
                    permission=view, group_id=gid, content_object_id=case.pk
                )
                for gid in group_ids - {own}
            ]
    _bulk(RequestGroupObjectPermission, perms, ignore_conflicts=True)

    # Funding: commitments (with disbursements) on funded cases, agreements, feedback.
    funded = [c for c in cases if c.status in FUNDED] or cases[:1]
    commitments = []
    pairs = set()
    for _n in range(sizes.commitments):
        case = rng.choice(funded)
        donor = rng.choice(donors)
        if (case.pk, donor.pk) in pairs:
            continue
        pairs.add((case.pk, donor.pk))
        status = rng.choice(
            [
                CommitmentStatus.PLEDGED,
                CommitmentStatus.COMMITTED,
                CommitmentStatus.PARTIALLY_DISBURSED,
                CommitmentStatus.DISBURSED,
            ]
        )
        pledged = case.status_changed_at.date() - timedelta(days=rng.randint(0, 60))
        commitments.append(
            Commitment(
                request_id=case.pk,
                donor=donor,
                status=status,
                amount=Decimal(rng.randrange(10, 500) * 1000),
                currency=rng.choice(["USD", "EUR"]),
                pledged_on=pledged,
                committed_on=None if status == CommitmentStatus.PLEDGED else pledged,
            )
        )
    _bulk(Commitment, commitments)
    disbursements = []
    for commitment in Commitment.objects.filter(
        status__in=[CommitmentStatus.PARTIALLY_DISBURSED, CommitmentStatus.DISBURSED]
    ).only("pk", "amount", "status", "committed_on"):
        share = 1 if commitment.status == CommitmentStatus.DISBURSED else 2
        disbursements.append(
            Disbursement(
                commitment_id=commitment.pk,
                date=commitment.committed_on or date(2020, 1, 1),
                amount=(commitment.amount / share).quantize(Decimal("0.01")),
            )
        )
    _bulk(Disbursement, disbursements)

    agreements = [
        Agreement(
            request_id=case.pk,
            signed_on=case.status_changed_at.date(),
            amount=Decimal(100_000),
            currency="USD",
            start_date=case.status_changed_at.date(),
            end_date=case.status_changed_at.date() + timedelta(days=365),
        )
        for case in funded
    ]
    for agreement in agreements:  # no report yet: the first period is the first unreported
        agreement.first_unreported_period_end = first_unreported_period_end(agreement, reports=[])
    _bulk(Agreement, agreements)

    feedback = []
    rated = [c for c in cases if c.status in (Status.FEEDBACK, Status.CLOSED)]
    for case in rated[: sizes.feedback]:
        ratings = {
            name: rng.randint(1, 5)
            for name in (
                "relevance",
                "coherence",
                "effectiveness",
                "efficiency",
                "impact",
                "sustainability",
                "overall",
            )
        }
        feedback.append(
            Feedback(
                request_id=case.pk,
                organization_id=case.requesting_organization_id,
                role=PartyRole.RECIPIENT,
                status=FeedbackStatus.SUBMITTED,
                submitted_at=now,
                what_worked="Training.",
                would_work_together_again=True,
                **ratings,
            )
        )
    _bulk(Feedback, feedback)

    recipient = next(m for m in members if m.memberships.first().organization.is_recipient)
    donor = next(m for m in members if m.memberships.first().organization.is_donor)
    return Built(
        unoda=unoda_users[0],
        recipient=recipient,
        donor=donor,
        long_history_reference=AssistanceRequest.objects.get(pk=long_case.pk).reference,
        counts={
            "requests": len(cases),
            "status history": len(history),
            "organizations": len(orgs),
            "users": len(users),
            "commitments": len(commitments),
            "disbursements": len(disbursements),
            "feedback": len(feedback),
            "offers": len(offers),
            "object permissions": len(perms),
        },
    )


def existing(*, prefix: str = "9") -> Built | None:
    """The data set a previous ``build`` left in this database (``benchmark --keep``), if any."""
    users = User.objects.filter(username__startswith=f"bench{prefix}").order_by("username")
    unoda = users.filter(is_unoda_officer=True).first()
    if unoda is None:
        return None
    members = users.filter(is_unoda_officer=False)
    recipient = members.filter(memberships__organization__is_recipient=True).first()
    donor = members.filter(memberships__organization__is_donor=True).first()
    long_case = (
        StatusChange.objects.values("request_id")
        .annotate(n=models.Count("pk"))
        .order_by("-n")
        .values_list("request__reference", flat=True)
        .first()
    )
    return Built(
        unoda=unoda,
        recipient=recipient,
        donor=donor,
        long_history_reference=long_case,
        counts={
            "requests": AssistanceRequest.objects.count(),
            "status history": StatusChange.objects.count(),
            "organizations": Organization.objects.count(),
            "users": User.objects.count(),
            "commitments": Commitment.objects.count(),
            "disbursements": Disbursement.objects.count(),
            "feedback": Feedback.objects.count(),
            "offers": Offer.objects.count(),
            "object permissions": RequestGroupObjectPermission.objects.count(),
        },
    )
