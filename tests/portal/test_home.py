"""The home page reads the same queries whatever the number of cases on it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("who", ["recipient", "donor"])
def test_the_home_page_reads_the_same_queries_whatever_the_number_of_cases(
    client, users, make_case, who
):
    def add_rows():
        return [make_case("needs_revision"), make_case("implementation"), make_case("published")]

    first = add_rows()
    client.force_login(getattr(users, who))
    client.get("/")  # the reference data and the session, read once
    with CaptureQueriesContext(connection) as few:
        assert client.get("/").status_code == 200
    more = [case for _n in range(3) for case in add_rows()]
    with CaptureQueriesContext(connection) as many:
        body = client.get("/").content.decode()
    assert len(many) == len(few)
    if who == "recipient":
        # Each question from UNODA is listed with the comment it was returned with.
        for case in [first[0], *more[::3]]:
            assert case.reference in body
        assert body.count("Because the test says so.") == 4
