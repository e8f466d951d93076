"""Realistic demo data: organizations across regions, users of every role, cases in every state.

Other apps add their own demo data: an app with a ``demo`` module that defines
``load_demo(*, rng, orgs, users)`` is called after the cases exist, in INSTALLED_APPS order.
Idempotent: run it again and it only prints the demo logins.
"""

import random
import time
from datetime import timedelta
from decimal import Decimal

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import F
from django.test.utils import override_settings
from django.utils.module_loading import import_module, module_has_submodule

from apps.cases import services
from apps.cases.models import (
    AssistanceKind,
    AssistanceRequest,
    Category,
    NationalDocument,
    Status,
    StatusChange,
    Visibility,
)
from apps.cases.workflow import path_to
from apps.core.exceptions import ApplicationError
from apps.followup import demo as followup_demo
from apps.funding.services import interest_express
from apps.organizations.models import OrganizationKind, Region
from apps.organizations.services import membership_add, organization_create
from apps.reports.models import DashboardBuild
from apps.reports.rollup import dashboard_figures_build
from apps.security.demo_devices import DEMO_TOTP_KEY_BASE32, demo_totp_device

DEMO_PASSWORD = "demo-portal-2026"  # noqa: S105 - printed for the demo on purpose

K = OrganizationKind
R = Region
# name, acronym, kind, country, region, recipient, donor
# The DAC codes the IATI files use for donor governments (XM-DAC-<DAC member code>); the other
# demo organisations have none and are named without one (see docs/iati.md).
IATI_IDENTIFIERS = {
    "Canada": "XM-DAC-301",
    "Japan": "XM-DAC-701",
    "Germany": "XM-DAC-5",
    "Norway": "XM-DAC-8",
    "Switzerland": "XM-DAC-11",
    "Australia": "XM-DAC-801",
}
ORGANIZATIONS = [
    ("Burkina Faso", "", K.STATE, "BF", R.AFRICA, True, False),
    ("Sierra Leone", "", K.STATE, "SL", R.AFRICA, True, False),
    ("Kenya", "", K.STATE, "KE", R.AFRICA, True, False),
    ("Mali", "", K.STATE, "ML", R.AFRICA, True, False),
    ("Niger", "", K.STATE, "NE", R.AFRICA, True, False),
    ("Liberia", "", K.STATE, "LR", R.AFRICA, True, False),
    ("South Africa", "", K.STATE, "ZA", R.AFRICA, True, True),
    ("Guatemala", "", K.STATE, "GT", R.AMERICAS, True, False),
    ("Honduras", "", K.STATE, "HN", R.AMERICAS, True, False),
    ("Jamaica", "", K.STATE, "JM", R.AMERICAS, True, False),
    ("Brazil", "", K.STATE, "BR", R.AMERICAS, True, True),
    ("Canada", "", K.STATE, "CA", R.AMERICAS, False, True),
    ("Cambodia", "", K.STATE, "KH", R.ASIA, True, False),
    ("Philippines", "", K.STATE, "PH", R.ASIA, True, False),
    ("Iraq", "", K.STATE, "IQ", R.ASIA, True, False),
    ("Jordan", "", K.STATE, "JO", R.ASIA, True, False),
    ("Japan", "", K.STATE, "JP", R.ASIA, False, True),
    ("Bosnia and Herzegovina", "", K.STATE, "BA", R.EUROPE, True, False),
    ("Republic of Moldova", "", K.STATE, "MD", R.EUROPE, True, False),
    ("Germany", "", K.STATE, "DE", R.EUROPE, False, True),
    ("Norway", "", K.STATE, "NO", R.EUROPE, False, True),
    ("Switzerland", "", K.STATE, "CH", R.EUROPE, False, True),
    ("Côte d'Ivoire", "", K.STATE, "CI", R.AFRICA, True, False),
    ("Democratic Republic of the Congo", "", K.STATE, "CD", R.AFRICA, True, False),
    ("Lao People's Democratic Republic", "", K.STATE, "LA", R.ASIA, True, False),
    ("Türkiye", "", K.STATE, "TR", R.ASIA, False, True),
    ("Papua New Guinea", "", K.STATE, "PG", R.OCEANIA, True, False),
    ("Fiji", "", K.STATE, "FJ", R.OCEANIA, True, False),
    ("Australia", "", K.STATE, "AU", R.OCEANIA, False, True),
    ("European Union", "EU", K.INTERGOVERNMENTAL, "", R.EUROPE, False, True),
    ("African Union", "AU", K.REGIONAL, "", R.AFRICA, False, True),
    (
        "Organization for Security and Co-operation in Europe",
        "OSCE",
        K.REGIONAL,
        "",
        R.EUROPE,
        False,
        True,
    ),
    ("United Nations Development Programme", "UNDP", K.UN_ENTITY, "", R.GLOBAL, False, True),
    (
        "United Nations Regional Centre for Peace and Disarmament in Africa",
        "UNREC",
        K.UN_ENTITY,
        "",
        R.AFRICA,
        False,
        False,
    ),
    (
        "United Nations Regional Centre for Peace, Disarmament and Development in Latin America "
        "and the Caribbean",
        "UNLIREC",
        K.UN_ENTITY,
        "",
        R.AMERICAS,
        False,
        False,
    ),
    (
        "United Nations Regional Centre for Peace and Disarmament in Asia and the Pacific",
        "UNRCPD",
        K.UN_ENTITY,
        "",
        R.ASIA,
        False,
        False,
    ),
    ("Small Arms Survey", "", K.CIVIL_SOCIETY, "CH", R.GLOBAL, False, False),
    ("Peace Dividend Foundation", "", K.FOUNDATION, "", R.GLOBAL, False, True),
]

# The UN's names of the regional and UN bodies in the five other languages: (name, acronym).
# States need none: their names are their countries' UN names (organizations.services).
TRANSLATED_NAMES = {
    "European Union": {
        "fr": ("Union européenne", "UE"),
        "es": ("Unión Europea", "UE"),
        "ru": ("Европейский союз", "ЕС"),  # noqa: RUF001 - Cyrillic on purpose
        "ar": ("الاتحاد الأوروبي", "الاتحاد الأوروبي"),
        "zh_hans": ("欧洲联盟", "欧盟"),
    },
    "African Union": {
        "fr": ("Union africaine", "UA"),
        "es": ("Unión Africana", "UA"),
        "ru": ("Африканский союз", "АС"),  # noqa: RUF001 - Cyrillic on purpose
        "ar": ("الاتحاد الأفريقي", "الاتحاد الأفريقي"),
        "zh_hans": ("非洲联盟", "非盟"),
    },
    "Organization for Security and Co-operation in Europe": {
        "fr": ("Organisation pour la sécurité et la coopération en Europe", "OSCE"),
        "es": ("Organización para la Seguridad y la Cooperación en Europa", "OSCE"),
        "ru": ("Организация по безопасности и сотрудничеству в Европе", "ОБСЕ"),
        "ar": ("منظمة الأمن والتعاون في أوروبا", "منظمة الأمن والتعاون"),
        "zh_hans": ("欧洲安全与合作组织", "欧安组织"),
    },
    "United Nations Development Programme": {
        "fr": ("Programme des Nations Unies pour le développement", "PNUD"),
        "es": ("Programa de las Naciones Unidas para el Desarrollo", "PNUD"),
        "ru": ("Программа развития Организации Объединенных Наций", "ПРООН"),
        "ar": ("برنامج الأمم المتحدة الإنمائي", "البرنامج الإنمائي"),
        "zh_hans": ("联合国开发计划署", "开发署"),
    },
    "United Nations Regional Centre for Peace and Disarmament in Africa": {
        "fr": ("Centre régional des Nations Unies pour la paix et le désarmement en Afrique", ""),
        "es": ("Centro Regional de las Naciones Unidas para la Paz y el Desarme en África", ""),
        "ru": (
            "Региональный центр Организации Объединенных Наций по вопросам мира и разоружения "
            "в Африке",
            "",
        ),
        "ar": ("مركز الأمم المتحدة الإقليمي للسلام ونزع السلاح في أفريقيا", ""),
        "zh_hans": ("联合国非洲和平与裁军区域中心", "非洲区域中心"),
    },
    "United Nations Regional Centre for Peace, Disarmament and Development in Latin America "
    "and the Caribbean": {
        "fr": (
            "Centre régional des Nations Unies pour la paix, le désarmement et le développement "
            "en Amérique latine et dans les Caraïbes",
            "",
        ),
        "es": (
            "Centro Regional de las Naciones Unidas para la Paz, el Desarme y el Desarrollo en "
            "América Latina y el Caribe",
            "",
        ),
        "ru": (
            "Региональный центр Организации Объединенных Наций по вопросам мира, разоружения и "
            "развития в Латинской Америке и Карибском бассейне",
            "",
        ),
        "ar": (
            "مركز الأمم المتحدة الإقليمي للسلام ونزع السلاح والتنمية في أمريكا اللاتينية "
            "ومنطقة البحر الكاريبي",
            "",
        ),
        "zh_hans": ("联合国拉丁美洲和加勒比和平、裁军与发展区域中心", "拉加区域中心"),
    },
    "United Nations Regional Centre for Peace and Disarmament in Asia and the Pacific": {
        "fr": (
            "Centre régional des Nations Unies pour la paix et le désarmement en Asie et dans "
            "le Pacifique",
            "",
        ),
        "es": (
            "Centro Regional de las Naciones Unidas para la Paz y el Desarme en Asia y el Pacífico",
            "",
        ),
        "ru": (
            "Региональный центр Организации Объединенных Наций по вопросам мира и разоружения "
            "в Азиатско-Тихоокеанском регионе",
            "",
        ),
        "ar": ("مركز الأمم المتحدة الإقليمي للسلام ونزع السلاح في آسيا والمحيط الهادئ", ""),
        "zh_hans": ("联合国亚洲及太平洋和平与裁军区域中心", "亚太区域中心"),
    },
}


def translated_names(name):
    """name_fr, acronym_fr... for organization_create; an empty acronym keeps the English."""
    fields = {}
    for language, (local_name, acronym) in TRANSLATED_NAMES.get(name, {}).items():
        fields[f"name_{language}"] = local_name
        if acronym:
            fields[f"acronym_{language}"] = acronym
    return fields


TITLES = [
    ("stockpile", "Upgrading armoury security at regional police depots"),
    ("marking", "Marking machines and training for the national police"),
    ("tracing", "Electronic record-keeping system for state-held firearms"),
    ("legislation", "Drafting a new firearms and ammunition law"),
    ("destruction", "Destruction of 12,000 surplus small arms"),
    ("border", "Training border and customs officers in detecting illicit weapons"),
    ("coordination", "Establishing a national commission on small arms"),
    ("collection", "Community weapons collection in border districts"),
    ("awareness", "Public awareness campaign on the risks of illicit weapons"),
    ("brokering", "Brokering controls: licensing and registry"),
    ("ddr", "Reintegration of former combatants with weapons collection"),
    ("research", "National baseline survey on small arms holdings"),
    ("law-enforcement", "Cross-border law-enforcement cooperation on arms trafficking"),
    ("crime-links", "Joint firearms and drug-trafficking investigations unit"),
]

COMMENTS = {
    "return_for_revision": "Please add the budget lines per activity and the beneficiaries.",
    "withdraw": "The activities are now covered by the national budget.",
    "decline": "Outside the scope of the Programme of Action.",
}


# Where the demo requests come from (the States' national reports and action plans).
NATIONAL_DOCUMENTS = [
    {
        "national_document": NationalDocument.NATIONAL_REPORT,
        "national_document_title": "National report on the implementation of the PoA",
        "national_document_year": 2024,
        "poa_cycle": 2024,
    },
    {
        "national_document": NationalDocument.NATIONAL_REPORT,
        "national_document_title": "National report on the implementation of the PoA",
        "national_document_year": 2022,
        "poa_cycle": 2022,
    },
    {
        "national_document": NationalDocument.ACTION_PLAN,
        "national_document_title": "National action plan on small arms and light weapons",
        "national_document_year": 2023,
    },
    {},
]


def _fire(officer, case, name):
    """Fire ``name`` as UNODA; a submission that looks like one of the State's own requests
    is confirmed as another need, as the State would (the warning: apps/cases/duplicates.py)."""
    try:
        services.request_transition(
            actor=officer, case=case, transition=name, comment=COMMENTS.get(name, "")
        )
    except ApplicationError as error:
        if error.code != "confirmation_required":
            raise
        services.request_transition(
            actor=officer,
            case=case,
            transition=name,
            comment="This request covers other districts than our earlier one.",
            confirmed=True,
        )


def _likely_duplicate(officer, state):
    """A second phase of one of ``state``'s requests under review, submitted as another need:
    the officer sees the first as its likely duplicate on the case page."""
    first = (
        AssistanceRequest.objects.filter(requesting_organization=state, status=Status.UNDER_REVIEW)
        .order_by("pk")
        .first()
    )
    if first is None:
        return
    fields = {name: getattr(first, name) for name in services.PROPOSAL_FIELDS}
    fields.update(
        title=f"{first.title}, second phase",
        summary=f"{state.name} asks for a second phase of {first.reference}.",
        categories=list(first.categories.all()),
        kinds=list(first.kinds.all()),
    )
    second = services.request_create(actor=officer, organization=state, **fields)
    _fire(officer, second, "submit")


# The activity lines of every demo request (the narrative above, as a list): the share of
# the budget each is estimated at, in percent.
ACTIVITY_LINES = [
    ("Needs assessment and baseline survey of the depots", 15),
    ("Procurement of equipment (doors, locks, alarms, racks)", 45),
    ("Training of 40 officers in stockpile management", 30),
    ("Evaluation and lessons learned", 10),
]


def activity_lines(budget: Decimal) -> list[dict]:
    return [
        {"description": text, "estimated_cost": (budget * share / 100).quantize(Decimal("1"))}
        for text, share in ACTIVITY_LINES
    ]


def _age(case, *, days: int) -> None:
    """Move a demo case and its history back in time, so reminders and durations look real."""
    shift = timedelta(days=days)
    AssistanceRequest.objects.filter(pk=case.pk).update(
        created_at=F("created_at") - shift, status_changed_at=F("status_changed_at") - shift
    )
    StatusChange.objects.filter(request=case).update(created_at=F("created_at") - shift)


class Command(BaseCommand):
    help = "Load realistic demo data and demo logins (one per role)."

    def add_arguments(self, parser):
        parser.add_argument("--per-state", type=int, default=2, help="Cases per lifecycle state.")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, per_state, seed, **options):
        User = get_user_model()
        self._started = time.monotonic()
        if User.objects.filter(username="officer").exists():
            self.stdout.write("Demo data already loaded.")
        else:
            self._stage(f"Loading demo data ({len(Status) * per_state} cases; about a minute)")
            # Demo notifications are real rows but no e-mail floods the console.
            dummy_mail = "django.core.mail.backends.dummy.EmailBackend"
            with override_settings(EMAIL_BACKEND=dummy_mail), transaction.atomic():
                rng = random.Random(seed)
                orgs, users = self._load(rng, per_state)
                for config in apps.get_app_configs():
                    if config.name.startswith("apps.") and module_has_submodule(
                        config.module, "demo"
                    ):
                        self._stage(f"Demo data of {config.label}")
                        import_module(f"{config.name}.demo").load_demo(
                            rng=rng, orgs=orgs, users=users
                        )
                self._stage("Saving (and the notifications' on-commit work)")
            self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        if not DashboardBuild.objects.exists():
            self._stage("Dashboard figures")
            dashboard_figures_build()  # the dashboard's figures, as the nightly build makes them
        for username in ("officer", "officer2", "admin"):
            demo_totp_device(User.objects.get(username=username))
        self._print_logins()

    def _stage(self, text: str) -> None:
        """One progress line, with the seconds since the command started (the output may be a
        log, not a terminal, so a line rather than a bar)."""
        self.stdout.write(f"[{time.monotonic() - self._started:5.1f} s] {text}")
        self.stdout.flush()

    def _user(self, username, first, last, **extra):
        User = get_user_model()
        user = User.objects.create_user(
            username=username,
            email=f"{username}@demo.example.org",
            password=DEMO_PASSWORD,
            first_name=first,
            last_name=last,
            **extra,
        )
        return user

    def _load(self, rng, per_state):
        self._stage(f"Organizations ({len(ORGANIZATIONS)})")
        orgs = {}
        for name, acronym, kind, country, region, recipient, donor in ORGANIZATIONS:
            orgs[name] = organization_create(
                name=name,
                acronym=acronym,
                kind=kind,
                country=country,
                region=region,
                is_recipient=recipient,
                is_donor=donor,
                iati_identifier=IATI_IDENTIFIERS.get(name, ""),
                **translated_names(name),
            )

        self._stage(f"Demo users ({len(orgs) + 7}, each password hashed)")
        officer = self._user("officer", "Amina", "Diallo", is_unoda_officer=True)
        officer2 = self._user("officer2", "Lucas", "Martin", is_unoda_officer=True)
        admin = self._user("admin", "Ada", "Admin", is_staff=True, is_superuser=True)
        recipient = self._user("recipient", "Mariama", "Kamara")
        membership_add(
            user=recipient, organization=orgs["Sierra Leone"], position="National point of contact"
        )
        donor = self._user("donor", "Kenji", "Sato", language="en")
        membership_add(user=donor, organization=orgs["Japan"], position="Desk officer")
        donor2 = self._user("donor2", "Lena", "Weber")
        membership_add(user=donor2, organization=orgs["Germany"], position="Desk officer")
        partner = self._user("partner", "Joseph", "Mensah")
        membership_add(
            user=partner,
            organization=orgs["United Nations Regional Centre for Peace and Disarmament in Africa"],
            position="Programme officer",
        )
        for index, org in enumerate(orgs.values(), start=1):
            member = self._user(f"member{index:02d}", "Demo", org.acronym or org.name[:20])
            membership_add(user=member, organization=org)

        recipients = [org for org in orgs.values() if org.is_recipient]
        donors = [org for org in orgs.values() if org.is_donor]
        categories = {c.code: c for c in Category.objects.all()}
        kinds = list(AssistanceKind.objects.all())
        number = 0
        total = len(Status) * per_state
        for status in Status:
            self._stage(f"Cases {number + 1}-{number + per_state} of {total}: {status.label}")
            for _copy in range(per_state):
                number += 1
                org = orgs["Sierra Leone"] if number % 4 == 1 else rng.choice(recipients)
                code, title = TITLES[number % len(TITLES)]
                visibility = rng.choice(
                    [
                        Visibility.ALL_DONORS,
                        Visibility.ALL_DONORS,
                        Visibility.PUBLIC_SUMMARY,
                        Visibility.SELECTED_DONORS,
                    ]
                )
                budget = Decimal(rng.randrange(50, 2000) * 1000)
                case = services.request_create(
                    actor=officer,
                    organization=org,
                    title=title,
                    summary=f"{org.name} asks for support: {title.lower()}.",
                    background="Surplus and poorly secured weapons feed armed violence.",
                    objectives=f"{title}: reduce diversion from state stockpiles within two years.",
                    activities="Assessment; procurement; training of 40 officers; evaluation.",
                    expected_results="All depots meet ISACS 05.20 standards.",
                    beneficiaries="National police and armed forces; border communities.",
                    national_ownership="Led by the national commission on small arms.",
                    sustainability="Maintenance budgeted by the ministry from year three.",
                    risks="Staff turnover; procurement delays.",
                    national_report_url="https://smallarms.un-arm.org/national-reports",
                    **rng.choice(NATIONAL_DOCUMENTS),
                    budget_amount=budget,
                    activity_lines=activity_lines(budget),
                    budget_currency=rng.choice(["USD", "USD", "EUR", "CHF"]),
                    duration_months=rng.choice([12, 18, 24, 36]),
                    priority=rng.choice([1, 2, 3]),
                    visibility=visibility,
                    categories=[categories[code]],
                    kinds=rng.sample(kinds, 2),
                    selected_donors=[orgs["Japan"], *rng.sample(donors, 2)],
                )
                if number % 3:
                    services.request_assign_officer(actor=officer, case=case, officer=officer)
                for name in path_to(status):
                    if name == "register_interest":
                        # Interest is a record of its own; recording it fires the transition.
                        interest_express(
                            actor=officer,
                            case=case,
                            donor=orgs["Japan"],
                            message="Japan would like to discuss this request.",
                        )
                        continue
                    if name in followup_demo.STEPS:
                        # Agreement and feedback records come with these steps.
                        followup_demo.walk_step(
                            case=case, transition=name, actor=officer, rng=rng, orgs=orgs
                        )
                        continue
                    _fire(officer, case, name)
                _age(case, days=rng.randint(1, 90))
        _likely_duplicate(officer, orgs["Sierra Leone"])
        users = {
            "officer": officer,
            "officer2": officer2,
            "admin": admin,
            "recipient": recipient,
            "donor": donor,
            "donor2": donor2,
            "partner": partner,
        }
        return orgs, users

    def _print_logins(self):
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD})")
        rows = [
            ("recipient", "recipient", "Sierra Leone, national point of contact"),
            ("donor", "donor", "Japan, desk officer"),
            ("second donor", "donor2", "Germany, desk officer"),
            ("partner", "partner", "UNREC (Africa), implementing partner: reports progress"),
            ("UNODA officer", "officer", "UNODA case officer and coordinator (sets rates)"),
            ("UNODA officer", "officer2", "UNODA case officer, not a coordinator"),
            ("admin", "admin", "system administrator, /admin/"),
        ]
        for role, username, who in rows:
            self.stdout.write(f"  {role:<14} {username:<10} {who}")
        self.stdout.write(
            "the officers and admin sign in with two-factor authentication too: add the demo key "
            f"{DEMO_TOTP_KEY_BASE32} to an authenticator app, or print the current code with\n"
            "  .venv/bin/python manage.py totp_code officer"
        )
