"""Demo data for the donor side: rates, offers (of every type of cooperation), interest,
co-funding in several currencies, a matchmaking meeting held (with its outcomes) and one to
come, and the demo State's open ask to UNODA to bring an offer to one of its requests. Called
by ``seed_demo`` after the cases exist."""

import datetime
from decimal import Decimal

from django.utils import timezone

from apps.cases.models import AssistanceKind, AssistanceRequest, Category, Status
from apps.cases.workflow import OPEN_NEEDS
from apps.organizations.models import Region

from . import services
from .matching import offers_for_request
from .models import CommitmentStatus, CooperationType, MeetingDecision

RATES = {  # units per 1 USD: the rate half a year ago and this month's, for each currency
    "EUR": ("0.930000", "0.920000"),
    "CHF": ("0.890000", "0.880000"),
    "JPY": ("151.200000", "149.800000"),
    "GBP": ("0.790000", "0.780000"),
    "NOK": ("10.650000", "10.580000"),
}

OFFERS = [
    ("Japan", "Stockpile security and destruction in Africa", ["stockpile", "destruction"],
     [Region.AFRICA], "JPY", 5_000_000, 150_000_000, CooperationType.NORTH_SOUTH),
    ("Germany", "Marking, record-keeping and tracing", ["marking", "tracing"],
     [Region.AFRICA, Region.EUROPE], "EUR", 50_000, 1_500_000, CooperationType.TRIANGULAR),
    ("Norway", "Legislation and national coordination", ["legislation", "coordination"],
     [Region.GLOBAL], "NOK", 500_000, 10_000_000, CooperationType.NORTH_SOUTH),
    ("European Union", "Border control and law-enforcement cooperation",
     ["border", "law-enforcement", "crime-links"], [Region.AFRICA, Region.AMERICAS], "EUR",
     200_000, 3_000_000, CooperationType.NORTH_SOUTH),
    ("Switzerland", "Weapons collection and DDR", ["collection", "ddr"], [Region.GLOBAL], "CHF",
     100_000, 800_000, CooperationType.MULTILATERAL),
    ("Canada", "Awareness and research", ["awareness", "research"], [Region.AMERICAS], "USD",
     25_000, 400_000, CooperationType.NORTH_SOUTH),
    ("Brazil", "Police exchanges on destruction and tracing", ["destruction", "tracing"],
     [Region.AMERICAS, Region.AFRICA], "USD", 10_000, 250_000, CooperationType.SOUTH_SOUTH),
    ("African Union", "Regional stockpile management standards", ["stockpile"],
     [Region.AFRICA], "USD", 20_000, 300_000, CooperationType.REGIONAL),
]  # fmt: skip

DEMO_RATE_DAYS = 180  # the demo's transactions are all dated within this many days


def _month_starts(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return months


FUNDERS = [("Japan", "JPY"), ("Germany", "EUR"), ("Norway", "NOK"), ("European Union", "EUR")]


def load_demo(*, rng, orgs, users):
    officer = users["officer"]
    today = timezone.localdate()
    # The UN sets its operational rates monthly: one rate per currency on the first day of
    # each month of the last half year, from the older to the recent rate, so that every
    # demo commitment and disbursement has the rate of its month.
    months = _month_starts(today - datetime.timedelta(days=DEMO_RATE_DAYS), today)
    for currency, (old, new) in RATES.items():
        old, new = Decimal(old), Decimal(new)
        for index, month in enumerate(months):
            share = Decimal(index) / Decimal(max(len(months) - 1, 1))
            services.exchange_rate_set(
                actor=users["admin"],
                currency=currency,
                rate_per_usd=(old + (new - old) * share).quantize(Decimal("0.0001")),
                valid_on=month,
                source="UN operational rates of exchange",
            )

    categories = {c.code: c for c in Category.objects.all()}
    kinds = list(AssistanceKind.objects.all())
    offers = []
    for donor, title, codes, regions, currency, low, high, cooperation_type in OFFERS:
        member = orgs[donor].members.first()
        offers.append(
            services.offer_create(
                actor=users["donor"] if donor == "Japan" else member,
                donor=orgs[donor],
                title=title,
                description=f"{donor} can support {title.lower()}.",
                categories=[categories[c] for c in codes if c in categories],
                kinds=rng.sample(kinds, 2),
                regions=regions,
                amount_min=Decimal(low),
                amount_max=Decimal(high),
                currency=currency,
                valid_from=today - datetime.timedelta(days=30),
                valid_until=today + datetime.timedelta(days=365),
                cooperation_type=cooperation_type,
            )
        )

    # Co-funding: several donors, several currencies, on cases past publication.
    funded = AssistanceRequest.objects.filter(
        status__in=[Status.DONOR_INTEREST, Status.AGREEMENT, Status.IMPLEMENTATION,
                    Status.FEEDBACK, Status.CLOSED]
    ).order_by("pk")  # fmt: skip
    from .permissions import organization_may_see_request

    two_tranches = None
    for index, case in enumerate(funded):
        budget = case.budget_amount or Decimal(100_000)
        donors = [(orgs[n], c) for n, c in FUNDERS if organization_may_see_request(orgs[n], case)]
        for position, (donor, currency) in enumerate(donors[: 2 + index % 2]):
            share = budget * Decimal("0.3") / Decimal(1 + position)
            rate = Decimal(RATES[currency][1]) if currency in RATES else Decimal(1)
            usd_rate = (
                Decimal(RATES[case.budget_currency][1])
                if case.budget_currency in RATES
                else Decimal(1)
            )
            amount = (share / usd_rate * rate).quantize(Decimal("1"))
            status = CommitmentStatus.COMMITTED if case.status != Status.DONOR_INTEREST else (
                CommitmentStatus.PLEDGED)  # fmt: skip
            commitment = services.commitment_create(
                actor=officer, case=case, donor=donor, amount=amount, currency=currency,
                status=status, pledged_on=today - datetime.timedelta(days=100 + 10 * position),
                note="Announced at the matchmaking meeting.",
            )  # fmt: skip
            if case.status in (Status.IMPLEMENTATION, Status.FEEDBACK, Status.CLOSED):
                services.disbursement_record(
                    actor=officer, commitment=commitment, amount=(amount / 2).quantize(Decimal(1)),
                    date=today - datetime.timedelta(days=30), note="First tranche",
                )  # fmt: skip
            if position == 0 and case.status == Status.IMPLEMENTATION and not two_tranches:
                # A donor that funds in tranches: a second one, committed later, not yet paid
                # out, beside the first, partly disbursed.
                two_tranches = services.commitment_create(
                    actor=officer, case=case, donor=donor, amount=(amount / 2).quantize(Decimal(1)),
                    currency=currency, status=CommitmentStatus.COMMITTED,
                    pledged_on=today - datetime.timedelta(days=20),
                    note="Second tranche, for the second year of the project.",
                )  # fmt: skip
            if case.status == Status.CLOSED:
                services.disbursement_record(
                    actor=officer, commitment=commitment,
                    amount=amount - (amount / 2).quantize(Decimal(1)),
                    date=today - datetime.timedelta(days=5), note="Final tranche",
                )  # fmt: skip

    _coordination(orgs=orgs, officer=officer)

    invited = [orgs[n] for n in ("Japan", "Germany", "Norway", "European Union", "Switzerland")]
    held = services.meeting_create(
        actor=officer,
        title="Informal matchmaking meeting on PoA assistance",
        date=today - datetime.timedelta(days=14),
        place="UN Headquarters, New York, Conference Room 4",
        is_online=False,
        notes="Requests and offers presented by UNODA; donors invited to state their interest.",
        invited=invited,
    )
    open_cases = list(
        AssistanceRequest.objects.filter(
            status__in=[Status.PUBLISHED, Status.DONOR_INTEREST]
        ).order_by("pk")[:5]
    )
    for number, case in enumerate(open_cases[:3]):
        best = offers_for_request(case=case, limit=1)
        offer = best[0].offer if best else None
        item = services.meeting_add_item(actor=officer, meeting=held, request=case, offer=offer)
        if offer is None:
            services.meeting_record_outcome(
                actor=officer, item=item, decision=MeetingDecision.DEFERRED,
                outcome="No donor present could take it up; to be presented again.",
            )  # fmt: skip
        elif number == 0:
            services.meeting_record_outcome(
                actor=officer, item=item, decision=MeetingDecision.FOLLOW_UP_AGREED,
                interest_shown=True, outcome=f"{offer.donor} asked for the detailed budget.",
                follow_up="UNODA to send the budget lines within two weeks.",
            )  # fmt: skip
        else:
            services.meeting_record_outcome(
                actor=officer, item=item, decision=MeetingDecision.DECLINED,
                outcome=f"{offer.donor} funds no new activity in this region this year.",
            )  # fmt: skip
    upcoming = services.meeting_create(
        actor=officer,
        title="Online matchmaking meeting on marking and tracing",
        date=today + datetime.timedelta(days=21),
        is_online=True,
        online_link="https://meetings.example.org/poa-matchmaking",
        invited=invited[:3],
    )
    for case in open_cases[3:]:
        services.meeting_add_item(actor=officer, meeting=upcoming, request=case)
    for offer in offers[:2]:
        services.meeting_add_item(actor=officer, meeting=upcoming, offer=offer)
    _demo_referral(orgs=orgs, users=users, offers=offers)


def _demo_referral(*, orgs, users, offers):
    """The demo State (Sierra Leone, login "recipient") asks UNODA to bring the best offer for
    one of its open requests: UNODA's "Offers asked for" page has one waiting."""
    state = orgs["Sierra Leone"]
    needs = AssistanceRequest.objects.filter(
        requesting_organization=state, status__in=OPEN_NEEDS
    ).order_by("pk")
    pairs = [(case, match.offer) for case in needs for match in offers_for_request(case=case)]
    case, offer = pairs[0] if pairs else (needs.first(), offers[0])
    if case is None:
        return
    services.offer_referral_ask(
        actor=users["recipient"],
        offer=offer,
        case=case,
        note="Our national commission could start this year; please present our request to "
        "the donor.",
    )


def _coordination(*, orgs, officer):
    """Donors who see each other: on the first published need funded by Japan and Germany
    alone (the demo logins ``donor`` and ``donor2``), Japan's pledge covers the first two
    activity lines, disclosed, and Germany's the third, not disclosed; the fourth stays open.
    Signed in as ``donor``, the case shows "An undisclosed donor" with Germany's amount."""
    japan, germany = orgs["Japan"], orgs["Germany"]
    candidates = AssistanceRequest.objects.filter(status=Status.DONOR_INTEREST).order_by("pk")
    chosen = None
    for case in candidates:
        funders = set(
            case.commitments.exclude(status=CommitmentStatus.CANCELLED).values_list(
                "donor_id", flat=True
            )
        )
        if funders == {japan.pk, germany.pk}:
            chosen = case
            break
    if chosen is None:
        return
    lines = list(chosen.activity_lines.order_by("position", "pk"))
    if len(lines) < 3:
        return
    for donor, covers, disclosed in ((japan, lines[:2], True), (germany, lines[2:3], False)):
        for commitment in chosen.commitments.filter(donor=donor).exclude(
            status=CommitmentStatus.CANCELLED
        ):
            services.commitment_coverage_update(
                actor=officer, commitment=commitment, covers=covers, disclosed=disclosed
            )
