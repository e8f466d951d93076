"""Uploads: type by content, size limit, sanitised names, stored outside the web root, served
only through the permission-checked view, never inline and never as HTML."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.cases import services
from apps.cases.models import Attachment
from apps.security.uploads import sanitise_filename, validate_upload
from tests.support.csp import DOWNLOAD_POLICY, policy

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("proposal.pdf", PDF),
        ("photo.png", PNG),
        ("photo.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 16),
        ("plan.docx", docx()),
        ("budget.csv", "line,amount\nTraining,1000\nÉquipement,500\n".encode()),
    ],
)
def test_genuine_files_pass(name, content):
    assert validate_upload(SimpleUploadedFile(name, content)) == name


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("report.pdf", b"<html><script>alert(1)</script></html>"),  # HTML posing as a PDF
        ("photo.png", PDF),  # wrong content for the name
        ("plan.docx", b"PK\x03\x04 not really a zip"),
        ("plan.docx", PDF),
        ("notes.txt", b"<!DOCTYPE html><html><body>hi</body></html>"),
        ("notes.txt", b"\xff\xfe\x00bad utf-8\x00"),
        ("page.html", b"<html></html>"),
        ("tool.exe", b"MZ\x90\x00"),
        ("image.svg", b"<svg onload='alert(1)'/>"),
        ("noextension", PDF),
        ("empty.pdf", b""),
    ],
)
def test_files_whose_content_does_not_match_are_refused(name, content):
    with pytest.raises(ValidationError):
        validate_upload(SimpleUploadedFile(name, content))


def test_size_limit(settings):
    settings.PORTAL_UPLOAD_MAX_BYTES = 1024
    with pytest.raises(ValidationError, match="too large"):
        validate_upload(SimpleUploadedFile("big.pdf", PDF + b"0" * 2048))


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("..\\..\\windows\\win.ini.txt", "win.ini.txt"),
        ("/absolute/path/report.pdf", "report.pdf"),
        ("my report (final).PDF", "my_report_final.pdf"),
        ("..", "file"),
        ("a" * 300 + ".pdf", "a" * 96 + ".pdf"),
        ("evil\x00name.pdf", "evilname.pdf"),
        ('<b onclick="x">a</b>.pdf', "b.pdf"),
    ],
)
def test_names_are_sanitised(raw, clean):
    assert sanitise_filename(raw) == clean


@pytest.mark.django_db
def test_path_traversal_in_an_upload_name_stays_inside_media_root(make_case, users, settings):
    case = make_case("draft")
    upload = SimpleUploadedFile("../../../../tmp/evil.pdf", PDF)
    attachment = services.attachment_add(
        actor=users.recipient, case=case, kind="proposal", title="", file=upload
    )
    path = attachment.file.path
    assert path.startswith(str(settings.MEDIA_ROOT))
    assert ".." not in attachment.file.name
    assert attachment.file.name.endswith("/evil.pdf")


@pytest.mark.django_db
def test_upload_page_refuses_a_disguised_file_and_stores_nothing(client, make_case, users):
    case = make_case("draft")
    client.force_login(users.recipient)
    response = client.post(
        f"/cases/{case.reference}/attachments/",
        {
            "kind": "proposal",
            "title": "Proposal",
            "file": SimpleUploadedFile("proposal.pdf", b"<html><script>x</script></html>"),
            "back": "detail",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "does not match" in response.content.decode()
    assert not Attachment.objects.filter(request=case).exists()


@pytest.mark.django_db
def test_download_is_an_attachment_with_a_safe_type(client, make_case, users):
    case = make_case("published")
    attachment = services.attachment_add(
        actor=users.unoda,
        case=case,
        kind="proposal",
        title="Plan",
        file=SimpleUploadedFile("plan.pdf", PDF),
    )
    url = f"/cases/{case.reference}/attachments/{attachment.pk}/"
    client.force_login(users.donor)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    # django-csp's per-view policy: nothing loads, sandboxed, should a browser ever render it.
    assert policy(response) == DOWNLOAD_POLICY
    assert b"".join(response.streaming_content) == PDF


@pytest.mark.django_db
def test_a_text_file_is_never_served_as_html(client, make_case, users):
    case = make_case("draft")
    attachment = services.attachment_add(
        actor=users.recipient,
        case=case,
        kind="other",
        title="Notes",
        file=SimpleUploadedFile("notes.txt", b"Some <b>notes</b>"),
    )
    client.force_login(users.recipient)
    response = client.get(f"/cases/{case.reference}/attachments/{attachment.pk}/")
    assert response["Content-Type"].startswith("text/plain")
    assert response["Content-Disposition"].startswith("attachment;")


@pytest.mark.django_db
def test_uploads_are_not_served_from_a_media_url(client, make_case, users, settings):
    case = make_case("draft")
    attachment = services.attachment_add(
        actor=users.recipient,
        case=case,
        kind="proposal",
        title="Plan",
        file=SimpleUploadedFile("plan.pdf", PDF),
    )
    client.force_login(users.unoda)
    assert client.get(f"/{settings.MEDIA_URL}{attachment.file.name}").status_code == 404
