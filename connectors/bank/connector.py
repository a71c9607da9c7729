"""The ``bank`` connector kind: a watched folder of statement files."""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from connectors.bank.statement import import_statement
from hub.connector import Connector, Cursor, PolledRecord
from hub.errors import FatalError, RetriableError

RESOURCE = "statements"


def _prop(kind: str, title: str, description: str, examples: list, **extra: Any) -> dict[str, Any]:
    return {"type": kind, "title": title, "description": description, "examples": examples, **extra}


BANK_CONFIG_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "bank connection",
    "description": "A folder that bank statement files (camt.053 XML, MT940) are dropped into.",
    "type": "object",
    "required": ["folder"],
    "additionalProperties": False,
    "examples": [{"folder": "/srv/o2c/bank/inbox"},
                 {"folder": "/srv/o2c/bank/inbox", "pattern": "*.xml", "archive_folder": "/srv/o2c/bank/done"}],
    "properties": {
        "folder": _prop("string", "Folder", "Folder watched for statement files.", ["/srv/o2c/bank/inbox"]),
        "pattern": _prop("string", "Pattern", "Glob of the file names to read in the folder.", ["*.xml", "*.sta"], default="*"),
        "archive_folder": _prop("string", "Archive folder", "Files are moved here once every transaction was yielded; "
                                "they stay in place when absent (re-reads are deduplicated by transaction id).",
                                ["/srv/o2c/bank/done"]),
    },
}


class BankConnector(Connector):
    """Reads statement files from a folder; ``poll("statements")`` is the watched-folder trigger."""

    kind = "bank"
    config_schema = BANK_CONFIG_SCHEMA
    poll_batch = 1  # a file is archived once its last transaction is read: each is stored before
    #: A statement file (camt.053, MT940) as canonical bank_transaction records (o2c-hub bank import).
    import_statement = staticmethod(import_statement)

    def __init__(self, name: str, config: Mapping[str, Any]):
        super().__init__(name, config)
        self.folder = Path(config["folder"])
        self.pattern: str = config.get("pattern", "*")
        self.archive = Path(config["archive_folder"]) if config.get("archive_folder") else None

    def resources(self) -> frozenset[str]:
        return frozenset({RESOURCE})

    def poll(self, resource: str, cursor: Cursor) -> Iterator[PolledRecord]:
        """Every transaction of the files changed at or after ``cursor.start``, oldest file first."""
        if resource != RESOURCE:
            raise FatalError(f"unknown resource {resource!r} (known: {RESOURCE})", connection=self.name)
        for path, changed in self.changed_files(cursor.start):
            for record in import_statement(path):
                yield PolledRecord(id=record["id"], updated_at=changed, data=record)
            self._archive(path)

    def changed_files(self, since: datetime | None) -> list[tuple[Path, datetime]]:
        """(file, modification time) of the matching files changed at/after ``since``, oldest first."""
        if not self.folder.is_dir():
            raise RetriableError(f"statement folder {self.folder} is not there", connection=self.name)
        files = [(p, _mtime(p)) for p in self.folder.glob(self.pattern) if p.is_file() and not p.name.startswith(".")]
        return sorted(((p, m) for p, m in files if since is None or m >= since), key=lambda f: (f[1], f[0].name))

    def _archive(self, path: Path) -> None:
        """Move a fully read file out of the watched folder (never over an existing file)."""
        if self.archive is None:
            return
        self.archive.mkdir(parents=True, exist_ok=True)
        target = self.archive / path.name
        if target.exists():
            target = self.archive / f"{path.stem}.{int(_mtime(path).timestamp())}{path.suffix}"
        shutil.move(str(path), target)


def _mtime(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc)
