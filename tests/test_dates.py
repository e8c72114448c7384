"""The time helpers plugins share (``hub.dates``)."""
import datetime as dt
from types import SimpleNamespace

import pytest

from hub.dates import PRAGUE, format_day, format_moment, language, local_input, parse_local


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


@pytest.mark.parametrize("text, expected", [
    ("2026-12-07T16:15", utc(2026, 12, 7, 15, 15)),          # winter: UTC+1
    ("2026-07-01T09:00", utc(2026, 7, 1, 7, 0)),             # summer: UTC+2
    ("2026-07-01T09:00:30", utc(2026, 7, 1, 7, 0, 30)),      # a field with seconds
    (" 2026-07-01 09:00 ", utc(2026, 7, 1, 7, 0)),
    ("1.7.2026 9:00", utc(2026, 7, 1, 7, 0)),                # typed by hand, Czech style
    ("1. 7. 2026 9:00", utc(2026, 7, 1, 7, 0)),
    ("2026-07-01T09:00Z", utc(2026, 7, 1, 9, 0)),            # an API client's own offset
    ("2026-07-01T09:00+01:00", utc(2026, 7, 1, 8, 0)),
])
def test_parse_local_reads_prague_time_as_utc(text, expected):
    value = parse_local(text)
    assert value == expected
    assert value.utcoffset() == dt.timedelta(0)


@pytest.mark.parametrize("text", [None, "", "   ", "tomorrow", "2026-13-01T10:00",
                                  "2026-02-30T10:00", "2026-07-01T25:00", "07/01/2026 9:00"])
def test_parse_local_refuses_bad_input(text):
    assert parse_local(text) is None


def test_the_skipped_hour_in_march_moves_forward():
    # 29 March 2026: clocks go from 02:00 to 03:00; 02:30 does not exist in Prague.
    value = parse_local("2026-03-29T02:30")
    assert value == utc(2026, 3, 29, 1, 30)
    assert local_input(value) == "2026-03-29T03:30"
    assert parse_local("2026-03-29T01:59") == utc(2026, 3, 29, 0, 59)
    assert parse_local("2026-03-29T03:00") == utc(2026, 3, 29, 1, 0)


def test_the_repeated_hour_in_october_is_the_first():
    # 25 October 2026: 02:00-03:00 happens twice, first in summer time (UTC+2).
    assert parse_local("2026-10-25T02:30") == utc(2026, 10, 25, 0, 30)
    assert local_input(utc(2026, 10, 25, 0, 30)) == "2026-10-25T02:30"
    assert local_input(utc(2026, 10, 25, 1, 30)) == "2026-10-25T02:30"  # the second one
    assert parse_local("2026-10-25T03:00") == utc(2026, 10, 25, 2, 0)


@pytest.mark.parametrize("value", [utc(2026, 1, 15, 8, 5), utc(2026, 6, 30, 22, 45),
                                   utc(2026, 3, 29, 1, 0), utc(2026, 10, 25, 2, 0)])
def test_local_input_and_parse_local_are_inverses(value):
    text = local_input(value)
    assert len(text) == 16 and text[10] == "T"
    assert parse_local(text) == value


def test_local_input_of_nothing_and_of_other_zones():
    assert local_input(None) == ""
    assert local_input(dt.datetime(2026, 7, 1, 9, 0, tzinfo=PRAGUE)) == "2026-07-01T09:00"
    new_york = dt.timezone(dt.timedelta(hours=-4))
    assert local_input(dt.datetime(2026, 7, 1, 3, 0, tzinfo=new_york)) == "2026-07-01T09:00"


@pytest.mark.parametrize("locale_name, expected", [("cs", "cs"), ("en", "en"), ("de", "cs"),
                                                   ("", "cs")])
def test_language_is_one_of_the_content_languages(locale_name, expected):
    assert language(SimpleNamespace(locale_name=locale_name)) == expected


def test_language_without_a_locale_is_czech():
    assert language(SimpleNamespace()) == "cs"


def test_formats_across_the_change_of_clocks():
    assert format_moment(parse_local("2026-03-29T03:30"), "cs") == "29. 3. 2026 3:30"
    assert format_moment(parse_local("2026-03-28T03:30"), "cs") == "28. 3. 2026 3:30"
    assert format_day(utc(2026, 3, 28, 23, 30), "cs") == "29. 3. 2026"
    assert format_moment(None, "en") == format_day(None, "en") == ""
