"""Actuals of the results framework given with a progress report: the service
(``progress_report_submit(actuals=...)``), the plan page's form, and the case page's "Results"
(indicators against their targets, a chart per indicator, the marks)."""

import datetime
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from apps.cases import services as case_services
from apps.cases.models import Indicator
from apps.core.templatetags.portal import quantity
from apps.followup import services
from apps.followup.models import IndicatorActual, ProgressReport, ProgressReportAttachment

from ..factories import make_member, make_organization
from ..results_framework import make_framework

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name="evidence.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@pytest.fixture
def implementing(cofunded_case, users):
    case_services.request_transition(
        actor=users.unoda, case=cofunded_case, transition="start_implementation"
    )
    cofunded_case.refresh_from_db()
    return cofunded_case


@pytest.fixture
def framework(implementing):
    return make_framework(implementing)


def report_fields(**overrides):
    return {
        "period_start": datetime.date(2026, 2, 1),
        "period_end": datetime.date(2026, 4, 30),
        "status": "on_track",
        "percent_done": 25,
        "narrative": "Marking started in two districts.",
        **overrides,
    }


def submit(case, users, actuals=(), attachments=(), **overrides):
    return services.progress_report_submit(
        actor=users.recipient,
        agreement=case.agreement,
        actuals=actuals,
        attachments=attachments,
        **report_fields(**overrides),
    )


# --- The service -------------------------------------------------------------------------------


def test_actuals_are_stored_with_the_report_and_their_evidence(implementing, framework, users):
    report = submit(
        implementing,
        users,
        actuals=[
            {"indicator": framework.marked, "value": "1,000.5", "evidence": pdf("marking.pdf")},
            {"indicator": framework.trained.pk, "value": 12, "women": "5", "note": "Two courses"},
            {"indicator": framework.sites, "value": ""},  # left empty: allowed
        ],
    )
    actuals = {a.indicator_id: a for a in IndicatorActual.objects.filter(report=report)}
    assert set(actuals) == {framework.marked.pk, framework.trained.pk}
    marked = actuals[framework.marked.pk]
    assert marked.value == Decimal("1000.50")
    assert marked.evidence.report == report
    assert marked.evidence.title == "Evidence: Weapons marked"
    trained = actuals[framework.trained.pk]
    assert (trained.value, trained.women, trained.note) == (Decimal(12), Decimal(5), "Two courses")
    assert trained.evidence is None


def test_evidence_may_be_one_of_the_reports_attachments(implementing, framework, users):
    report = submit(
        implementing,
        users,
        attachments=[("Photos", pdf("photos.pdf")), ("Register", pdf("register.pdf"))],
        actuals=[{"indicator": framework.marked, "value": 40, "evidence_attachment": 1}],
    )
    actual = IndicatorActual.objects.get(report=report)
    assert actual.evidence.title == "Register"
    assert report.attachments.count() == 2


def test_every_bad_row_is_refused_with_the_reports_errors_and_nothing_is_stored(
    implementing, framework, users, make_case
):
    elsewhere = make_framework(make_case("draft")).marked
    with pytest.raises(ValidationError) as refused:
        submit(
            implementing,
            users,
            period_end=datetime.date(2026, 1, 1),  # before its start
            attachments=[("Photos", pdf())],
            actuals=[
                {"indicator": framework.marked, "value": "-3"},
                {"indicator": framework.trained, "value": "10", "women": "11"},
                {"indicator": framework.sites, "value": "101", "evidence": pdf("sites.pdf")},
                {"indicator": elsewhere, "value": "5"},
            ],
        )
    errors = refused.value.message_dict
    assert "period_end" in errors or "__all__" in errors
    assert errors[f"actual_{framework.marked.pk}_value"] == [
        "“Weapons marked”: the value reached cannot be negative."
    ]
    assert errors[f"actual_{framework.trained.pk}_women"] == [
        "“People trained”: the number of women cannot exceed the value reached."
    ]
    assert "at most 100" in errors[f"actual_{framework.sites.pk}_value"][0]
    assert "not an indicator of this case" in errors["actuals"][0]
    assert not ProgressReport.objects.exists()
    assert not ProgressReportAttachment.objects.exists()
    assert not IndicatorActual.objects.exists()


@pytest.mark.parametrize(
    ("row", "key", "message"),
    [
        ({"value": "12abc"}, "value", "Enter a number"),
        ({"value": "1,234"}, "value", "could be read as"),  # a thousands comma, or a decimal one?
        ({"value": "1.005"}, "value", "too many digits"),
        ({"value": "", "note": "Soon"}, "value", "or leave the whole row empty"),
        ({"value": "5", "women": "2"}, "women", "not counted by sex"),
        ({"value": "5", "evidence_attachment": 3}, "evidence", "the report has 0"),
    ],
)
def test_a_bad_row_says_what_is_wrong(implementing, framework, users, row, key, message):
    with pytest.raises(ValidationError) as refused:
        submit(implementing, users, actuals=[{"indicator": framework.marked, **row}])
    assert message in " ".join(refused.value.message_dict[f"actual_{framework.marked.pk}_{key}"])
    assert not ProgressReport.objects.exists()


def test_an_indicator_given_twice_or_an_unknown_key_is_refused(implementing, framework, users):
    with pytest.raises(ValidationError) as refused:
        submit(
            implementing,
            users,
            actuals=[
                {"indicator": framework.marked, "value": "1"},
                {"indicator": framework.marked, "value": "2"},
                {"indicator": framework.sites, "value": "2", "colour": "red"},
                {"indicator": "not a number", "value": "2"},
            ],
        )
    messages = refused.value.message_dict["actuals"]
    assert any("given twice" in m for m in messages)
    assert any("colour" in m for m in messages)
    assert any("not an indicator of this case" in m for m in messages)


def test_a_bad_evidence_file_is_refused(implementing, framework, users):
    fake = SimpleUploadedFile("sites.pdf", b"<html><script>x</script></html>")
    with pytest.raises(ValidationError) as refused:
        submit(implementing, users, actuals=[{"indicator": framework.marked, "value": 3,
                                              "evidence": fake}])  # fmt: skip
    assert refused.value.message_dict[f"actual_{framework.marked.pk}_evidence"][0].startswith(
        "sites.pdf: "
    )
    assert not ProgressReport.objects.exists()


# --- The plan page's form ----------------------------------------------------------------------


def plan(case):
    return f"/followup/{case.reference}/plan/"


def test_the_report_form_has_a_row_per_indicator(client, implementing, framework, users):
    client.force_login(users.recipient)
    page = client.get(plan(implementing)).content.decode()
    for indicator in (framework.sites, framework.marked, framework.trained):
        assert f'name="actual_{indicator.pk}_value"' in page
        assert f'name="actual_{indicator.pk}_evidence"' in page
    # "Of whom women" only where the indicator is counted by sex.
    assert f'name="actual_{framework.trained.pk}_women"' in page
    assert f'name="actual_{framework.marked.pk}_women"' not in page


def form_data(framework, **actuals):
    data = {
        "form": "report",
        "period_start": "2026-02-01",
        "period_end": "2026-04-30",
        "status": "on_track",
        "percent_done": "25",
        "narrative": "Typed with care.",
    }
    for key, value in actuals.items():
        name, field = key.rsplit("_", 1)
        data[f"actual_{getattr(framework, name).pk}_{field}"] = value
    return data


def test_the_state_reports_actuals_with_evidence_on_the_plan_page(
    client, implementing, framework, users
):
    client.force_login(users.recipient)
    data = form_data(
        framework, marked_value="1,250.5", trained_value="20", trained_women="8",
        trained_evidence=pdf("attendance.pdf"), trained_note="Two courses",
    )  # fmt: skip
    response = client.post(plan(implementing), data)
    assert response.status_code == 302
    actuals = {a.indicator_id: a for a in IndicatorActual.objects.select_related("evidence")}
    assert actuals[framework.marked.pk].value == Decimal("1250.5")
    assert actuals[framework.trained.pk].women == Decimal(8)
    assert actuals[framework.trained.pk].evidence.file.name.endswith(".pdf")
    assert framework.sites.pk not in actuals


def test_bad_actuals_show_next_to_their_row_and_keep_what_was_typed(
    client, implementing, framework, users
):
    client.force_login(users.recipient)
    data = form_data(framework, marked_value="-5", trained_value="3", trained_women="4")
    response = client.post(plan(implementing), data)
    assert response.status_code == 400
    form = response.context["report_form"]
    assert "cannot be negative" in form.errors[f"actual_{framework.marked.pk}_value"][0]
    assert "cannot exceed" in form.errors[f"actual_{framework.trained.pk}_women"][0]
    page = response.content.decode()
    assert "Typed with care." in page
    assert 'value="-5"' in page
    assert not ProgressReport.objects.exists()


# --- The case page -----------------------------------------------------------------------------


def case_page(client, user, case):
    client.force_login(user)
    response = client.get(f"/cases/{case.reference}/")
    assert response.status_code == 200
    return response.content.decode()


def results_section(page):
    return page.split('id="results"', 1)[1].split("</section>", 1)[0]


def reported(case, users, framework):
    first = submit(
        case, users, attachments=[("Register", pdf())],
        actuals=[{"indicator": framework.marked, "value": 50, "evidence_attachment": 0},
                 {"indicator": framework.trained, "value": 40, "women": 18}],
    )  # fmt: skip
    second = submit(
        case, users, period_start=datetime.date(2026, 5, 1),
        period_end=datetime.date(2026, 7, 31),
        actuals=[{"indicator": framework.marked, "value": "1,100.5"}],
    )  # fmt: skip
    return first, second


def test_the_case_page_shows_each_indicator_against_its_target(
    client, implementing, framework, users
):
    first, _second = reported(implementing, users, framework)
    section = results_section(case_page(client, users.unoda, implementing))
    # Outcomes first, then outputs.
    assert section.index("Outcomes") < section.index("Share of sites") < section.index("Outputs")
    assert section.index("Outputs") < section.index("Weapons marked")
    # Baseline and target with their dates, the values over time, the women.
    marked = section.split(f'id="indicator-{framework.marked.pk}"', 1)[1].split("</article>")[0]
    assert "1,000" in marked
    assert "Jan. 1, 2027" in marked
    assert "<td>April 30, 2026</td>" in marked
    assert "<td>July 31, 2026</td>" in marked
    assert ">50<" in marked
    assert ">1,100.5<" in marked
    evidence = first.attachments.get()
    assert f"/reports/attachments/{evidence.pk}/" in marked
    trained = section.split(f'id="indicator-{framework.trained.pk}"', 1)[1].split("</article>")[0]
    assert "Of whom women" in trained
    assert ">18<" in trained
    # The marks are words, not colours only.
    assert "Target met" in marked  # 1,100.5 of 1,000
    assert "Target met" in trained  # 40 of 40
    sites = section.split(f'id="indicator-{framework.sites.pk}"', 1)[1].split("</article>")[0]
    assert "No value reported yet." in sites
    assert "Behind schedule" not in sites


def test_an_indicator_behind_schedule_is_marked(client, implementing, framework, users):
    # By the end of July the line from 0 to 1,000 over 2026 expects about 578 weapons marked.
    submit(
        implementing, users, period_start=datetime.date(2026, 5, 1),
        period_end=datetime.date(2026, 7, 31),
        actuals=[{"indicator": framework.marked, "value": 100}],
    )  # fmt: skip
    section = results_section(case_page(client, users.recipient, implementing))
    marked = section.split(f'id="indicator-{framework.marked.pk}"', 1)[1].split("</article>")[0]
    assert 'class="result-flag behind">Behind schedule<' in marked
    assert "1 behind schedule" in section


def test_the_chart_is_an_image_with_a_text_and_the_values_are_in_a_table(
    client, implementing, framework, users
):
    reported(implementing, users, framework)
    section = results_section(case_page(client, users.recipient, implementing))
    marked = section.split(f'id="indicator-{framework.marked.pk}"', 1)[1].split("</article>")[0]
    svg = re.search(r"<svg[^>]*>.*?</svg>", marked, re.S).group(0)
    assert 'role="img"' in svg
    label = "Chart of “Weapons marked”. From the baseline of 0 to the target of 1,000. "
    label += "Latest value reached: 1,100.5."
    assert f'aria-label="{label}"' in svg.replace("&ldquo;", "“").replace("&rdquo;", "”")
    assert svg.count('class="chart-point"') == 2
    assert 'class="chart-plan"' in svg
    assert "<table" in marked
    assert "<caption" in marked


def test_the_section_in_arabic_writes_numbers_and_words_in_arabic(
    client, implementing, framework, users
):
    reported(implementing, users, framework)
    client.force_login(users.unoda)
    with translation.override("ar"):
        response = client.get(f"/cases/{implementing.reference}/", HTTP_ACCEPT_LANGUAGE="ar")
        shown = quantity(Decimal("1100.50"))  # as the project writes measured values in Arabic
    page = response.content.decode()
    assert 'dir="rtl"' in page
    section = results_section(page)
    assert f'<td class="figure">{shown}</td>' in section
    assert 'role="img"' in section


def test_the_new_styles_follow_the_direction_of_the_text():
    """No left or right in the styles of the results and the report form: logical properties
    only, so that the Arabic pages mirror them."""
    css = Path(settings.BASE_DIR, "static", "portal.css").read_text()
    rules = [line for line in css.splitlines() if re.search(
        r"case-results|result-flag|indicator-|actuals|report-actuals|actual-", line)]  # fmt: skip
    assert len(rules) > 10
    assert not [rule for rule in rules if re.search(r"\b(left|right)\b", rule)]
    assert ".indicator-chart" in Path(settings.BASE_DIR, "static", "portal-rtl.css").read_text()


def test_evidence_opens_for_the_parties_only(client, implementing, framework, users):
    first, _second = reported(implementing, users, framework)
    evidence = first.attachments.get()
    link = f"/reports/attachments/{evidence.pk}/"
    assert link in results_section(case_page(client, users.donor, implementing))  # a party
    # A donor that may read the case but did not sign sees the values, not the evidence.
    reader = make_member(make_organization("Germany", donor=True, country="DE"))
    outsider_view = results_section(case_page(client, reader, implementing))
    assert "Weapons marked" in outsider_view
    assert link not in outsider_view


def test_no_results_section_without_a_framework(client, implementing, users):
    assert 'id="results"' not in case_page(client, users.unoda, implementing)


def page_queries(client, case) -> int:
    url = f"/cases/{case.reference}/"
    client.get(url)  # what is kept between requests is read here
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_the_case_page_reads_the_agreement_and_its_reports_once(client, implementing, users):
    """The plan's overview carries the agreement it read: the page does not read it again
    (nor its donors and documents); the reports it lists tell which periods are reported."""
    client.force_login(users.unoda)
    url = f"/cases/{implementing.reference}/"
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    agreements = [
        q
        for q in captured.captured_queries
        if q["sql"].startswith('SELECT "followup_agreement"."id"')
    ]
    assert len(agreements) == 1
    reports = [
        q
        for q in captured.captured_queries
        if q["sql"].startswith('SELECT "followup_progressreport"."id"')
    ]
    assert len(reports) == 1


def test_the_results_cost_a_fixed_number_of_queries(client, implementing, users):
    client.force_login(users.unoda)
    without = page_queries(client, implementing)
    framework = make_framework(implementing)
    reported(implementing, users, framework)
    with_framework = page_queries(client, implementing)
    # The indicators, their actuals, and who may open the evidence (the user's organizations).
    assert with_framework - without <= 3
    for more in range(4):
        Indicator.objects.create(result=framework.output, name=f"More {more}", position=9)
    submit(
        implementing, users, period_start=datetime.date(2026, 8, 1),
        period_end=datetime.date(2026, 10, 31),
        actuals=[{"indicator": framework.marked, "value": 1200},
                 {"indicator": framework.sites, "value": 30}],
    )  # fmt: skip
    assert page_queries(client, implementing) == with_framework
