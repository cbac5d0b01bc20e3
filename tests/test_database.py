import os

from django.db import connection


def test_it_runs_on_the_expected_database(db):
    """CI sets EXPECT_DB_VENDOR=postgresql for its second run: a silent fallback to SQLite fails."""
    expected = os.environ.get("EXPECT_DB_VENDOR", "sqlite")
    assert connection.vendor == expected
