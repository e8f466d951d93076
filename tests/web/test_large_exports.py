"""Exports of every case stay within PostgreSQL's 65,535 parameters a statement (the limit of
server-side binding, DATABASE_PREPARED_STATEMENTS): they read their rows in chunks."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.cases.models import AssistanceRequest, Category, Status
from apps.reports.iati import build_activities

pytestmark = pytest.mark.django_db

MANY = 65_600  # more cases than one statement can take parameters for


@pytest.fixture
def many_cases(orgs):
    """MANY cases: the first written by the ORM (bulk_create, as before), the others copied
    from it by PostgreSQL with their own reference and title (generate_series), every other
    column as the ORM wrote it. Building 65,600 model instances for bulk_create took about
    35 s; the copy takes a second or two."""
    since = timezone.now() - datetime.timedelta(days=3)
    [first] = AssistanceRequest.objects.bulk_create(
        [
            AssistanceRequest(
                reference=f"REQ-2026-{0:07d}",
                requesting_organization=orgs.recipient,
                title=f"Case {0}",
                budget_currency="USD",
                status=Status.AGREEMENT,
                status_changed_at=since,
            )
        ]
    )
    fields = [
        field
        for field in AssistanceRequest._meta.concrete_fields
        if not field.primary_key and not field.generated
    ]
    quote = connection.ops.quote_name
    pk = AssistanceRequest._meta.pk
    copied = {
        "reference": "'REQ-2026-' || lpad(n::text, 7, '0')",
        "title": "'Case ' || n::text",
    }
    columns = ", ".join(quote(field.column) for field in fields)
    values = ", ".join(copied.get(field.name, quote(field.column)) for field in fields)
    table = quote(AssistanceRequest._meta.db_table)
    with connection.cursor() as cursor:
        # Table and column names from the model, not from input.
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {values} "  # noqa: S608
            f"FROM {table}, generate_series(1, %s) AS n WHERE {quote(pk.column)} = %s",
            [MANY - 1, first.pk],
        )
    cases = list(AssistanceRequest.objects.order_by("pk")[:3])
    category = Category.objects.order_by("position").first()
    through = AssistanceRequest.categories.through
    through.objects.bulk_create(
        through(assistancerequest_id=case.pk, category_id=category.pk) for case in cases
    )
    assert AssistanceRequest.objects.count() == MANY
    return cases


def test_exports_of_every_case_are_read_in_batches(client, users, many_cases):
    client.force_login(users.unoda)
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/cases/export.csv?view=all")
    assert response.status_code == 200
    lines = response.getvalue().decode().splitlines()
    assert len(lines) == MANY + 1  # the heading, then every case
    category = Category.objects.order_by("position").first()
    first_two = [
        line for line in lines if line.startswith(("REQ-2026-0000000,", "REQ-2026-0000001,"))
    ]
    assert len(first_two) == 2
    assert all(category.name in line for line in first_two)  # each batch with its categories
    assert len(captured) < 4 * MANY / 500 + 10  # a few queries a batch of 500, not one a row
    # No statement names more values than one can bind (the tests bind on the client, as the
    # portal does by default, so PostgreSQL itself would not refuse it here): a statement's
    # values are its IN lists, counted by their commas.
    assert max(query["sql"].count(",") for query in captured) < 65_535

    with CaptureQueriesContext(connection) as captured:
        document = build_activities(user=users.unoda)
    assert document.count(b"<iati-activity ") == MANY
    assert max(query["sql"].count(",") for query in captured) < 65_535
