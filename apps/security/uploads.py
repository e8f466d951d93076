"""Upload checks shared by every service that stores a file: the type is decided by the file's
content (never by its name), the size is bounded, and the stored name is sanitised."""

import io
import os
import unicodedata
import zipfile

from csp.constants import NONE
from csp.decorators import csp
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

MAX_NAME_LENGTH = 100

# extension -> kind of content it must have
EXTENSION_KIND = {
    "pdf": "pdf",
    "png": "png",
    "jpg": "jpeg",
    "jpeg": "jpeg",
    "docx": "ooxml",
    "xlsx": "ooxml",
    "pptx": "ooxml",
    "odt": "odf",
    "ods": "odf",
    "doc": "ole",
    "xls": "ole",
    "csv": "text",
    "txt": "text",
}
# Safe content types to send back (never text/html, never anything a browser would run).
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "ooxml": "application/octet-stream",
    "odf": "application/octet-stream",
    "ole": "application/octet-stream",
    "text": "text/plain; charset=utf-8",
}
OOXML_MARKERS = {"docx": "word/", "xlsx": "xl/", "pptx": "ppt/"}
ODF_MIMETYPES = {
    "odt": b"application/vnd.oasis.opendocument.text",
    "ods": b"application/vnd.oasis.opendocument.spreadsheet",
}
OLE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")


def sanitise_filename(name: str) -> str:
    """The last path component only, NFC-normalised, reduced to safe characters, bounded."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = name.replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in name if ch.isprintable())
    base, dot, ext = name.rpartition(".")
    if not dot:
        base, ext = name, ""
    base = base.strip(" .") or "file"
    try:
        base = get_valid_filename(base)
    except Exception:
        base = "file"
    ext = get_valid_filename(ext).lower() if ext.strip(" .") else ""
    base = base[: MAX_NAME_LENGTH - len(ext) - 1] if ext else base[:MAX_NAME_LENGTH]
    return f"{base}.{ext}" if ext else base


def _extension(name: str) -> str:
    return name.rpartition(".")[2].lower() if "." in name else ""


def _read(file) -> bytes:
    file.seek(0)
    data = file.read()
    file.seek(0)
    return data


def _zip_names(data: bytes) -> list[str] | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return None


def _content_matches(ext: str, data: bytes) -> bool:
    kind = EXTENSION_KIND[ext]
    if kind == "pdf":
        return data.startswith(b"%PDF-")
    if kind == "png":
        return data.startswith(b"\x89PNG\r\n\x1a\n")
    if kind == "jpeg":
        return data.startswith(b"\xff\xd8\xff")
    if kind == "ole":
        return data.startswith(OLE_MAGIC)
    if kind == "ooxml":
        names = _zip_names(data)
        return (
            bool(names)
            and "[Content_Types].xml" in names
            and any(n.startswith(OOXML_MARKERS[ext]) for n in names)
        )
    if kind == "odf":
        names = _zip_names(data)
        if not names or "mimetype" not in names:
            return False
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return archive.read("mimetype").strip() == ODF_MIMETYPES[ext]
    if kind == "text":
        if b"\x00" in data:
            return False
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return False
        head = text.lstrip()[:512].lower()
        return not head.startswith(("<!doctype", "<html", "<script", "<svg", "<?xml"))
    return False


def validate_upload(file, *, allowed_extensions=None) -> str:
    """Check ``file`` (an UploadedFile or File); return the sanitised name to store it under.

    Raises ValidationError when the name's extension is not allowed, the content does not match
    it, or the file is empty or larger than ``PORTAL_UPLOAD_MAX_BYTES``.
    """
    allowed = set(allowed_extensions or EXTENSION_KIND) & set(EXTENSION_KIND)
    name = sanitise_filename(getattr(file, "name", "") or "")
    ext = _extension(name)
    if ext not in allowed:
        raise ValidationError(
            _("Files of this type are not accepted. Allowed: %(types)s.")
            % {"types": ", ".join(sorted(allowed))},
            code="file_type",
        )
    size = getattr(file, "size", None)
    if size is None:
        size = len(_read(file))
    if size == 0:
        raise ValidationError(_("The file is empty."), code="file_empty")
    if size > settings.PORTAL_UPLOAD_MAX_BYTES:
        raise ValidationError(
            _("The file is too large: at most %(size)s MB.")
            % {"size": settings.PORTAL_UPLOAD_MAX_BYTES // (1024 * 1024)},
            code="file_size",
        )
    if not _content_matches(ext, _read(file)):
        raise ValidationError(
            _("The file's content does not match its type (.%(ext)s).") % {"ext": ext},
            code="file_content",
        )
    return name


def safe_content_type(name: str) -> str:
    ext = _extension(os.path.basename(name))
    kind = EXTENSION_KIND.get(ext)
    return CONTENT_TYPES.get(kind, "application/octet-stream")


# A stored file's own Content-Security-Policy, should a browser ever open it rather than save
# it: nothing loads and it runs sandboxed (django-csp's per-view policy replaces the site's).
download_policy = csp({"default-src": [NONE], "sandbox": True})
