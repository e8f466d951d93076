"""Correcting and amending an agreement (UNODA, not staff), its signed documents and the progress
reports' attachments: each change kept with its old and new values and its reason, every upload
checked, and only UNODA and the agreement's parties see and download the records."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.cases import services as case_services
from apps.core.exceptions import ApplicationError
from apps.followup import services
from apps.followup.models import (
    Agreement,
    AgreementChange,
    AgreementChangeKind,
    AgreementDocument,
    ProgressReport,
    ProgressReportAttachment,
)
from apps.security.models import AuditEvent, AuditKind
from tests.support.csp import DOWNLOAD_POLICY, policy

from ..factories import make_member, make_organization

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
HTML = b"<html><script>alert(1)</script></html>"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def pdf(name="amendment.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def fake_pdf(name="amendment.pdf"):
    """Named like a PDF, but a web page inside: the content check refuses it."""
    return SimpleUploadedFile(name, HTML, content_type="application/pdf")


@pytest.fixture
def agreement(cofunded_case):
    return cofunded_case.agreement


@pytest.fixture
def implementing_case(cofunded_case, users):
    case_services.request_transition(
        actor=users.unoda, case=cofunded_case, transition="start_implementation"
    )
    cofunded_case.refresh_from_db()
    return cofunded_case


@pytest.fixture
def onlooker(cofunded_case):
    """A member of a donor that may read the case (its visibility admits every donor) but did
    not sign the agreement."""
    canada = make_organization("Canada", donor=True, country="CA")
    return make_member(canada, username="onlooker")


def snapshot(agreement):
    """Everything a refused change must leave as it was."""
    row = Agreement.objects.get(pk=agreement.pk)
    return (
        {name: getattr(row, name) for name in services.AGREEMENT_FIELDS},
        sorted(row.donors.values_list("pk", flat=True)),
        AgreementChange.objects.count(),
        AgreementDocument.objects.count(),
        AuditEvent.objects.filter(detail__action__startswith="agreement_").count(),
    )


def files_in(media):
    return sorted(p.name for p in media.rglob("*") if p.is_file())


# --- The service ---------------------------------------------------------------------------


def test_a_correction_is_kept_with_old_and_new_values_and_audited(agreement, users):
    services.agreement_update(
        actor=users.unoda,
        agreement=agreement,
        kind=AgreementChangeKind.CORRECTION,
        reason="  The amount was typed wrong.  ",
        amount=Decimal("260000.00"),
        notes="Signed in Freetown.",
    )
    change = AgreementChange.objects.get(agreement=agreement)
    assert change.kind == AgreementChangeKind.CORRECTION
    assert change.changes == {
        "amount": ["250000.00", "260000.00"],
        "notes": ["", "Signed in Freetown."],
    }
    assert change.reason == "The amount was typed wrong."
    assert change.actor == users.unoda
    assert change.document is None
    assert Agreement.objects.get(pk=agreement.pk).amount == Decimal("260000.00")
    event = AuditEvent.objects.get(detail__action="agreement_correction")
    assert event.kind == AuditKind.CHANGE
    assert event.actor == users.unoda
    assert event.detail["change"] == change.pk
    assert event.detail["fields"] == ["amount", "notes"]


def test_an_amendment_with_its_signed_document(agreement, users, orgs, partner):
    services.agreement_update(
        actor=users.unoda,
        agreement=agreement,
        kind=AgreementChangeKind.AMENDMENT,
        reason="Norway withdrew; the work runs three months longer.",
        donors=[orgs.donor],
        end_date=datetime.date(2027, 4, 30),
        implementing_partner=partner,  # unchanged: not in the history
        document=pdf(),
        document_title="Amendment no. 1",
    )
    change = AgreementChange.objects.get(agreement=agreement)
    assert change.changes == {
        "end_date": ["2027-01-31", "2027-04-30"],
        "donors": [["Japan", "Norway"], ["Japan"]],
    }
    assert change.document.title == "Amendment no. 1"
    assert change.document.agreement == agreement
    assert change.document.uploaded_by == users.unoda
    assert list(Agreement.objects.get(pk=agreement.pk).donors.all()) == [orgs.donor]
    assert AuditEvent.objects.filter(detail__action="agreement_amendment").exists()
    assert AuditEvent.objects.filter(
        detail__action="agreement_document_add", detail__document=change.document.pk
    ).exists()


def test_each_change_is_a_history_row_in_order(agreement, users):
    for interval in (1, 2):
        services.agreement_update(
            actor=users.unoda,
            agreement=agreement,
            kind=AgreementChangeKind.AMENDMENT,
            reason=f"Every {interval} months.",
            reporting_interval_months=interval,
        )
    assert list(agreement.changes.values_list("changes", flat=True)) == [
        {"reporting_interval_months": [3, 1]},
        {"reporting_interval_months": [1, 2]},
    ]


def test_a_change_keeps_the_report_schedule_current(implementing_case, users):
    agreement = implementing_case.agreement
    assert agreement.first_unreported_period_end == datetime.date(2026, 4, 30)
    services.agreement_update(
        actor=users.unoda,
        agreement=agreement,
        kind=AgreementChangeKind.AMENDMENT,
        reason="Monthly reports.",
        reporting_interval_months=1,
    )
    agreement.refresh_from_db()
    assert agreement.first_unreported_period_end == datetime.date(2026, 2, 28)


def test_a_change_that_changes_nothing_is_refused(agreement, users, orgs, partner):
    before = snapshot(agreement)
    with pytest.raises(ValidationError) as error:
        services.agreement_update(
            actor=users.unoda,
            agreement=agreement,
            kind=AgreementChangeKind.CORRECTION,
            reason="Double click.",
            donors=[orgs.other_donor, orgs.donor],
            implementing_partner=partner,
            amount=Decimal("250000"),
            currency="EUR",
            document=pdf(),
        )
    assert "Nothing has changed" in error.value.messages[0]
    assert snapshot(agreement) == before


@pytest.mark.parametrize("actor", ["recipient", "donor", "partner", "outsider"])
def test_only_unoda_change_an_agreement(agreement, users, partner_user, actor):
    user = partner_user if actor == "partner" else getattr(users, actor)
    before = snapshot(agreement)
    with pytest.raises(PermissionDenied):
        services.agreement_update(
            actor=user,
            agreement=agreement,
            kind=AgreementChangeKind.AMENDMENT,
            reason="We say so.",
            amount=Decimal("1"),
        )
    with pytest.raises(PermissionDenied):
        services.agreement_document_add(actor=user, agreement=agreement, title="X", file=pdf())
    assert snapshot(agreement) == before


@pytest.mark.parametrize(
    ("kind", "reason", "field"),
    [("amendment", "  ", "reason"), ("rewrite", "Because.", "kind")],
)
def test_a_change_needs_its_kind_and_reason(agreement, users, kind, reason, field):
    before = snapshot(agreement)
    with pytest.raises(ValidationError) as error:
        services.agreement_update(
            actor=users.unoda, agreement=agreement, kind=kind, reason=reason, notes="New."
        )
    assert field in error.value.message_dict
    assert snapshot(agreement) == before


def test_an_amendment_with_a_bad_document_changes_nothing(agreement, users, media):
    before = snapshot(agreement)
    with pytest.raises(ValidationError) as error:
        services.agreement_update(
            actor=users.unoda,
            agreement=agreement,
            kind=AgreementChangeKind.AMENDMENT,
            reason="More money.",
            amount=Decimal("300000"),
            document=fake_pdf(),
        )
    assert "content does not match" in error.value.message_dict["document"][0]
    assert snapshot(agreement) == before
    assert files_in(media) == []


def test_a_bad_term_is_refused_next_to_its_field(agreement, users):
    before = snapshot(agreement)
    with pytest.raises(ValidationError) as error:
        services.agreement_update(
            actor=users.unoda,
            agreement=agreement,
            kind=AgreementChangeKind.CORRECTION,
            reason="Typo.",
            amount=Decimal("-1"),
        )
    assert "amount" in error.value.message_dict
    assert snapshot(agreement) == before


def test_no_change_once_implementation_is_over(feedback_case, users):
    agreement = feedback_case.agreement
    before = snapshot(agreement)
    with pytest.raises(ApplicationError):
        services.agreement_update(
            actor=users.unoda, agreement=agreement, kind="correction", reason="x", notes="x"
        )
    with pytest.raises(ApplicationError):
        services.agreement_document_add(
            actor=users.unoda, agreement=agreement, title="Late", file=pdf()
        )
    assert snapshot(agreement) == before


def test_a_signed_document_is_checked_and_audited(agreement, users, media):
    before = snapshot(agreement)
    with pytest.raises(ValidationError) as error:
        services.agreement_document_add(
            actor=users.unoda,
            agreement=agreement,
            title="Script",
            file=SimpleUploadedFile("page.html", HTML),
        )
    assert "not accepted" in error.value.message_dict["file"][0]
    assert snapshot(agreement) == before
    assert files_in(media) == []
    document = services.agreement_document_add(
        actor=users.unoda, agreement=agreement, title="Annex B", file=pdf("../annex b.pdf")
    )
    assert document.file.name.endswith("annex_b.pdf")
    assert AuditEvent.objects.filter(
        detail__action="agreement_document_add", detail__document=document.pk
    ).exists()


def report_data(**overrides):
    return {
        "period_start": datetime.date(2026, 2, 1),
        "period_end": datetime.date(2026, 4, 30),
        "status": "on_track",
        "percent_done": 20,
        "narrative": "Doors fitted.",
        **overrides,
    }


def test_a_progress_report_with_a_bad_attachment_is_not_filed(implementing_case, partner_user):
    with pytest.raises(ValidationError) as error:
        services.progress_report_submit(
            actor=partner_user,
            agreement=implementing_case.agreement,
            attachments=[("Photo", pdf("photo.pdf")), ("Page", fake_pdf("page.pdf"))],
            **report_data(percent_done=101),
        )
    # Both errors at once: the report's and the attachment's.
    assert "percent_done" in error.value.message_dict
    assert error.value.message_dict["attachments"][0].startswith("page.pdf: ")
    assert not ProgressReport.objects.exists()
    assert not ProgressReportAttachment.objects.exists()


# --- The pages -----------------------------------------------------------------------------


def _plan(case):
    return f"/followup/{case.reference}/plan/"


def _edit(case):
    return f"/followup/{case.reference}/agreement/edit/"


def _edit_data(agreement, **overrides):
    data = {
        "signed_on": agreement.signed_on.isoformat(),
        "donors": [d.pk for d in agreement.donors.all()],
        "implementing_partner": agreement.implementing_partner_id or "",
        "amount": str(agreement.amount),
        "currency": agreement.currency,
        "start_date": agreement.start_date.isoformat(),
        "end_date": agreement.end_date.isoformat(),
        "cooperation_type": agreement.cooperation_type,
        "reporting_interval_months": agreement.reporting_interval_months,
        "notes": agreement.notes,
        "kind": "amendment",
        "reason": "Extended by the parties.",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_unoda_officer_amends_the_agreement_from_the_plan_page(client, cofunded_case, users):
    assert not users.unoda.is_staff
    client.force_login(users.unoda)
    plan = client.get(_plan(cofunded_case)).content.decode()
    assert _edit(cofunded_case) in plan
    assert f"/followup/{cofunded_case.reference}/agreement/documents/new/" in plan
    case_page = client.get(f"/cases/{cofunded_case.reference}/").content.decode()
    assert _edit(cofunded_case) in case_page
    form = client.get(_edit(cofunded_case)).content.decode()
    assert 'value="250000.00"' in form  # prefilled
    agreement = cofunded_case.agreement
    response = client.post(
        _edit(cofunded_case),
        _edit_data(
            agreement,
            end_date="2027-06-30",
            document=pdf("amendment-1.pdf"),
            document_title="Amendment no. 1",
        ),
    )
    assert response.status_code == 302
    assert response["Location"].endswith("/plan/#agreement-history")
    change = AgreementChange.objects.get(agreement=agreement)
    assert change.kind == AgreementChangeKind.AMENDMENT
    assert change.changes == {"end_date": ["2027-01-31", "2027-06-30"]}
    page = client.get(_plan(cofunded_case)).content.decode()
    assert "The amendment is recorded." in page
    assert "Extended by the parties." in page
    assert "End date:" in page
    download = f"/followup/{cofunded_case.reference}/agreement/documents/{change.document_id}/"
    assert download in page
    assert client.get(download).status_code == 200


def test_the_edit_form_refuses_a_change_of_nothing_and_keeps_what_was_typed(
    client, cofunded_case, users
):
    client.force_login(users.unoda)
    response = client.post(
        _edit(cofunded_case), _edit_data(cofunded_case.agreement, reason="Checked twice.")
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing has changed" in page
    assert "Checked twice." in page
    assert not AgreementChange.objects.exists()


def test_the_edit_form_shows_every_error_at_once(client, cofunded_case, users):
    client.force_login(users.unoda)
    before = snapshot(cofunded_case.agreement)
    response = client.post(
        _edit(cofunded_case),
        _edit_data(cofunded_case.agreement, reason="", amount="lots", notes="Kept text"),
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"reason", "amount"}
    assert "Kept text" in response.content.decode()
    assert snapshot(cofunded_case.agreement) == before


def test_the_edit_form_shows_a_bad_document_next_to_its_field(client, cofunded_case, users):
    client.force_login(users.unoda)
    before = snapshot(cofunded_case.agreement)
    response = client.post(
        _edit(cofunded_case),
        _edit_data(cofunded_case.agreement, amount="1.00", document=fake_pdf()),
    )
    assert response.status_code == 400
    assert "content does not match" in response.context["form"].errors["document"][0]
    assert snapshot(cofunded_case.agreement) == before


def test_unoda_adds_a_signed_document_on_its_page(client, cofunded_case, users):
    client.force_login(users.unoda)
    url = f"/followup/{cofunded_case.reference}/agreement/documents/new/"
    assert client.get(url).status_code == 200
    refused = client.post(url, {"title": "Page", "file": SimpleUploadedFile("x.html", HTML)})
    assert refused.status_code == 400
    assert "not accepted" in refused.content.decode()
    assert "Page" in refused.content.decode()
    assert not AgreementDocument.objects.exists()
    response = client.post(url, {"title": "Countersigned copy", "file": pdf("copy.pdf")})
    assert response["Location"].endswith("/plan/#agreement-documents")
    document = AgreementDocument.objects.get()
    assert document.title == "Countersigned copy"
    assert "Countersigned copy" in client.get(_plan(cofunded_case)).content.decode()


@pytest.mark.parametrize("actor", ["recipient", "donor"])
def test_the_parties_cannot_open_unodas_agreement_pages(client, cofunded_case, users, actor):
    client.force_login(getattr(users, actor))
    assert client.get(_edit(cofunded_case)).status_code == 403
    response = client.post(_edit(cofunded_case), _edit_data(cofunded_case.agreement, notes="x"))
    assert response.status_code == 403
    assert not AgreementChange.objects.exists()
    plan = client.get(_plan(cofunded_case)).content.decode()
    assert _edit(cofunded_case) not in plan


def test_the_partner_files_a_report_with_attachments(client, implementing_case, partner_user):
    client.force_login(partner_user)
    data = {
        "form": "report",
        **{k: str(v) for k, v in report_data().items()},
        "attachments": [pdf("site-photo.pdf"), pdf("certificate.pdf")],
    }
    response = client.post(_plan(implementing_case), data)
    assert response.status_code == 302
    report = ProgressReport.objects.get()
    assert sorted(report.attachments.values_list("title", flat=True)) == [
        "certificate.pdf",
        "site-photo.pdf",
    ]
    page = client.get(_plan(implementing_case)).content.decode()
    for attachment in report.attachments.all():
        assert f"/reports/attachments/{attachment.pk}/" in page


def test_a_report_with_a_bad_attachment_shows_the_error_and_keeps_the_text(
    client, implementing_case, partner_user
):
    client.force_login(partner_user)
    data = {
        "form": "report",
        **{k: str(v) for k, v in report_data(narrative="Typed with care.").items()},
        "attachments": [fake_pdf("page.pdf")],
    }
    response = client.post(_plan(implementing_case), data)
    assert response.status_code == 400
    assert "page.pdf: " in response.context["report_form"].errors["attachments"][0]
    assert "Typed with care." in response.content.decode()
    assert not ProgressReport.objects.exists()


# --- Who downloads ------------------------------------------------------------------------


@pytest.fixture
def records(implementing_case, users, partner_user):
    """A signed document and a progress report's attachment on the implementing case."""
    agreement = implementing_case.agreement
    document = services.agreement_document_add(
        actor=users.unoda, agreement=agreement, title="Signed agreement", file=pdf("signed.pdf")
    )
    report = services.progress_report_submit(
        actor=partner_user,
        agreement=agreement,
        attachments=[("Photo", pdf("photo.pdf"))],
        **report_data(),
    )
    base = f"/followup/{implementing_case.reference}"
    return (
        f"{base}/agreement/documents/{document.pk}/",
        f"{base}/reports/attachments/{report.attachments.get().pk}/",
    )


@pytest.mark.parametrize("actor", ["recipient", "donor", "other_donor", "partner", "unoda"])
def test_unoda_and_the_parties_download_the_records(
    client, implementing_case, records, users, partner_user, actor
):
    client.force_login(partner_user if actor == "partner" else getattr(users, actor))
    page = client.get(_plan(implementing_case)).content.decode()
    for url in records:
        assert url in page
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment")
        assert policy(response) == DOWNLOAD_POLICY
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content) == PDF
    assert AuditEvent.objects.filter(kind=AuditKind.DOWNLOAD).count() == 2


def test_a_donor_that_did_not_sign_sees_the_case_but_not_the_records(
    client, implementing_case, records, onlooker
):
    client.force_login(onlooker)
    page = client.get(_plan(implementing_case))
    assert page.status_code == 200  # the case is open to every donor
    text = page.content.decode()
    assert "Corrections and amendments" not in text
    for url in records:
        assert url not in text
        assert client.get(url).status_code == 404
    assert not AuditEvent.objects.filter(kind=AuditKind.DOWNLOAD).exists()


@pytest.mark.parametrize("actor", ["other_recipient", "outsider"])
def test_others_get_404_for_the_records(client, implementing_case, records, users, actor):
    client.force_login(getattr(users, actor))
    for url in records:
        assert client.get(url).status_code == 404


def test_a_record_of_another_case_is_not_served_through_this_one(
    client, implementing_case, records, make_case, users
):
    other = make_case("implementation", title="Another case")
    client.force_login(users.unoda)
    for url in records:
        crossed = url.replace(implementing_case.reference, other.reference)
        assert client.get(crossed).status_code == 404


# --- The plan page reads the same whatever the number of rows ---------------------------------


def _grow(case, users, partner_user, numbers):
    agreement = case.agreement
    for i in numbers:
        services.agreement_update(
            actor=users.unoda,
            agreement=agreement,
            kind=AgreementChangeKind.AMENDMENT,
            reason=f"Change {i}",
            notes=f"Version {i}",
            document=pdf(f"amendment-{i}.pdf"),
        )
        services.progress_report_submit(
            actor=partner_user,
            agreement=agreement,
            attachments=[("Photo", pdf(f"photo-{i}.pdf")), ("Report", pdf(f"r-{i}.pdf"))],
            **report_data(
                period_start=datetime.date(2026, 2, 1) + datetime.timedelta(days=i),
                period_end=datetime.date(2026, 2, 1) + datetime.timedelta(days=i),
            ),
        )


def _queries(client, url):
    client.get(url)  # warm the per-process caches
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("actor", ["unoda", "partner"])
def test_the_plan_page_query_count_does_not_grow_with_the_rows(
    client, implementing_case, users, partner_user, actor
):
    client.force_login(partner_user if actor == "partner" else users.unoda)
    _grow(implementing_case, users, partner_user, range(1))
    few = _queries(client, _plan(implementing_case))
    _grow(implementing_case, users, partner_user, range(1, 4))
    assert _queries(client, _plan(implementing_case)) == few
