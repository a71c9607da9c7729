"""Source versions: which copy is older, by time, by number, by text, never by a wrong kind."""

from __future__ import annotations

import pytest

from hub.store.versions import is_older

CASES = [
    ("2026-12-07T10:15:02.123456+00:00", "2026-12-07T10:15:03+00:00", True),
    ("2026-12-07T10:15:03+00:00", "2026-12-07T10:15:02.123456+00:00", False),
    ("2026-12-07T11:15:02+01:00", "2026-12-07T10:15:02Z", False),
    ("2026-12-07T11:15:01+01:00", "2026-12-07T10:15:02z", True),
    ("2026-12-07 10:15:01", "2026-12-07T10:15:02+00:00", True),
    ("2026-12-06", "2026-12-07T00:00:00Z", True),
    ("9", "10", True),
    ("10", "9", False),
    ("1.5", "1.50", False),
    ("b-etag", "c-etag", True),
    ("2026-12-07T10:15:02Z", "17", False),
    ("17", "2026-12-07T10:15:02Z", False),
    ("NaN", "1", False),
    ("", "1", False),
    ("1", None, False),
    (None, "1", False),
]


@pytest.mark.parametrize(("incoming", "stored", "older"), CASES,
                         ids=[f"{a!r}<{b!r}" for a, b, _ in CASES])
def test_is_older(incoming, stored, older):
    assert is_older(incoming, stored) is older
