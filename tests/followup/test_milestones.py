"""Milestones on the plan page: UNODA (not staff) and the State edit them, mark them done with
a note and evidence, and reopen them; nobody else can, and bad input changes nothing."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from apps.cases.models import Attachment, AttachmentKind

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def milestone(cofunded_case):
    return cofunded_case.agreement.milestones.create(
        title="Depot fence", due_date=datetime.date(2020, 1, 1)
    )


def _plan(case):
    return f"/followup/{case.reference}/plan/"


def _done(milestone, **extra):
    return {
        "form": "done",
        "milestone": milestone.pk,
        "completed_on": timezone.localdate().isoformat(),
        "note": "Fence built and inspected",
        **extra,
    }


def test_unoda_officer_who_is_not_staff_marks_a_milestone_done_with_evidence(
    client, cofunded_case, milestone, users
):
    assert not users.unoda.is_staff
    client.force_login(users.unoda)
    page = client.get(_plan(cofunded_case)).content.decode()
    assert "Overdue" in page
    assert "Mark done" in page
    evidence = SimpleUploadedFile("inspection.pdf", PDF, content_type="application/pdf")
    response = client.post(_plan(cofunded_case), _done(milestone, evidence=evidence))
    assert response.status_code == 302
    milestone.refresh_from_db()
    assert milestone.completed_on == timezone.localdate()
    assert milestone.completion_note == "Fence built and inspected"
    assert milestone.completed_by == users.unoda
    assert milestone.evidence.kind == AttachmentKind.EVIDENCE
    # The State sees the note and downloads the evidence from its plan page.
    client.force_login(users.recipient)
    page = client.get(_plan(cofunded_case)).content.decode()
    assert "Fence built and inspected" in page
    link = f"/cases/{cofunded_case.reference}/attachments/{milestone.evidence_id}/"
    assert link in page
    download = client.get(link)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF


def test_a_double_click_on_mark_done_records_it_once(client, cofunded_case, milestone, users):
    client.force_login(users.recipient)
    first = SimpleUploadedFile("a.pdf", PDF)
    second = SimpleUploadedFile("a.pdf", PDF)
    client.post(_plan(cofunded_case), _done(milestone, evidence=first))
    response = client.post(_plan(cofunded_case), _done(milestone, evidence=second), follow=True)
    assert "already marked done" in response.content.decode()
    assert (
        Attachment.objects.filter(request=cofunded_case, kind=AttachmentKind.EVIDENCE).count() == 1
    )


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"completed_on": "2999-01-01"}, "cannot be done in the future"),
        ({"completed_on": "yesterday"}, "Enter a valid date"),
        ({"evidence": SimpleUploadedFile("run.exe", b"MZ")}, "not accepted"),
    ],
)
def test_bad_input_to_mark_done_is_refused_next_to_the_field_and_keeps_the_note(
    client, cofunded_case, milestone, users, extra, message
):
    client.force_login(users.unoda)
    response = client.post(_plan(cofunded_case), _done(milestone, **extra))
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert "Fence built and inspected" in page  # what was typed is kept
    milestone.refresh_from_db()
    assert milestone.completed_on is None
    assert not Attachment.objects.filter(request=cofunded_case).exclude(kind="proposal").exists()


def test_reopen_and_edit_a_milestone(client, cofunded_case, milestone, users):
    client.force_login(users.unoda)
    client.post(_plan(cofunded_case), _done(milestone))
    client.post(_plan(cofunded_case), {"form": "reopen", "milestone": milestone.pk})
    milestone.refresh_from_db()
    assert (milestone.completed_on, milestone.completion_note) == (None, "")
    response = client.post(
        _plan(cofunded_case),
        {"form": "edit", "milestone": milestone.pk, "title": "Depot fence and lights",
         "due_date": "2027-01-15", "description": "Two depots"},
    )  # fmt: skip
    assert response.status_code == 302
    milestone.refresh_from_db()
    assert (milestone.title, milestone.due_date) == (
        "Depot fence and lights",
        datetime.date(2027, 1, 15),
    )
    # An empty title is refused on the form, the old one kept.
    response = client.post(
        _plan(cofunded_case),
        {"form": "edit", "milestone": milestone.pk, "title": "", "due_date": "2027-01-15"},
    )
    assert response.status_code == 400
    milestone.refresh_from_db()
    assert milestone.title == "Depot fence and lights"


def test_a_donor_cannot_change_milestones(client, cofunded_case, milestone, users):
    client.force_login(users.donor)
    page = client.get(_plan(cofunded_case)).content.decode()
    assert "Mark done" not in page
    response = client.post(_plan(cofunded_case), _done(milestone), follow=True)
    assert "Only UNODA or the requesting State" in response.content.decode()
    milestone.refresh_from_db()
    assert milestone.completed_on is None


def test_a_milestone_of_another_case_is_not_found(
    client, cofunded_case, milestone, users, make_case
):
    other = make_case("published")
    client.force_login(users.unoda)
    response = client.post(_plan(cofunded_case), {**_done(milestone), "milestone": "abc"})
    assert response.status_code == 404
    assert client.post(_plan(other), _done(milestone)).status_code == 404
