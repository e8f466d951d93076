"""Write the UN's country and territory names into the portal: apps/organizations/un_names.py
(the English names, marked for translation) and their five other languages into the catalogues.

Source: the Countries & Territories Taxonomy of OCHA's Humanitarian Data Exchange, shipped in
the hdx-python-country package, which carries the UNTERM short names in the six languages for
Member and observer States, and the UN M49 names for the other territories. Run it when the
UN changes a name:

    pip download --no-deps hdx-python-country -d /tmp/hdx && unzip -o /tmp/hdx/*.whl -d /tmp/hdx
    .venv/bin/python scripts/un_country_names.py \
        "/tmp/hdx/hdx/location/Countries & Territories Taxonomy MVP - C&T Taxonomy.csv"
    .venv/bin/ruff format apps/organizations/un_names.py
    .venv/bin/python manage.py compilemessages --ignore=.venv --ignore=.cache

Where neither list names a territory in a language (Taiwan), django-countries' own name stays.
The Russian M49 list gives a few territories in an oblique case; those are set in the
nominative below, as labels need.
"""

import csv
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULE = ROOT / "apps" / "organizations" / "un_names.py"
CONTEXT = "country name"
LANGUAGES = {
    "fr": "French",
    "es": "Spanish",
    "ru": "Russian",
    "zh_Hans": "Chinese",
    "ar": "Arabic",
}
NOMINATIVE_RU = {
    "AQ": "Антарктида",
    "AX": "Аландские острова",
    "CC": "Кокосовые (Килинг) острова",
    "KY": "Каймановы острова",
}


def names(row, language):
    return row[f"{language} Short"].strip() or row[f"M49 {language}"].strip()


def po_string(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_module(rows):
    lines = [
        '"""The UN\'s short names of countries and territories (UNTERM, else UN M49), given to',
        "django-countries as COUNTRIES_OVERRIDE; their translations are in the catalogues.",
        'Written by scripts/un_country_names.py: edit there, not here."""',
        "",
        "from django.utils.translation import pgettext_lazy",
        "",
        "UN_COUNTRY_NAMES = {",
    ]
    for code, row in rows:
        english = names(row, "English") or row["Preferred Term"].strip()
        lines.append(f"    {code!r}: pgettext_lazy({CONTEXT!r}, {english!r}),")
    lines += ["}", ""]
    MODULE.write_text("\n".join(lines), encoding="utf-8")


def fill_catalogue(path, translations):
    """Set the msgstr of each 'country name' entry to the UN's name, adding missing entries at
    the end (makemessages keeps them and puts them in order on its next run)."""
    text = path.read_text(encoding="utf-8")
    entry = re.compile(
        r'(?:#, fuzzy\n)?(?:#\|.*\n)*msgctxt "country name"\nmsgid (".*")\nmsgstr ".*"'
    )

    def replace(match):
        english = match.group(1)[1:-1].replace('\\"', '"')
        translated = translations.get(english)
        if translated is None:
            return match.group(0).replace("#, fuzzy\n", "")
        return f'msgctxt "country name"\nmsgid {match.group(1)}\nmsgstr {po_string(translated)}'

    text = entry.sub(replace, text)
    present = set(re.findall(r'msgctxt "country name"\nmsgid (".*")', text))
    missing = [
        f'msgctxt "country name"\nmsgid {po_string(english)}\nmsgstr {po_string(local)}\n'
        for english, local in translations.items()
        if po_string(english) not in present
    ]
    path.write_text(text.rstrip("\n") + "\n\n" + "\n".join(missing), encoding="utf-8")


def main(csv_path):
    import django
    from django.conf import settings
    from django.utils import translation

    settings.configure(USE_I18N=True, INSTALLED_APPS=["django_countries"])
    django.setup()
    from django_countries.data import COUNTRIES

    with open(csv_path, encoding="utf-8") as source:
        taxonomy = {
            row["ISO 3166-1 Alpha 2-Codes"]: row
            for row in csv.DictReader(source)
            if row["ISO 3166-1 Alpha 2-Codes"]
        }
    rows = [(code, taxonomy[code]) for code in sorted(COUNTRIES) if code in taxonomy]
    write_module(rows)
    for folder, language in LANGUAGES.items():
        translations = {}
        for code, row in rows:
            english = names(row, "English") or row["Preferred Term"].strip()
            local = NOMINATIVE_RU.get(code) if folder == "ru" else None
            local = local or names(row, language)
            if not local:
                with translation.override(folder.replace("_", "-").lower()):
                    local = str(COUNTRIES[code])
            if local:
                translations[english] = local
        fill_catalogue(ROOT / "locale" / folder / "LC_MESSAGES" / "django.po", translations)


if __name__ == "__main__":
    main(sys.argv[1])
