import datetime
import os
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.test import Client
from django.utils import timezone, translation

from apps.cases import services
from apps.cases.models import AssistanceRequest, Visibility
from apps.cases.workflow import path_to
from apps.core import reference
from apps.followup import services as followup_services
from apps.followup.models import Feedback, FeedbackStatus
from apps.funding.services import interest_express
from apps.organizations.models import Region
from apps.security.testing import force_login_verified

from .factories import UserFactory, make_member, make_organization

COMMENT = "Because the test says so."


@pytest.fixture(autouse=True)
def _force_login_passes_two_factor(request, monkeypatch):
    """``client.force_login(user)`` signs in as someone who also passed two-factor
    authentication when their role requires it (the enforcement itself is tested in
    tests/security/test_sign_in.py, whose tests opt out with ``@pytest.mark.real_two_factor``)."""
    if request.node.get_closest_marker("real_two_factor"):
        return
    original = Client.force_login

    def force_login(self, user, backend=None):
        force_login_verified(self, user, backend, original=original)

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture(autouse=True)
def _language_of_each_test_is_its_own():
    """A request in another language leaves that language active in the thread (Django's
    LocaleMiddleware activates it and does not restore the previous one): each test starts
    from the default language, whatever the test before it asked for."""
    yield
    translation.deactivate()


@pytest.fixture(scope="session", autouse=True)
def _nothing_kept_from_an_earlier_run():
    """A new test database starts its ids again: rows an earlier run kept in Redis (user 7's
    unread count, say) must not be served to this one."""
    from django.core.cache import cache

    client = getattr(cache, "_cache", None)
    if client is None or not hasattr(client, "get_client"):  # not Redis: this process's own
        cache.clear()
        return
    redis = client.get_client(None, write=True)
    for key in redis.scan_iter(match=cache.make_key(f"{reference.PREFIX}:") + "*"):
        redis.delete(key)


@pytest.fixture(autouse=True)
def _nothing_kept_between_tests():
    """Rows kept between requests (apps/core/reference.py) are forgotten after each test: a
    test that commits (a browser test, say) may have kept rows that the flush after it
    removes without a signal."""
    yield
    for name in reference.NAMES:
        reference.new_generation(name)


def _is_browser_test(item) -> bool:
    return f"tests{os.sep}browser{os.sep}" in str(item.fspath)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Browser tests (tests/browser/) run last, after pytest-django's own ordering: the table
    flush after a live-server test would otherwise take the data migrations' rows (categories,
    reminder rules) from the transactional tests that follow. Without Debian's Chromium the
    run stops with a clear message (scripts/install.sh --all-groups installs it)."""
    browser = [item for item in items if _is_browser_test(item)]
    items[:] = [item for item in items if not _is_browser_test(item)] + browser
    if browser and not Path("/usr/bin/chromium").exists():
        raise pytest.UsageError("/usr/bin/chromium is missing: run scripts/install.sh --all-groups")


@pytest.fixture
def orgs(db):
    return SimpleNamespace(
        recipient=make_organization("Sierra Leone", recipient=True, country="SL"),
        other_recipient=make_organization("Mali", recipient=True, country="ML"),
        donor=make_organization("Japan", donor=True, country="JP", region=Region.ASIA),
        other_donor=make_organization("Norway", donor=True, country="NO", region=Region.EUROPE),
    )


@pytest.fixture
def users(orgs):
    return SimpleNamespace(
        recipient=make_member(orgs.recipient, username="recipient"),
        other_recipient=make_member(orgs.other_recipient, username="other_recipient"),
        donor=make_member(orgs.donor, username="donor"),
        other_donor=make_member(orgs.other_donor, username="other_donor"),
        unoda=UserFactory(username="unoda", is_unoda_officer=True),
        outsider=UserFactory(username="outsider"),
    )


# Enough of a proposal to be submitted (the submission threshold): objectives, beneficiaries,
# national ownership and a duration.
PROPOSAL = {
    "objectives": "Reduce the diversion of weapons from the central armoury of the police.",
    "beneficiaries": "National police armourers",
    "national_ownership": "The national commission on small arms leads and staffs the work.",
    "duration_months": 12,
}


def build_case(*, orgs, users, status="draft", visibility=Visibility.ALL_DONORS, **fields):
    """A case of ``orgs.recipient`` walked to ``status`` through the service layer."""
    selected = fields.pop("selected_donors", [orgs.donor])
    for name, value in PROPOSAL.items():
        fields.setdefault(name, value)
    case = services.request_create(
        actor=users.recipient,
        organization=orgs.recipient,
        title=fields.pop("title", "Secure the central armoury"),
        visibility=visibility,
        selected_donors=selected,
        **fields,
    )
    for name in path_to(status):
        fire_step(orgs=orgs, users=users, case=case, transition=name, comment=COMMENT)
    return AssistanceRequest.objects.get(pk=case.pk)


AGREEMENT = {
    "signed_on": datetime.date(2026, 1, 15),
    "amount": Decimal("120000.00"),
    "currency": "USD",
    "start_date": datetime.date(2026, 2, 1),
    "end_date": datetime.date(2027, 1, 31),
    "cooperation_type": "north_south",
}


def agreement_terms() -> dict:
    """AGREEMENT as recorded through the service: signed today, the day the test's case was
    made (an agreement is signed neither in the future nor before its request existed)."""
    return {**AGREEMENT, "signed_on": timezone.localdate()}


RATINGS = {
    "relevance": 5,
    "coherence": 4,
    "effectiveness": 4,
    "efficiency": 3,
    "impact": 4,
    "sustainability": 3,
    "overall": 4,
}


def fire_step(*, orgs, users, case, transition, comment=""):
    """Fire one step of the lifecycle as UNODA, with what the step needs first: recording the
    agreement (``orgs.donor`` funds it) and, before closing, every party's feedback. Donor
    interest is a record of its own: expressing it fires the transition."""
    if transition == "register_interest":
        interest_express(actor=users.donor, case=case, donor=orgs.donor, message=comment)
        return
    if transition == "record_agreement":
        followup_services.agreement_record(
            actor=users.unoda,
            case=case,
            donors=[orgs.donor],
            comment=comment,
            **agreement_terms(),
        )
        return
    if transition == "close":
        submit_all_feedback(users=users, case=case)
    services.request_transition(
        actor=users.unoda,
        case=case,
        transition=transition,
        comment=comment,
        # Cases built alike look like duplicates of each other (tests/cases/test_duplicates.py
        # tests the warning): the builder says they are different needs.
        confirmed=transition in ("submit", "resubmit"),
    )


def submit_all_feedback(*, users, case):
    """Each pending party submits, through one of the test users that belongs to it."""
    members = [users.recipient, users.donor, users.other_donor]
    for feedback in Feedback.objects.filter(request=case, status=FeedbackStatus.PENDING):
        member = next(
            u for u in members if u.memberships.filter(organization=feedback.organization).exists()
        )
        followup_services.feedback_submit(
            actor=member, case=case, what_worked="Training.", **RATINGS
        )


@pytest.fixture
def make_case(orgs, users):
    def make(status="draft", **fields):
        return build_case(orgs=orgs, users=users, status=status, **fields)

    return make
