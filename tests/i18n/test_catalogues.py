"""The five translation catalogues are complete and up to date.

Fails, listing the messages, when an entry of ``locale/<lang>/LC_MESSAGES/django.po`` is
untranslated (any plural form empty) or fuzzy, when a language has no catalogue, and when the
code or templates contain a message that a catalogue lacks (``makemessages`` was not re-run):
the messages are extracted afresh with ``makemessages`` from a copy of the sources.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.utils.translation import to_locale

ROOT = Path(settings.BASE_DIR)
LANGUAGES = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
SOURCES = ("apps", "benchmarks", "config", "templates", "manage.py")
# The one command that updates the catalogues (docs/languages.md).
MAKEMESSAGES_IGNORE = (".venv", ".cache", "node_modules", "staticfiles", "tests")


def catalogue_path(language: str) -> Path:
    return ROOT / "locale" / to_locale(language) / "LC_MESSAGES" / "django.po"


def read(path: Path):
    with path.open("rb") as handle:
        return read_po(handle, abort_invalid=True)


def keys(catalogue) -> set:
    return {(message.context, message.id) for message in catalogue if message.id}


def describe(key) -> str:
    context, msgid = key
    text = msgid[0] if isinstance(msgid, tuple) else msgid
    return f"{text!r}" + (f" (context {context!r})" if context else "")


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> set:
    """(context, msgid) of every message in the sources, extracted the way makemessages does."""
    if shutil.which("xgettext") is None:
        pytest.fail("gettext is not installed (scripts/install.sh installs it)")
    copy = tmp_path_factory.mktemp("sources")
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, copy / name)
    (copy / "locale").mkdir()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    command = [sys.executable, "manage.py", "makemessages", "-l", "fr", "--no-location"]
    command += [f"--ignore={name}" for name in MAKEMESSAGES_IGNORE]
    subprocess.run(command, cwd=copy, env=env, check=True, capture_output=True)  # noqa: S603
    return keys(read(copy / "locale" / "fr" / "LC_MESSAGES" / "django.po"))


def test_there_is_a_catalogue_for_every_other_language():
    missing = [code for code in LANGUAGES if not catalogue_path(code).exists()]
    assert not missing, f"no locale/<lang>/LC_MESSAGES/django.po for {missing}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_is_complete_and_not_fuzzy(language):
    catalogue = read(catalogue_path(language))
    problems = []
    for message in catalogue:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            problems.append(f"fuzzy: {describe((message.context, message.id))}")
        elif not strings or not all(strings):
            problems.append(f"untranslated: {describe((message.context, message.id))}")
    assert not problems, (
        f"{len(problems)} problems in {catalogue_path(language).relative_to(ROOT)}:\n"
        + "\n".join(problems)
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_has_every_message_of_the_sources(language, extracted):
    missing = extracted - keys(read(catalogue_path(language)))
    assert not missing, (
        f"{len(missing)} messages of the sources are not in "
        f"{catalogue_path(language).relative_to(ROOT)}; run makemessages (docs/languages.md) "
        "and translate them:\n" + "\n".join(sorted(map(describe, missing)))
    )


# The names ``makemessages`` looks for (xgettext's Python keywords and Django's own): a message
# given to a translation function under another name is never extracted, and shows in English
# in every language.
EXTRACTED = {"_", "gettext", "gettext_lazy", "gettext_noop", "ngettext", "ngettext_lazy",
             "pgettext", "pgettext_lazy", "npgettext", "npgettext_lazy"}  # fmt: skip


def test_translation_functions_keep_names_that_makemessages_extracts():
    import re

    imported = re.compile(
        r"from django\.utils\.translation import (?:\w+ as \w+|\w+)(?:, (?:\w+ as \w+|\w+))*"
    )
    alias = re.compile(r"(\w+) as (\w+)")
    unextracted = []
    for path in (ROOT / "apps").rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for line in path.read_text().splitlines():
            if match := imported.match(line.strip()):
                for name, as_name in alias.findall(match.group(0)):
                    if "gettext" in name and as_name not in EXTRACTED:
                        unextracted.append(f"{path.relative_to(ROOT)}: {name} as {as_name}")
    assert not unextracted, unextracted
