"""The IATI Standard's rulesets that can be checked offline, applied to the portal's IATI files.

Two parts:
- ``standard_failures`` reads the IATI Standard's 2.03 ruleset (``rulesets-standard.json`` in
  ../shared/iati, or the older copy pyIATI ships) and applies its rules with lxml's XPath: every
  rule kind of the JS validator's spec (rulesets-SPEC.rst) except those that need the IATI
  Registry. ``idCondition`` (whether an identifier is already registered) cannot be known
  offline, so those rules always apply, and the approved prefixes of organisation identifiers
  are the few below.
- ``portal_failures`` adds what the ruleset leaves to the IATI Validator's other checks: codes
  from the code lists (kept here, small: the codes the files may use, from the 2.03 code lists),
  transaction dates, budgets and planned disbursements within the activity's period, one
  narrative per language.

Both return a list of ``Failure``; a test asserts that the list is empty. Errors and warnings
alike fail: the files are meant to pass the Validator clean.
"""

import datetime
import json
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from babel.numbers import list_currencies
from django.conf import settings
from django.utils import timezone
from django_countries import countries
from lxml import etree

RULESET_FILES = [
    Path(settings.BASE_DIR).parent / "shared" / "iati" / "rulesets-standard.json",
    Path(settings.BASE_DIR)
    / ".cache/pyiati/iati/resources/standard/2-03/rulesets/standard_ruleset.json",
]
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# Prefixes of organisation identifiers (org-id.guide) the portal's organisations may use.
ORG_ID_PREFIXES = ("XM-DAC-", "XI-IATI-", "XM-OCHA-", "XI-GRID-", "XI-PB-", "XI-WIKIDATA-")

# The 2.03 code lists (non-embedded ones as the IATI Standard keeps them today), the codes the
# portal's files may use; an element or attribute ``path`` (XPath from the activity) must hold
# a code of its list.
CODELISTS = {
    "ActivityStatus": ("activity-status/@code", {"1", "2", "3", "4", "5", "6"}),
    "ActivityDateType": ("activity-date/@type", {"1", "2", "3", "4"}),
    "TransactionType": (
        "transaction/transaction-type/@code",
        {str(code) for code in range(1, 14)},  # 11 incoming commitment, 12 outgoing pledge
    ),
    "OrganisationRole": ("participating-org/@role", {"1", "2", "3", "4"}),
    "OrganisationType": (
        ".//*[self::participating-org or self::reporting-org or self::provider-org"
        " or self::receiver-org]/@type",
        {"10", "11", "15", "21", "22", "23", "24", "30", "40", "60", "70", "71", "72", "73"}
        | {"80", "90"},
    ),
    "SectorVocabulary": (
        "sector/@vocabulary",
        {*(str(code) for code in range(1, 11)), "98", "99"},
    ),
    # DAC 5-digit codes of conflict, peace and security (152): the sectors the portal reports.
    "Sector": (
        "sector[@vocabulary='1' or not(@vocabulary)]/@code",
        {"15210", "15220", "15230", "15240", "15250", "15261"},
    ),
    "TagVocabulary": ("tag/@vocabulary", {"1", "2", "3", "4", "5", "6", "99"}),
    "CollaborationType": ("collaboration-type/@code", {"1", "2", "3", "4", "6", "7", "8"}),
    "BudgetType": ("budget/@type | planned-disbursement/@type", {"1", "2"}),
    "BudgetStatus": ("budget/@status", {"1", "2"}),
    "DescriptionType": ("description/@type", {"1", "2", "3", "4"}),
    "RelatedActivityType": ("related-activity/@type", {"1", "2", "3", "4", "5"}),
    "DocumentCategory": (
        "document-link/category/@code",
        {f"A{n:02}" for n in range(1, 13)} | {f"B{n:02}" for n in range(1, 19)},
    ),
    "FileFormat": ("document-link/@format", {"application/pdf", "text/html"}),
    # The six UN languages in ISO 639-1, as IATI writes them.
    "Language": (
        "@xml:lang | .//narrative/@xml:lang",
        {"ar", "zh", "en", "fr", "ru", "es"},
    ),
    "Currency": (".//@currency | @default-currency", set(list_currencies())),
    "Country": ("recipient-country/@code", {code for code, _name in countries}),
}


@dataclass(frozen=True)
class Failure:
    rule: str  # the ruleset's id (e.g. "11.1.2") or "portal:<name>"
    message: str
    where: str  # the activity's identifier, or the context's tag

    def __str__(self) -> str:
        return f"{self.rule} at {self.where}: {self.message}"


def load_ruleset() -> dict:
    for path in RULESET_FILES:
        if path.exists():
            return json.loads(path.read_text(encoding="utf-8"))
    raise AssertionError(f"IATI rulesets not found in {RULESET_FILES}: run scripts/install.sh")


# --- the IATI Standard's ruleset --------------------------------------------------------------


def standard_failures(document, ruleset: dict, *, now: datetime.date | None = None):
    now = now or timezone.localdate()  # the day the files are checked
    tree = document.getroottree()
    failures = []
    for context, rules in ruleset.items():
        for element in tree.xpath(context):
            for kind, block in rules.items():
                for case in block.get("cases", []):
                    if not _applies(element, case):
                        continue
                    if kind == "loop":
                        failures += _loop(element, case, now)
                    elif not _passes(kind, element, case, now):
                        failures.append(_failure(case, kind, element))
    return failures


def _failure(case, kind, element) -> Failure:
    info = case.get("ruleInfo") or {}
    return Failure(
        rule=info.get("id", kind),
        message=info.get("message", kind),
        where=_where(element),
    )


def _where(element) -> str:
    for ancestor in (element, *element.iterancestors()):
        if ancestor.tag in ("iati-activity", "iati-organisation"):
            identifier = ancestor.findtext("iati-identifier") or ancestor.findtext(
                "organisation-identifier"
            )
            return identifier or ancestor.tag
    return str(element.tag)


def _applies(element, case) -> bool:
    condition = case.get("condition")
    return condition is None or bool(element.xpath(condition))


def _values(element, paths) -> list[str]:
    found = []
    for path in paths:
        for value in element.xpath(path):
            found.append(value if isinstance(value, str) else (value.text or ""))
    return found


def _day(value: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def _days(element, path, now) -> list[datetime.date]:
    if path == "NOW":
        return [now]
    return [day for day in (_day(v) for v in _values(element, [path])) if day]


def _number(value: str) -> Decimal | None:
    try:
        return Decimal(value.strip())
    except InvalidOperation:
        return None


def _passes(kind, element, case, now) -> bool:
    paths = case.get("paths", [])
    if kind == "atleast_one":
        return bool(_values(element, paths))
    if kind == "no_more_than_one":
        return len(_values(element, paths)) <= 1
    if kind == "one_or_all":
        if element.xpath(case["one"]):
            return True
        if case["all"] == "lang":
            return all(n.get(XML_LANG) for n in element.iter("narrative"))
        return all(v.get(case["all"]) for v in element.iter("value"))
    if kind == "date_order":
        less, more = _days(element, case["less"], now), _days(element, case["more"], now)
        return all(a <= b for a in less for b in more)
    if kind == "date_now":
        return all(day <= now for day in _days(element, case["date"], now))
    if kind == "time_limit":
        starts, ends = _days(element, case["start"], now), _days(element, case["end"], now)
        return all((end - start).days <= 365 for start in starts for end in ends)
    if kind == "between_dates":
        starts, ends = _days(element, case["start"], now), _days(element, case["end"], now)
        days = _days(element, case["date"], now)
        return all(s <= d <= e for d in days for s in starts for e in ends)
    if kind == "regex_matches":
        return all(re.search(case["regex"], v) for v in _values(element, paths))
    if kind == "regex_no_matches":
        return not any(re.search(case["regex"], v) for v in _values(element, paths))
    if kind == "no_spaces":
        return all(v == v.strip() for v in _values(element, paths))
    if kind == "range":
        numbers = [_number(v) for v in _values(element, paths)]
        low, high = Decimal(str(case.get("min", "-Infinity"))), Decimal(str(case["max"]))
        return all(n is not None and low <= n <= high for n in numbers)
    if kind in ("sum", "strict_sum"):
        numbers = [_number(v) for v in _values(element, paths)]
        return None not in numbers and sum(numbers) == Decimal(str(case["sum"]))
    if kind == "if_then":
        return not bool(element.xpath(case["if"])) or bool(element.xpath(case["then"]))
    if kind == "unique":
        values = _values(element, paths)
        return len(values) == len(set(values))
    if kind == "startswith":
        return _starts(element, case)
    if kind == "dependent":
        present = [bool(element.xpath(path)) for path in paths]
        return all(present) or not any(present)
    raise AssertionError(f"rule kind {kind!r} not implemented in tests/reports/iati_rules.py")


def _starts(element, case) -> bool:
    if case["prefix"] == ["ORG-ID-PREFIX"]:
        prefixes = ORG_ID_PREFIXES
    else:
        separator = case.get("separator", "")
        prefixes = tuple(f"{p}{separator}" for p in _values(element, case["prefix"]))
    return all(v.startswith(prefixes) for v in _values(element, case.get("paths", [])))


def _loop(element, case, now) -> list[Failure]:
    failures = []
    for value in dict.fromkeys(str(v) for v in element.xpath(case["foreach"])):
        for kind, block in case["do"].items():
            for inner in block["cases"]:
                # Every ``$1``, not only in the keys of ``subs``: the 2.1.2 loop lists "paths"
                # while its condition holds a ``$1`` too (and would never apply otherwise).
                substituted = {
                    key: item if key == "ruleInfo" else _substitute(item, value)
                    for key, item in inner.items()
                }
                if _applies(element, substituted) and not _passes(kind, element, substituted, now):
                    failures.append(_failure(substituted, kind, element))
    return failures


def _substitute(item, value: str):
    if isinstance(item, list):
        return [part.replace("$1", value) for part in item]
    return item.replace("$1", value) if isinstance(item, str) else item


# --- the portal's own checks ------------------------------------------------------------------


def portal_failures(document) -> list[Failure]:
    failures = []
    identifiers = [a.findtext("iati-identifier") for a in document.iter("iati-activity")]
    for identifier in {i for i in identifiers if identifiers.count(i) > 1}:
        failures.append(Failure("portal:unique", "The identifier is used twice.", identifier))
    for activity in document.iter("iati-activity"):
        where = activity.findtext("iati-identifier") or "iati-activity"
        for name, (path, codes) in CODELISTS.items():
            for code in activity.xpath(path):
                if str(code) not in codes:
                    failures.append(Failure(f"portal:codelist:{name}", f"{code!r}", where))
        failures += [Failure(rule, message, where) for rule, message in _period_checks(activity)]
        failures += [Failure(rule, message, where) for rule, message in _narrative_checks(activity)]
    return failures


def _period_checks(activity):
    """Transactions, budgets and planned disbursements within the activity's period: from its
    first start date (planned or actual) to its last end date (planned or actual)."""
    starts = _dates(activity, "activity-date[@type='1' or @type='2']/@iso-date")
    ends = _dates(activity, "activity-date[@type='3' or @type='4']/@iso-date")
    first, last = min(starts, default=None), max(ends, default=None)

    def within(day):
        return (first is None or first <= day) and (last is None or day <= last)

    for day in _dates(activity, "transaction/transaction-date/@iso-date"):
        if not within(day):
            yield "portal:transaction-in-period", f"Transaction dated {day} outside the activity."
    for tag in ("budget", "planned-disbursement"):
        for element in activity.findall(tag):
            start = _dates(element, "period-start/@iso-date")
            end = _dates(element, "period-end/@iso-date")
            for day in start + end:
                if not within(day):
                    yield f"portal:{tag}-in-period", f"{tag} period reaches {day}."
            for day in _dates(element, "value/@value-date"):
                if start and end and not start[0] <= day <= end[0]:
                    yield f"portal:{tag}-value-date", f"Value date {day} outside its period."
            if tag == "planned-disbursement" and start and end and (end[0] - start[0]).days > 365:
                yield "portal:planned-disbursement-period", "Period longer than one year."


def _dates(element, path) -> list[datetime.date]:
    return [day for day in (_day(str(v)) for v in element.xpath(path)) if day]


def _narrative_checks(activity):
    """Every narrative has text, and an element has at most one narrative per language."""
    default = activity.get(XML_LANG)
    for element in activity.iter():
        narratives = element.findall("narrative")
        languages = [n.get(XML_LANG, default) for n in narratives]
        if len(languages) != len(set(languages)):
            yield "portal:one-narrative-per-language", f"<{element.tag}> repeats a language."
        for narrative in narratives:
            if not (narrative.text or "").strip():
                yield "portal:narrative-text", f"<{element.tag}> has an empty narrative."


def failures(document, *, now: datetime.date | None = None) -> list[Failure]:
    """Every failure of ``document`` (an ``iati-activities`` or ``iati-organisations`` root)."""
    return [*standard_failures(document, load_ruleset(), now=now), *portal_failures(document)]


def parse(xml: bytes):
    return etree.fromstring(xml)
