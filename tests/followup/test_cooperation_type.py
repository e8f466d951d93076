"""The type of cooperation of an agreement (issue 21): required when the agreement is recorded
(service and page), kept in the agreement's history when corrected, shown on the plan page and
the case page, and the effectiveness views grouped by it."""

import pytest
from django.core.exceptions import ValidationError

from apps.cases import services as case_services
from apps.cases.models import AssistanceRequest, StatusChange
from apps.followup import selectors, services
from apps.followup.models import Agreement, AgreementChange
from apps.funding.models import CooperationType

from ..conftest import RATINGS
from .conftest import agreement_data


def case_state(case):
    case = AssistanceRequest.objects.get(pk=case.pk)
    return case.status, StatusChange.objects.filter(request=case).count(), Agreement.objects.count()


@pytest.mark.parametrize("value", ["", None, "bilateral", "North-South"])
def test_an_agreement_without_a_valid_type_of_cooperation_is_refused(
    interest_case, orgs, users, value
):
    before = case_state(interest_case)
    data = agreement_data(cooperation_type=value)
    if value is None:
        del data["cooperation_type"]
    with pytest.raises(ValidationError) as error:
        services.agreement_record(
            actor=users.unoda, case=interest_case, donors=[orgs.donor], **data
        )
    assert "Choose the type of cooperation" in error.value.message_dict["cooperation_type"][0]
    assert case_state(interest_case) == before


@pytest.mark.parametrize("value", CooperationType.values)
def test_every_type_of_cooperation_is_recorded(interest_case, orgs, users, value):
    agreement = services.agreement_record(
        actor=users.unoda,
        case=interest_case,
        donors=[orgs.donor],
        **agreement_data(cooperation_type=value),
    )
    assert Agreement.objects.get(pk=agreement.pk).cooperation_type == value


def test_the_record_page_requires_the_type_and_keeps_what_was_typed(
    client, interest_case, orgs, users
):
    client.force_login(users.unoda)
    url = f"/followup/{interest_case.reference}/agreement/"
    page = client.get(url).content.decode()
    assert 'name="cooperation_type"' in page
    assert "South-South" in page
    data = {
        "signed_on": agreement_data()["signed_on"].isoformat(),
        "donors": [orgs.donor.pk],
        "amount": "5000",
        "currency": "USD",
        "start_date": "2026-02-01",
        "end_date": "2027-01-31",
        "reporting_interval_months": "3",
        "notes": "Typed by the officer",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert "cooperation_type" in response.context["form"].errors
    assert "Typed by the officer" in response.content.decode()
    assert not Agreement.objects.filter(request=interest_case).exists()
    response = client.post(url, {**data, "cooperation_type": "regional"})
    assert response.status_code == 302
    assert interest_case.__class__.objects.get(pk=interest_case.pk).agreement.cooperation_type == (
        "regional"
    )


def test_a_correction_of_the_type_is_kept_in_the_history_with_its_labels(cofunded_case, users):
    agreement = cofunded_case.agreement
    services.agreement_update(
        actor=users.unoda,
        agreement=agreement,
        kind="correction",
        reason="It goes through UNDP.",
        cooperation_type=CooperationType.MULTILATERAL,
    )
    change = AgreementChange.objects.get(agreement=agreement)
    assert change.changes == {"cooperation_type": ["triangular", "multilateral"]}
    assert [(str(label), old, new) for label, old, new in change.rows] == [
        ("Type of cooperation", "Triangular", "Multilateral (through a UN entity or fund)")
    ]


def test_the_type_cannot_be_emptied_by_a_correction(cofunded_case, users):
    agreement = cofunded_case.agreement
    with pytest.raises(ValidationError) as error:
        services.agreement_update(
            actor=users.unoda,
            agreement=agreement,
            kind="correction",
            reason="Unknown after all.",
            cooperation_type="",
        )
    assert "cooperation_type" in error.value.message_dict
    agreement.refresh_from_db()
    assert agreement.cooperation_type == "triangular"
    assert not AgreementChange.objects.exists()


def test_an_agreement_from_before_the_type_can_still_be_corrected_and_shows_not_recorded(
    client, cofunded_case, users
):
    agreement = cofunded_case.agreement
    Agreement.objects.filter(pk=agreement.pk).update(cooperation_type="")
    client.force_login(users.unoda)
    plan = client.get(f"/followup/{cofunded_case.reference}/plan/").content.decode()
    assert "Type of cooperation" in plan
    assert "not recorded" in plan
    agreement.refresh_from_db()
    services.agreement_update(
        actor=users.unoda, agreement=agreement, kind="correction", reason="Typo", notes="Fixed"
    )
    agreement.refresh_from_db()
    assert (agreement.notes, agreement.cooperation_type) == ("Fixed", "")


def test_the_type_is_shown_on_the_plan_page_and_the_case_page(client, cofunded_case, users):
    for user in (users.unoda, users.recipient, users.donor):
        client.force_login(user)
        plan = client.get(f"/followup/{cofunded_case.reference}/plan/").content.decode()
        case_page = client.get(f"/cases/{cofunded_case.reference}/").content.decode()
        for page in (plan, case_page):
            assert "Type of cooperation" in page
            assert "<dd>Triangular</dd>" in page


# --- Effectiveness grouped by type of cooperation ----------------------------------------------


def _rate_and_close(case, users, *, recipient, donor, other_donor):
    services.feedback_submit(actor=users.recipient, case=case, **{**RATINGS, "overall": recipient})
    services.feedback_submit(actor=users.donor, case=case, **{**RATINGS, "overall": donor})
    services.feedback_submit(
        actor=users.other_donor, case=case, **{**RATINGS, "overall": other_donor}
    )
    case_services.request_transition(actor=users.unoda, case=case, transition="close")


def test_effectiveness_grouped_by_type_of_cooperation(feedback_case, make_case, users, orgs):
    # The triangular co-funded case: recipient 2, donors 5 and 4.
    _rate_and_close(feedback_case, users, recipient=2, donor=5, other_donor=4)
    # A North-South case (the test walk's type) with one donor: recipient 4, donor 3.
    north = make_case("feedback")
    services.feedback_submit(actor=users.recipient, case=north, **{**RATINGS, "overall": 4})
    services.feedback_submit(actor=users.donor, case=north, **{**RATINGS, "overall": 3})
    data = selectors.effectiveness_get(user=users.unoda)
    rows = [
        (r["cooperation_type"], str(r["label"]), r["n"], r["recipient"], r["donor"], r["gap"])
        for r in data["cooperation"]
    ]
    assert rows == [
        ("north_south", "North-South", 2, 4, 3, 1),
        ("triangular", "Triangular", 3, 2, 4.5, -2.5),
    ]


def test_the_effectiveness_page_shows_the_grouping(client, feedback_case, users):
    _rate_and_close(feedback_case, users, recipient=2, donor=5, other_donor=4)
    client.force_login(users.unoda)
    response = client.get("/followup/effectiveness/")
    assert response.status_code == 200
    html = response.content.decode()
    section = html[html.index('id="per-cooperation"') :]
    assert "<td>Triangular</td>" in section[: section.index("</table>")]
