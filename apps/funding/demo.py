"""Demo data for the donor side: rates, offers, interest, co-funding in several currencies, a
matchmaking meeting held (with its outcomes) and one to come. Called by ``seed_demo`` after the
cases exist."""

import datetime
from decimal import Decimal

from django.utils import timezone

from apps.cases.models import AssistanceKind, AssistanceRequest, Category, Status
from apps.organizations.models import Region

from . import services
from .matching import offers_for_request
from .models import CommitmentStatus, MeetingDecision

RATES = {  # units per 1 USD: an older and a recent rate for each currency
    "EUR": ("0.930000", "0.920000"),
    "CHF": ("0.890000", "0.880000"),
    "JPY": ("151.200000", "149.800000"),
    "GBP": ("0.790000", "0.780000"),
    "NOK": ("10.650000", "10.580000"),
}

OFFERS = [
    ("Japan", "Stockpile security and destruction in Africa", ["stockpile", "destruction"],
     [Region.AFRICA], "JPY", 5_000_000, 150_000_000),
    ("Germany", "Marking, record-keeping and tracing", ["marking", "tracing"],
     [Region.AFRICA, Region.EUROPE], "EUR", 50_000, 1_500_000),
    ("Norway", "Legislation and national coordination", ["legislation", "coordination"],
     [Region.GLOBAL], "NOK", 500_000, 10_000_000),
    ("European Union", "Border control and law-enforcement cooperation",
     ["border", "law-enforcement", "crime-links"], [Region.AFRICA, Region.AMERICAS], "EUR",
     200_000, 3_000_000),
    ("Switzerland", "Weapons collection and DDR", ["collection", "ddr"], [Region.GLOBAL], "CHF",
     100_000, 800_000),
    ("Canada", "Awareness and research", ["awareness", "research"], [Region.AMERICAS], "USD",
     25_000, 400_000),
]  # fmt: skip

FUNDERS = [("Japan", "JPY"), ("Germany", "EUR"), ("Norway", "NOK"), ("European Union", "EUR")]


def load_demo(*, rng, orgs, users):
    officer = users["officer"]
    today = timezone.localdate()
    for currency, (old, new) in RATES.items():
        services.exchange_rate_set(
            actor=users["admin"],
            currency=currency,
            rate_per_usd=old,
            valid_on=today - datetime.timedelta(days=120),
            source="UN",
        )
        services.exchange_rate_set(
            actor=users["admin"],
            currency=currency,
            rate_per_usd=new,
            valid_on=today - datetime.timedelta(days=10),
            source="UN",
        )

    categories = {c.code: c for c in Category.objects.all()}
    kinds = list(AssistanceKind.objects.all())
    offers = []
    for donor, title, codes, regions, currency, low, high in OFFERS:
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
            )
        )

    # Co-funding: several donors, several currencies, on cases past publication.
    funded = AssistanceRequest.objects.filter(
        status__in=[Status.DONOR_INTEREST, Status.AGREEMENT, Status.IMPLEMENTATION,
                    Status.FEEDBACK, Status.CLOSED]
    ).order_by("pk")  # fmt: skip
    from .permissions import organization_may_see_request

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
