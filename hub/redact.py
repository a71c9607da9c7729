"""Masking secrets before anything is printed, logged or stored.

A :class:`Redactor` knows every secret value of the running configuration (the properties
connector config schemas mark ``"secret": true``) and masks them wherever they appear, plus
the values of keys that are secret by name (Authorization headers, passwords, tokens).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

MASK = "***"

_SECRET_KEY = re.compile(
    r"(authorization|password|passwd|secret|token|api[-_]?key|cookie|signature|webhook_url)",
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
    found: list[str] = []
    if schema.get("secret") and isinstance(config, str):
        return [config]
    if isinstance(config, Mapping):
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        for key, val in config.items():
            sub = props.get(key, extra if isinstance(extra, Mapping) else {})
            found += secret_values(val, sub)
    elif isinstance(config, list) and isinstance(schema.get("items"), Mapping):
        for item in config:
            found += secret_values(item, schema["items"])
    for branch in schema.get("oneOf", []) + schema.get("anyOf", []):
        found += secret_values(config, branch)
    return found


class RedactingFilter(logging.Filter):
    """A logging filter that masks secrets in the formatted message."""

    def __init__(self, redactor: Redactor):
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.redactor.text(record.getMessage())
        record.args = None
        return True
