"""Masking secrets before anything is printed, logged or stored.

A :class:`Redactor` knows every secret value of the running configuration (the properties
connector config schemas mark ``"secret": true``, the admin token, the database URL's password
and every value read from a ``*_FILE``) and masks them wherever they appear, plus the values of
keys that are secret by name (Authorization headers, passwords, tokens, API keys, client
secrets, private keys).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

MASK = "***"

_SECRET_KEY = re.compile(
    r"(authorization|password|passwd|secret|token|api[-_]?key|cookie|signature|webhook_url"
    r"|private[-_]?key|credential)",
    re.IGNORECASE,
)
# Values shorter than this are not masked inside free text: masking "a" everywhere helps nobody.
_MIN_SECRET_LEN = 4


class Redactor:
    """Masks known secret values and secret-named keys."""

    def __init__(self, secrets: Iterable[str] = ()):
        values = {s for s in secrets if isinstance(s, str) and len(s) >= _MIN_SECRET_LEN}
        # Longest first, so a secret containing another is masked whole.
        self._secrets = sorted(values, key=len, reverse=True)

    def text(self, value: str) -> str:
        """``value`` with every known secret replaced by ***."""
        if len(value) < _MIN_SECRET_LEN:
            return value
        for secret in self._secrets:
            if secret in value:
                value = value.replace(secret, MASK)
        return value

    def value(self, data: Any) -> Any:
        """A copy of ``data`` (JSON-like) with secrets masked, by key name and by value."""
        if isinstance(data, Mapping):
            return {k: MASK if _is_secret_key(k) and v else self.value(v) for k, v in data.items()}
        if isinstance(data, (list, tuple)):
            return [self.value(v) for v in data]
        if isinstance(data, str):
            return self.text(data)
        return data


@lru_cache(maxsize=4096)
def _is_secret_key(key: object) -> bool:
    # Cached: the same few hundred field names come back in every record of a run.
    return isinstance(key, str) and bool(_SECRET_KEY.search(key))


def secret_values(config: Any, schema: Mapping[str, Any]) -> list[str]:
    """Every value in ``config`` whose schema property is marked ``"secret": true``."""
    return [value for _, value in secret_fields(config, schema)]


def secret_fields(config: Any, schema: Mapping[str, Any],
                  path: tuple = ()) -> list[tuple[tuple, str]]:
    """(path, value) of every string in ``config`` under a property marked ``"secret": true``.

    A secret object or list (e.g. headers sent on every request) has every string in it secret.
    """
    if schema.get("secret"):
        return _strings(config, path)
    found: list[tuple[tuple, str]] = []
    if isinstance(config, Mapping):
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        for key, val in config.items():
            sub = props.get(key, extra if isinstance(extra, Mapping) else {})
            found += secret_fields(val, sub, (*path, key))
    elif isinstance(config, list) and isinstance(schema.get("items"), Mapping):
        for index, item in enumerate(config):
            found += secret_fields(item, schema["items"], (*path, index))
    for branch in schema.get("oneOf", []) + schema.get("anyOf", []):
        found += [f for f in secret_fields(config, branch, path) if f not in found]
    return found


def _strings(value: Any, path: tuple) -> list[tuple[tuple, str]]:
    if isinstance(value, str):
        return [(path, value)]
    if isinstance(value, Mapping):
        return [f for k, v in value.items() for f in _strings(v, (*path, k))]
    if isinstance(value, list):
        return [f for i, v in enumerate(value) for f in _strings(v, (*path, i))]
    return []


_URL_PASSWORD = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://[^/@:]*:([^/@]+)@")
_QUERY_PASSWORD = re.compile(r"[?&]password=([^&#]+)", re.IGNORECASE)


def url_secrets(url: str) -> list[str]:
    """The password of a database URL (``scheme://user:PASSWORD@host/db`` or ``?password=``),
    as written and percent-decoded, so either form is masked."""
    found = [m.group(1) for m in (_URL_PASSWORD.match(url), _QUERY_PASSWORD.search(url)) if m]
    return sorted({form for value in found for form in (value, unquote(value))})


class RedactingFilter(logging.Filter):
    """A logging filter that masks secrets in the formatted message."""

    def __init__(self, redactor: Redactor):
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.redactor.text(record.getMessage())
        record.args = None
        return True
