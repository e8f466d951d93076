"""The access matrix: every URL of the portal (admin excluded, API included), requested by six
actors against cases in every lifecycle state, compared with ONE declared table.

A URL pattern whose name is not in ``MATRIX`` fails ``test_every_url_is_in_the_table``.
Outcomes: an HTTP status (200, 401, 403, 404, 405) or ``LOGIN`` (redirect to sign-in) or
``REDIRECT`` (any other redirect).
"""

import datetime
import re
import tempfile
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver

from apps.cases.forms import STEP_SLUGS
from apps.cases.models import Attachment, Category, Indicator, Result, Status, Visibility
from apps.cases.workflow import (
    AGREED,
    DONOR_VISIBLE,
    IMPLEMENTATION_OPEN,
    RECIPIENT_EDITABLE,
    TERMINAL,
)
from apps.followup.models import (
    AgreementDocument,
    FeedbackWaiver,
    Milestone,
    ProgressReport,
    ProgressReportAttachment,
)
from apps.funding.models import ExpressionOfInterest, MatchmakingMeeting, Offer
from apps.funding.services import commitment_create
from apps.security.testing import otp_verify_client
from tests.conftest import build_case
from tests.factories import UserFactory, make_member, make_organization

LOGIN = "login"
REDIRECT = "redirect"
ACTORS = ("anonymous", "recipient", "other_state", "donor_allowed", "donor_denied", "unoda")
STATES = tuple(Status.values)
SKIP_PREFIXES = ("admin/", "static/", "media/")


def sees_case(actor: str, state: str) -> bool:
    """Who may see a case with visibility "selected donors" (orgs.donor selected)."""
    if actor in ("recipient", "unoda"):
        return True
    if actor == "donor_allowed":
        return state in DONOR_VISIBLE
    return False


def signed_in(ok=200):
    """Any signed-in user gets ``ok``; anonymous visitors are sent to sign in."""
    return lambda actor, state: LOGIN if actor == "anonymous" else ok


def parties_page(actor, state):
    """Pages of the parties that give feedback (States and donors): UNODA gets 403."""
    if actor == "anonymous":
        return LOGIN
    return 403 if actor == "unoda" else 200


def case_page(actor, state):
    if actor == "anonymous":
        return LOGIN
    return 200 if sees_case(actor, state) else 404


def unoda_page(denied=403):
    def outcome(actor, state):
        if actor == "anonymous":
            return LOGIN
        return 200 if actor == "unoda" else denied

    return outcome


def api(ok=200):
    return lambda actor, state: 401 if actor == "anonymous" else ok


def api_case(actor, state):
    if actor == "anonymous":
        return 401
    return 200 if sees_case(actor, state) else 404


def api_funding_record(actor, state):
    """Interests and commitments of orgs.donor: the donor, the requesting State and UNODA."""
    if actor == "anonymous":
        return 401
    return 200 if actor in ("recipient", "donor_allowed", "unoda") else 404


def api_offer(actor, state):
    if actor == "anonymous":
        return 401
    return 200 if actor in ("donor_allowed", "unoda") else 404


def api_unoda_case(actor, state):
    """A case's likely duplicates: UNODA; 403 to the others who see the case."""
    if actor == "anonymous":
        return 401
    if actor == "unoda":
        return 200
    return 403 if sees_case(actor, state) else 404


def api_agreed_case(actor, state):
    """A case's agreement and the records of it (a milestone, a report): whoever sees the case,
    once there is an agreement; 404 before (and for another case's record)."""
    if actor == "anonymous":
        return 401
    return 200 if sees_case(actor, state) and state in AGREED else 404


def api_agreement_party(actor, state):
    """The agreement's signed documents and the reports' attachments through the API: UNODA
    and the agreement's parties, as the pages' downloads; 404 to anyone else."""
    if actor == "anonymous":
        return 401
    return 200 if state in AGREED and actor in ("recipient", "donor_allowed", "unoda") else 404


def api_unoda(ok=200):
    """UNODA's own records (meetings, exchange rates): 403 to every other signed-in user."""

    def outcome(actor, state):
        if actor == "anonymous":
            return 401
        return ok if actor == "unoda" else 403

    return outcome


def api_unoda_waiver(actor, state):
    """A feedback waiver (recorded on the case waiting for feedback): UNODA, as on the feedback
    page; 404 to anyone else, and for the waiver asked under another case."""
    if actor == "anonymous":
        return 401
    return 200 if actor == "unoda" and state == Status.FEEDBACK else 404


def best_offers_page(actor, state):
    """The offers that fit a request best: UNODA and the requesting State; 403 to the others
    who see the case."""
    if actor == "anonymous":
        return LOGIN
    if actor in ("recipient", "unoda"):
        return 200
    return 403 if sees_case(actor, state) else 404


def everyone(outcome):
    return lambda actor, state: outcome


def otp_verify(actor, state):
    """Users without a device are sent to enrol; UNODA (verified, with a device) see the page."""
    if actor == "anonymous":
        return LOGIN
    return 200 if actor == "unoda" else REDIRECT


def case_edit(actor, state):
    """The proposal wizard: the State while draft or needs revision, UNODA until the end."""
    if actor == "anonymous":
        return LOGIN
    if actor == "recipient" and state in RECIPIENT_EDITABLE:
        return 200
    if actor == "unoda" and state not in TERMINAL:
        return 200
    return 403 if sees_case(actor, state) else 404


def translations_page(actor, state):
    """A request's translations: UNODA (who edit them) and the requesting State (read-only);
    403 to the others who see the case, 404 to those who do not."""
    if actor == "anonymous":
        return LOGIN
    if actor in ("recipient", "unoda"):
        return 200
    return 403 if sees_case(actor, state) else 404


def recipient_or_unoda(actor, state):
    """Starting a request: members of a requesting State, and UNODA on its behalf."""
    if actor == "anonymous":
        return LOGIN
    return 403 if actor in ("donor_allowed", "donor_denied") else 200


def donor_pages(actor, state):
    """The published needs and the donor desk: donors and UNODA; a State official gets 403."""
    if actor == "anonymous":
        return LOGIN
    return 403 if actor in ("recipient", "other_state") else 200


def offer_page(actor, state):
    if actor == "anonymous":
        return LOGIN
    return 200 if actor in ("donor_allowed", "unoda") else 404


def agreement_change_page(actor, state):
    """Correcting, amending and adding signed documents: UNODA while the agreement runs (403
    after; 404 before there is one); 403 to everyone else."""
    if actor == "anonymous":
        return LOGIN
    if actor != "unoda":
        return 403
    if state not in AGREED:
        return 404
    return 200 if state in IMPLEMENTATION_OPEN else 403


def agreement_party_download(actor, state):
    """The agreement's signed documents and the progress reports' attachments: UNODA and the
    agreement's parties (orgs.donor signed every agreement of the world); 404 to anyone else,
    and for a document of another case."""
    if actor == "anonymous":
        return LOGIN
    return 200 if state in AGREED and actor in ("recipient", "donor_allowed", "unoda") else 404


# url name -> (uses a case?, outcome(actor, state))
MATRIX = {
    "home": (False, signed_in()),
    "login": (False, everyone(200)),
    "logout": (False, everyone(405)),
    "accounts:preferences": (False, signed_in()),
    "accounts:api-token": (False, signed_in()),
    "cases:request-list": (False, signed_in()),
    "cases:request-detail": (True, case_page),
    "cases:request-transition": (True, signed_in(405)),
    "cases:attachment-download": (True, case_page),
    "notifications:notification-list": (False, signed_in()),
    # A notification that is not the actor's is not found (its own: tests/notifications).
    "notifications:notification-open": (False, signed_in(404)),
    "notifications:notification-read": (False, signed_in(405)),
    "notifications:notification-read-all": (False, signed_in(405)),
    "funding:meeting-dossier": (False, unoda_page(denied=404)),
    "funding:meeting-dossier-csv": (False, unoda_page(denied=404)),
    "followup:effectiveness": (False, unoda_page()),
    # Lessons learned: every signed-in user reads them (UNODA withdraws them by POST).
    "followup:lesson-list": (False, signed_in()),
    "followup:overdue-list": (False, unoda_page()),
    "followup:plan-detail": (True, case_page),
    "followup:feedback-detail": (True, case_page),
    "api:token": (False, everyone(405)),
    "api:request-list": (False, api()),
    "api:request-detail": (True, api_case),
    "api:request-history": (True, api_case),
    "api:request-duplicates": (True, api_unoda_case),
    "api:request-agreement": (True, api_agreed_case),
    "api:request-agreement-document": (True, api_agreement_party),
    "api:request-agreement-documents": (True, api(405)),
    "api:request-comment-list": (True, api_case),
    "api:request-attachment-list": (True, api_case),
    "api:request-attachment-detail": (True, api_case),
    "api:request-milestone-list": (True, api_case),
    "api:request-milestone-detail": (True, api_agreed_case),
    "api:request-milestone-complete": (True, api(405)),
    "api:request-milestone-reopen": (True, api(405)),
    "api:request-progress-report-list": (True, api_case),
    "api:request-progress-report-detail": (True, api_agreed_case),
    "api:request-progress-report-attachment": (True, api_agreement_party),
    # The indicators of the results framework and the values reached: whoever sees the case.
    "api:request-actuals": (True, api_case),
    "api:request-feedback-list": (True, api_case),
    "api:request-meeting-item-list": (True, api_case),
    # The results framework: read by whoever sees the case (written by whoever edits it).
    "api:request-result-list": (True, api_case),
    "api:request-result-detail": (True, api_case),
    "api:request-indicator-list": (True, api_case),
    "api:request-indicator-detail": (True, api_case),
    # Waivers: UNODA's (an empty list to the others who see the case, as the feedback page).
    "api:request-feedback-waiver-list": (True, api_case),
    "api:request-feedback-waiver-detail": (True, api_unoda_waiver),
    # Lessons learned: every signed-in user reads them; UNODA withdraws one (DELETE only).
    "api:lesson-list": (False, api()),
    "api:lesson-detail": (False, api(405)),
    "api:meeting-dossier": (False, api_unoda()),
    "api:meeting-item": (False, api(405)),  # DELETE only: an item taken off the agenda
    "api:meeting-list": (False, api_unoda()),
    "api:meeting-detail": (False, api_unoda()),
    "api:meeting-items": (False, api(405)),
    "api:meeting-item-outcome": (False, api(405)),
    "api:exchange-rate-list": (False, api_unoda()),
    "api:notification-list": (False, api()),
    # A notification that is not the caller's is not found (its own: tests/api).
    "api:notification-detail": (False, api(404)),
    "api:notification-read": (False, api(405)),
    "api:notification-read-all": (False, api(405)),
    "api:request-transition": (True, api(405)),
    "api:offer-list": (False, api()),
    "api:offer-detail": (False, api_offer),
    "api:interest-list": (False, api()),
    "api:interest-detail": (True, api_funding_record),
    "api:interest-withdraw": (True, api(405)),
    "api:commitment-list": (False, api()),
    "api:commitment-detail": (True, api_funding_record),
    "api:commitment-cancel": (True, api(405)),
    "api:commitment-confirm": (True, api(405)),
    "api:commitment-disbursements": (True, api_funding_record),
    "api:organization-list": (False, api()),
    "api:organization-detail": (False, api()),
    "api:schema": (False, everyone(200)),
    "api:docs": (False, everyone(200)),
    "api:redoc": (False, everyone(200)),
    "api:not-found": (False, everyone(404)),
    "reports:dashboard": (False, signed_in()),
    "reports:dashboard-data": (False, signed_in()),
    "cases:savedview-create": (False, signed_in(405)),  # POST only: forms of the queue
    "cases:savedview-update": (False, signed_in(405)),
    "cases:savedview-delete": (False, signed_in(405)),
    # UNODA's own IATI file (every agreed case); everyone reads the public files.
    "reports:export-iati": (False, unoda_page()),
    "iati-activities": (False, everyone(200)),
    "iati-organisation": (False, everyone(200)),
    "reports:export": (False, signed_in()),
    "public-needs": (False, everyone(200)),
    # "ok" for everyone (staff and a monitor's token read the details): tests/ops/test_health.py
    "health": (False, everyone(200)),
    "security:otp-verify": (False, otp_verify),
    "security:otp-enrol": (False, signed_in()),
    "security:otp-backup-codes": (False, otp_verify),  # users without a device: sent to enrol
    "security:audit-list": (False, unoda_page()),
    "core:portal-settings": (False, unoda_page()),
    "core:exchange-rate-list": (False, unoda_page()),
    "set_language": (False, everyone(405)),  # POST only: the switcher is a form
    "password_reset": (False, everyone(200)),
    "password_reset_done": (False, everyone(200)),
    "password_reset_confirm": (False, everyone(200)),
    "password_reset_complete": (False, everyone(200)),
    "cases:request-export": (False, signed_in()),
    "cases:request-bulk-assign": (False, signed_in(405)),
    "cases:request-create": (False, recipient_or_unoda),
    "cases:request-edit": (True, case_edit),
    "cases:comment-add": (True, signed_in(405)),
    "cases:request-assign": (True, signed_in(405)),
    "cases:attachment-add": (True, signed_in(405)),
    "cases:case-link-add": (True, signed_in(405)),
    "cases:case-link-remove": (True, signed_in(405)),
    "cases:case-duplicate-decide": (True, signed_in(405)),
    "cases:case-best-offers": (True, best_offers_page),
    # A State's needs by national plan: every signed-in user, each seeing the cases it may.
    "cases:state-needs": (False, signed_in()),
    "cases:request-translations": (True, translations_page),
    "funding:needs": (False, donor_pages),
    "funding:donor-desk": (False, donor_pages),
    "funding:offer-create": (
        False,
        lambda actor, state: (
            donor_pages(actor, state) if actor in ("anonymous", "recipient", "other_state") else 405
        ),
    ),
    "funding:meeting-list": (False, unoda_page()),
    "funding:offer-list": (False, signed_in()),
    "followup:feedback-pending": (False, parties_page),
    "funding:meeting-create": (False, unoda_page()),
    "funding:meeting-detail": (False, unoda_page()),
    "funding:offer-edit": (False, offer_page),
    # A State asks UNODA to bring an offer to its request (POST only, from the offers page);
    # UNODA's page of those asks, where it brings or declines them.
    "funding:referral-ask": (False, signed_in(405)),
    "funding:referral-list": (False, unoda_page()),
    "funding:interest-withdraw": (True, signed_in(405)),
    "funding:commitment-action": (True, signed_in(405)),
    "funding:interest-express": (True, signed_in(405)),
    "funding:commitment-create": (True, signed_in(405)),
    "funding:coverage-update": (True, signed_in(405)),
    "followup:agreement-record": (True, unoda_page()),
    "followup:agreement-edit": (True, agreement_change_page),
    "followup:agreement-document-add": (True, agreement_change_page),
    "followup:agreement-document-download": (True, agreement_party_download),
    "followup:report-attachment-download": (True, agreement_party_download),
}
# Interests and commitments exist from the first expression of interest on.
FUNDED_STATES = {
    Status.DONOR_INTEREST,
    Status.AGREEMENT,
    Status.IMPLEMENTATION,
    Status.FEEDBACK,
    Status.CLOSED,
}
NEEDS_FUNDING_RECORD = {
    "funding:interest-withdraw",
    "funding:commitment-action",
    "api:interest-detail",
    "api:interest-withdraw",
    "api:commitment-detail",
    "api:commitment-cancel",
    "api:commitment-confirm",
    "api:commitment-disbursements",
}

# Records of a case's agreement, addressed by their ids under the case.
API_AGREED_RECORDS = {
    "api:request-agreement-document",
    "api:request-milestone-detail",
    "api:request-milestone-complete",
    "api:request-milestone-reopen",
    "api:request-progress-report-detail",
    "api:request-progress-report-attachment",
}


def url_patterns():
    """(name, route) of every pattern outside the admin, walking includes recursively."""
    found = []

    def walk(patterns, prefix, namespace):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                ns = pattern.namespace
                walk(
                    pattern.url_patterns,
                    route,
                    f"{namespace}:{ns}" if namespace and ns else (ns or namespace),
                )
            elif isinstance(pattern, URLPattern):
                if route.startswith(SKIP_PREFIXES):
                    continue
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                found.append((name, route))

    walk(get_resolver().url_patterns, "", None)
    return found


def test_every_url_is_in_the_table():
    names = {name for name, _route in url_patterns()}
    missing = sorted(str(n) for n in names - set(MATRIX))
    assert not missing, f"URLs without an entry in the access matrix: {missing}"
    stale = sorted(set(MATRIX) - names)
    assert not stale, f"Access-matrix entries for URLs that no longer exist: {stale}"


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Cases in every state and one client per actor, built once for the module inside a
    transaction that is rolled back at the end (each test runs in a savepoint within it)."""
    media = tempfile.TemporaryDirectory()
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media.name):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield _build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            media.cleanup()


def _build_world():
    orgs = SimpleNamespace(
        recipient=make_organization("Matrixland", recipient=True, country="SL"),
        other_recipient=make_organization("Otherland", recipient=True, country="ML"),
        donor=make_organization("Donoria", donor=True, country="JP"),
        other_donor=make_organization("Nodonia", donor=True, country="NO"),
    )
    users = SimpleNamespace(
        recipient=make_member(orgs.recipient, username="mx_recipient"),
        other_recipient=make_member(orgs.other_recipient, username="mx_other_state"),
        donor=make_member(orgs.donor, username="mx_donor"),
        other_donor=make_member(orgs.other_donor, username="mx_other_donor"),
        unoda=UserFactory(username="mx_unoda", is_unoda_officer=True),
    )
    actor_users = {
        "recipient": users.recipient,
        "other_state": users.other_recipient,
        "donor_allowed": users.donor,
        "donor_denied": users.other_donor,
        "unoda": users.unoda,
    }
    clients = {"anonymous": Client()}
    for actor, user in actor_users.items():
        client = Client()
        client.force_login(user)
        if actor == "unoda":
            otp_verify_client(client, user)
        clients[actor] = client

    cases = {}
    for state in STATES:
        case = build_case(
            orgs=orgs,
            users=users,
            status=state,
            visibility=Visibility.SELECTED_DONORS,
            selected_donors=[orgs.donor],
            title=f"Matrix case {state}",
            budget_amount=Decimal("100000"),
            budget_currency="USD",
        )
        attachment = Attachment.objects.create(
            request=case, title="Proposal", file=ContentFile(PDF, name="proposal.pdf")
        )
        result = Result.objects.create(request=case, level="outcome", statement="Safer stocks.")
        indicator = Indicator.objects.create(result=result, name="Sites meeting the standards")
        interest = ExpressionOfInterest.objects.filter(request=case, donor=orgs.donor).first()
        commitment = None
        if state in FUNDED_STATES:
            commitment = commitment_create(
                actor=users.unoda,
                case=case,
                donor=orgs.donor,
                amount=Decimal("1000"),
                currency="USD",
            )
        document = report_attachment = milestone = None
        if state in AGREED:
            agreement = case.agreement
            document = AgreementDocument.objects.create(
                agreement=agreement, title="Signed", file=ContentFile(PDF, name="signed.pdf")
            )
            report = ProgressReport.objects.create(
                agreement=agreement,
                organization=orgs.recipient,
                period_start=agreement.start_date,
                period_end=agreement.start_date,
                status="on_track",
                percent_done=10,
                narrative="Started.",
                submitted_by=users.recipient,
            )
            report_attachment = ProgressReportAttachment.objects.create(
                report=report, title="Photo", file=ContentFile(PDF, name="photo.pdf")
            )
            milestone = Milestone.objects.create(
                agreement=agreement, title="Doors fitted", due_date=agreement.start_date
            )
        waiver = None
        if state == Status.FEEDBACK:
            waiver = FeedbackWaiver.objects.create(
                request=case, organization=orgs.donor, reason="No answer.", recorded_by=users.unoda
            )
        cases[state] = SimpleNamespace(
            case=case,
            waiver=waiver,
            attachment=attachment,
            interest=interest,
            commitment=commitment,
            agreement_document=document,
            report_attachment=report_attachment,
            milestone=milestone,
            result=result,
            indicator=indicator,
        )
    offer = Offer.objects.create(
        donor=orgs.donor,
        title="Training offer",
        currency="USD",
        valid_from=datetime.date(2026, 1, 1),
        created_by=users.donor,
    )
    # A category and no amounts (both optional): the donor's pages once answered 500 for it.
    offer.categories.add(Category.objects.order_by("pk").first())
    meeting = MatchmakingMeeting.objects.create(
        title="Matchmaking", date=datetime.date(2026, 6, 1), created_by=users.unoda
    )
    return SimpleNamespace(orgs=orgs, clients=clients, cases=cases, offer=offer, meeting=meeting)


def _fill(route: str, name: str, world, state: str | None) -> str:
    """A concrete path for ``route`` (Django converters or DRF regexes)."""
    entry = world.cases[state] if state else None
    values = {
        "reference": entry.case.reference if entry else "REQ-2000-0001",
        "format": "json",
        "table": "cases",
        "fmt": "csv",
        "step": STEP_SLUGS[0],
        "action": "confirm",
        "uidb64": "MQ",
        "token": "set-password",
    }
    if name in NEEDS_FUNDING_RECORD and "interest" in name:
        values["pk"] = entry.interest.pk
    elif name in NEEDS_FUNDING_RECORD and "commitment" in name:
        values["pk"] = entry.commitment.pk
    elif name == "cases:attachment-download":
        values["pk"] = entry.attachment.pk
    elif name in ("followup:agreement-document-download", "followup:report-attachment-download"):
        # A case without an agreement is asked for another case's file: nobody gets it.
        field = "agreement_document" if "agreement" in name else "report_attachment"
        own = getattr(entry, field)
        values["pk"] = (own or getattr(world.cases[Status.AGREEMENT], field)).pk
    elif name == "api:request-feedback-waiver-detail":
        # Asked under another case, the feedback case's waiver is not found.
        values["pk"] = world.cases[Status.FEEDBACK].waiver.pk
    elif name == "api:request-attachment-detail":
        values["pk"] = entry.attachment.pk
    elif name == "api:request-result-detail":
        values["pk"] = entry.result.pk
    elif name == "api:request-indicator-detail":
        values["pk"] = entry.indicator.pk
    elif name in API_AGREED_RECORDS:
        # A case without an agreement is asked for another case's record: nobody gets it.
        own = entry.report_attachment or world.cases[Status.AGREEMENT].report_attachment
        milestone = entry.milestone or world.cases[Status.AGREEMENT].milestone
        document = entry.agreement_document or world.cases[Status.AGREEMENT].agreement_document
        values["pk"] = milestone.pk if "milestone" in name else own.report_id
        values["attachment_id"] = own.pk
        values["document_id"] = document.pk
    elif name.startswith(("api:offer", "funding:offer")):
        values["pk"] = world.offer.pk
    elif name.startswith("api:organization") or name == "cases:state-needs":
        values["pk"] = world.orgs.recipient.pk
    elif name.startswith(("funding:meeting", "api:meeting")):
        values["pk"] = world.meeting.pk
        values["item_id"] = 1
    elif name in ("notifications:notification-open", "api:notification-detail"):
        values["pk"] = 2**31 - 1  # nobody's notification
    else:
        values["pk"] = 1
    if name == "api:not-found":
        return "/api/no/such/endpoint/"
    return fill_route(route, values)


def fill_route(route: str, values: dict) -> str:
    """A concrete path for a Django route or a DRF regex, from ``values`` by parameter name."""
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(values[m.group(1)]), route)
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), path)
    path = path.replace("^", "").replace("$", "").replace("\\.", ".").replace("/?", "/")
    return "/" + path


def _outcome(response) -> object:
    if response.status_code in (301, 302):
        return LOGIN if "/accounts/login/" in response["Location"] else REDIRECT
    return response.status_code


def _cases_for(name):
    uses_case, _rule = MATRIX[name]
    if not uses_case:
        return [None]
    if name in NEEDS_FUNDING_RECORD:
        return [s for s in STATES if s in FUNDED_STATES]
    return list(STATES)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_access_matrix(name, world):
    routes = [route for n, route in url_patterns() if n == name]
    assert routes, name
    _uses_case, rule = MATRIX[name]
    wrong = []
    for state in _cases_for(name):
        for route in routes:
            path = _fill(route, name, world, state)
            for actor in ACTORS:
                response = world.clients[actor].get(path)
                got, expected = _outcome(response), rule(actor, state)
                if got != expected:
                    wrong.append(f"{actor} GET {path} [{state}]: {got}, expected {expected}")
    assert not wrong, "\n".join(wrong)
