"""The case lists (declared in apps/portal/tables.py and apps/funding/tables.py, rendered by
core/_table.html) and the case page's timeline: every cell escaped, labelled for the
narrow-screen layout, in the reader's language."""

import html
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone, translation
from django.utils.formats import date_format

from apps.cases.models import AssistanceKind, AssistanceRequest, Category, Status, StatusChange
from apps.core.choices import display_of
from apps.funding import services as funding_services
from apps.funding.models import Offer

pytestmark = pytest.mark.django_db


def _row(body: str, reference: str) -> str:
    match = re.search(r"<tr>(?:(?!</tr>).)*?" + re.escape(reference) + r".*?</tr>", body, re.S)
    assert match, f"no row for {reference}"
    return match.group(0)


def test_queue_row_cells_escaped_and_labelled(client, users, orgs, make_case):
    case = make_case("agreement", title="<script>alert(1)</script> & armoury")
    Category = case.categories.model
    case.categories.set(Category.objects.order_by("-position")[:3])  # added out of order
    mine = set(case.categories.all())
    in_order = html.escape(
        ", ".join(str(c) for c in Category.objects.order_by("position", "code") if c in mine)
    )
    funding_services.commitment_create(
        actor=users.unoda,
        case=case,
        donor=orgs.donor,
        amount="40000",
        currency="USD",
        status="committed",
    )
    AssistanceRequest.objects.filter(pk=case.pk).update(budget_amount=Decimal("100000"))
    client.force_login(users.unoda)
    row = _row(client.get("/cases/?view=all").content.decode(), case.reference)
    assert "<script>" not in row
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; armoury" in row
    assert f'<a class="reference" href="/cases/{case.reference}/">{case.reference}</a>' in row
    assert f'value="{case.reference}"' in row  # the bulk-assign checkbox, for UNODA
    assert '<td data-label="Status"><span class="status">Agreement</span></td>' in row
    assert '<td data-label="Funding gap"><span class="amount">$60,000.00</span></td>' in row
    assert '<td data-label="Case officer"><span class="muted">unassigned</span></td>' in row
    assert f'<td data-label="Categories">{in_order}</td>' in row  # as the case page lists them


def test_queue_rows_in_arabic(client, users, make_case):
    case = make_case("published")
    AssistanceRequest.objects.filter(pk=case.pk).update(case_officer=None, due_date="2000-01-01")
    client.force_login(users.unoda)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    row = _row(client.get("/cases/?view=all").content.decode(), case.reference)
    with translation.override("ar"):
        gettext = translation.gettext
        expected = {
            gettext("Status"): f'<span class="status">{display_of(Status, case.status)}</span>',
            gettext("Case officer"): f'<span class="muted">{gettext("unassigned")}</span>',
            gettext("Overdue"): f'<span class="flag-overdue">{gettext("overdue")}</span>',
            gettext("Funding gap"): "—",
        }
        texts = [gettext(t) for t in ("Status", "Case officer", "unassigned", "overdue")]
    # Every text is translated (a message makemessages did not find would stay in English).
    assert not {"Status", "Case officer", "unassigned", "overdue"} & set(texts)
    assert display_of(Status, case.status) != "Published"
    for label, cell in expected.items():
        assert f'<td data-label="{label}">{cell}</td>' in row


def test_needs_rows_show_gap_and_match(client, users, orgs, make_case):
    case = make_case("published", title="Mark & trace", budget_amount=Decimal("25000"))
    category = case.categories.model.objects.get(code="stockpile")
    case.categories.add(category)
    offer = Offer.objects.create(
        donor=orgs.donor, title="Armoury <upgrades>", currency="USD", valid_from="2020-01-01"
    )
    offer.categories.add(category)
    client.force_login(users.donor)
    row = _row(client.get("/funding/needs/").content.decode(), case.reference)
    assert "Mark &amp; trace" in row
    assert '<td data-label="Status"><span class="status">Published</span></td>' in row
    assert '<td data-label="Funding gap"><span class="amount">$25,000.00</span></td>' in row
    assert re.search(
        r'<td data-label="Match with your offers">\d+/100 \(Armoury &lt;upgrades&gt;\)</td>', row
    )
    assert 'value="' not in row  # no bulk-assign checkbox for donors


@pytest.mark.parametrize("language", ["en", "ar", "fr"])
def test_display_of_matches_djangos_display(make_case, language):
    case = make_case("submitted")
    change = StatusChange.objects.filter(request=case).latest("pk")
    with translation.override(language):
        field = AssistanceRequest._meta.get_field("status")
        expected = dict(field.flatchoices)[case.status]
        assert case.get_status_display() == str(expected)
        assert change.get_to_status_display() == str(expected)
    assert display_of(Status, "no-such-status") == "no-such-status"
    assert display_of(Status, None) == ""


def test_search_finds_a_title_in_the_language_it_was_written_in(client, users, make_case):
    """A State writes in Spanish; an officer reading in English sees the Spanish title, and
    finds the case by it, in the queue, on the published needs and in the admin."""
    spanish = make_case("published", title="Destrucción de armas", original_language="es")
    other = make_case("published", title="Border control")
    assert spanish.title_es == "Destrucción de armas"
    assert not spanish.title_en
    client.force_login(users.unoda)
    queue = client.get("/cases/", {"view": "all", "q": "destrucción"}).content.decode()
    assert spanish.reference in queue
    assert other.reference not in queue
    client.force_login(users.donor)
    needs = client.get("/funding/needs/", {"q": "armas"}).content.decode()
    assert spanish.reference in needs
    assert other.reference not in needs
    users.unoda.is_staff = users.unoda.is_superuser = True
    users.unoda.save()
    client.force_login(users.unoda)
    admin = client.get("/admin/cases/assistancerequest/", {"q": "armas"}).content.decode()
    assert spanish.reference in admin
    assert other.reference not in admin


def test_needs_query_count_does_not_grow_with_rows(
    client, users, orgs, make_case, django_assert_max_num_queries
):
    """Every cell filled (categories, kinds, a gap in another currency, a matching offer): the
    page reads the same number of queries for 3 rows as for 9."""
    category = Category.objects.get(code="stockpile")
    kind = AssistanceKind.objects.first()
    offer = Offer.objects.create(
        donor=orgs.donor, title="Armouries", currency="USD", valid_from="2020-01-01"
    )
    offer.categories.add(category)
    offer.kinds.add(kind)

    def add_cases(n):
        for _index in range(n):
            make_case(
                "published",
                budget_amount=Decimal("1000"),
                budget_currency="EUR",
                categories=[category],
                kinds=[kind],
            )

    add_cases(3)
    client.force_login(users.donor)
    with django_assert_max_num_queries(40) as few:
        client.get("/funding/needs/")
    add_cases(6)
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get("/funding/needs/").content.decode()
    assert body.count("(Armouries)") == 9


def _timeline(body: str) -> str:
    match = re.search(r'<ol class="timeline">(.*?)</ol>', body, re.S)
    assert match, "no timeline"
    return match.group(1)


def test_timeline_entries_escaped_ordered_and_internal_comments_for_unoda_only(
    client, users, make_case
):
    from apps.cases.services import comment_add

    case = make_case("submitted")
    users.unoda.first_name, users.unoda.last_name = "Ana", "<Officer>"
    users.unoda.save()
    users.recipient.first_name = users.recipient.last_name = ""
    users.recipient.save()
    comment_add(actor=users.unoda, case=case, body="Checked <b>twice</b>\r\nwith the mission")
    comment_add(actor=users.unoda, case=case, body="Internal & private", visibility="internal")
    comment_add(actor=users.recipient, case=case, body="Thanks")
    StatusChange.objects.filter(request=case).update(comment="Why <not> & how")
    client.force_login(users.unoda)
    timeline = _timeline(client.get(f"/cases/{case.reference}/").content.decode())
    items = re.findall(r"<li.*?</li>", timeline, re.S)
    change = StatusChange.objects.filter(request=case).latest("pk")
    assert len(items) == StatusChange.objects.filter(request=case).count() + 3
    status_item = next(item for item in items if "Submitted</strong>" in item)
    shown = date_format(timezone.localtime(change.created_at), "DATETIME_FORMAT")
    assert f'<time datetime="{change.created_at.isoformat()}">{shown}</time>' in status_item
    assert '<span class="arrow" aria-hidden="true">→</span> Submitted</strong>' in status_item
    assert change.actor == users.unoda
    assert (
        'Submitted</strong> (Ana &lt;Officer&gt;)<br><span dir="auto">Why &lt;not&gt; &amp; '
        "how</span></li>"
    ) in status_item
    shared, internal, by_recipient = items[-3:]
    assert shared.startswith("<li>")
    assert (
        'Ana &lt;Officer&gt;<br><span dir="auto">Checked &lt;b&gt;twice&lt;/b&gt;<br>with the '
        "mission</span>"
    ) in shared
    assert internal.startswith('<li class="internal">')
    assert (
        '<span class="tag">internal</span><br><span dir="auto">Internal &amp; private' in internal
    )
    # No full name: the username.
    assert '— recipient<br><span dir="auto">Thanks</span></li>' in by_recipient
    client.force_login(users.recipient)
    timeline = _timeline(client.get(f"/cases/{case.reference}/").content.decode())
    assert "Checked &lt;b&gt;twice" in timeline
    assert "Internal &amp; private" not in timeline


def test_timeline_in_arabic(client, users, make_case):
    case = make_case("submitted")
    client.force_login(users.unoda)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    timeline = _timeline(client.get(f"/cases/{case.reference}/").content.decode())
    with translation.override("ar"):
        submitted = display_of(Status, Status.SUBMITTED)
    assert submitted != "Submitted"
    assert f"→</span> {submitted}</strong>" in timeline


def _case_page_timeline(client, case, **params) -> tuple[str, list[str]]:
    """The case page's body and its timeline's entries."""
    body = client.get(f"/cases/{case.reference}/", params).content.decode()
    return body, re.findall(r"<li.*?</li>", _timeline(body), re.S)


def test_a_long_timeline_shows_its_latest_entries_and_the_whole_on_request(
    client, users, make_case
):
    """The case page shows the latest TIMELINE_RECENT entries (status changes and comments
    merged, oldest of them first) and links to the whole timeline; a State does not see,
    nor have counted, the internal comments among them."""
    from apps.cases.selectors import TIMELINE_RECENT
    from apps.cases.services import comment_add

    case = make_case("submitted")
    changes = StatusChange.objects.filter(request=case).count()
    for number in range(TIMELINE_RECENT + 5):
        comment_add(actor=users.unoda, case=case, body=f"Note {number:02}")
    comment_add(actor=users.unoda, case=case, body="Internal last", visibility="internal")
    client.force_login(users.unoda)
    body, items = _case_page_timeline(client, case)
    assert len(items) == TIMELINE_RECENT
    assert "Note 06" in items[0]
    assert "Internal last" in items[-1]
    assert f"The latest {TIMELINE_RECENT} entries are shown." in body
    assert 'href="?timeline=all#timeline"' in body
    whole, items = _case_page_timeline(client, case, timeline="all")
    assert len(items) == changes + TIMELINE_RECENT + 6
    assert "Show the whole timeline" not in whole
    client.force_login(users.recipient)
    body, items = _case_page_timeline(client, case)
    assert len(items) == TIMELINE_RECENT
    assert "Note 05" in items[0]
    assert "Note 24" in items[-1]
    assert "Internal last" not in body


def test_needs_pages_keep_the_filters(client, users, make_case):
    """The Next and Previous links of the published needs keep the search and filters."""
    for index in range(26):
        make_case("published", title=f"Armoury {index}")
    make_case("published", title="Border posts")
    client.force_login(users.donor)
    first = client.get("/funding/needs/", {"q": "armoury", "region": ""}).content.decode()
    assert 'href="?q=armoury&amp;region=&amp;page=2"' in first
    second = client.get("/funding/needs/", {"q": "armoury", "region": "", "page": "2"})
    body = second.content.decode()
    assert 'href="?q=armoury&amp;region=&amp;page=1"' in body
    assert body.count("Armoury ") == 1  # the 26th: the search still applies on page 2
    assert "Border posts" not in body


def test_needs_past_the_last_page_say_so_and_link_to_the_first(client, users, make_case):
    """The published needs are not counted (see peek_page): a page past the end says there is
    nothing to show and links to the first page, keeping the search."""
    make_case("published", title="Armoury")
    client.force_login(users.donor)
    body = client.get("/funding/needs/", {"q": "armoury", "page": "7"}).content.decode()
    assert "No published need to show." in body
    assert 'href="?q=armoury&amp;page=1">First page</a>' in body
    assert "Page 7" in body
    first = client.get("/funding/needs/", {"q": "armoury"}).content.decode()
    assert "Armoury" in first
    assert 'class="pagination"' not in first  # one page: no pagination at all


def test_officer_selects_list_active_officers_escaped_with_the_current_one_selected(
    client, users, make_case
):
    from tests.factories import UserFactory

    lucas = UserFactory(
        username="lucas", first_name="Lucas <b>", last_name="Martin", is_unoda_officer=True
    )
    UserFactory(username="gone", is_unoda_officer=True, is_active=False)
    case = make_case("submitted")
    case.case_officer = lucas
    case.save()
    client.force_login(users.unoda)
    page = client.get(f"/cases/{case.reference}/").content.decode()
    assign = re.search(r'<select[^>]* id="assign-officer">.*?</select>', page, re.S)
    assert assign, "no assign select on the case page"
    options = re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', assign.group(0))
    assert options[0] == ("", "", "—")
    assert (str(lucas.pk), " selected", "Lucas &lt;b&gt; Martin") in options
    assert (str(users.unoda.pk), "", users.unoda.get_full_name()) in options
    assert "gone" not in assign.group(0)
    queue = client.get("/cases/?view=all").content.decode()
    bulk = re.search(r'<select[^>]* required id="bulk-officer">.*?</select>', queue, re.S)
    assert bulk, "no bulk-assign select on the queue"
    assert f'<option value="{lucas.pk}">Lucas &lt;b&gt; Martin</option>' in bulk.group(0)
    assert " selected" not in bulk.group(0).replace('<option value="" selected>', "")


@pytest.mark.parametrize(
    ("who", "offered"),
    [("unoda", True), ("recipient", True), ("donor", False), ("outsider", False)],
)
def test_write_a_new_request_is_offered_to_unoda_and_requesting_states(client, users, who, offered):
    from apps.cases.permissions import can_start_a_request

    user = getattr(users, who)
    assert can_start_a_request(user) is offered
    client.force_login(user)
    assert ("Write a new request" in client.get("/cases/").content.decode()) is offered
    user.is_active = False
    assert can_start_a_request(user) is False


def test_no_request_to_write_and_no_officer_to_assign_offer_nothing(client, users, make_case):
    """UNODA is offered "Write a new request" only when some organization requests
    assistance, and the case page's Assign form only when there is an officer to choose."""
    from apps.accounts.models import User
    from apps.organizations.models import Organization

    case = make_case("submitted")
    superuser = User.objects.create_superuser("root", "root@example.org", "x" * 14)
    User.objects.filter(is_unoda_officer=True).update(is_unoda_officer=False)
    client.force_login(superuser)
    assert 'id="assign-officer"' not in client.get(f"/cases/{case.reference}/").content.decode()
    assert "Write a new request" in client.get("/cases/").content.decode()
    Organization.objects.update(is_recipient=False)
    assert "Write a new request" not in client.get("/cases/").content.decode()
