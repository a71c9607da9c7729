"""``o2c-hub init DIR``: a folder to run the hub from, written from the starter the package ships.

    DIR/config.yaml      every key; URLs point at the demo sandboxes, secrets come from ${ENV_VARS}
    DIR/recipes/*.yaml   the bundled recipes
    DIR/dunning.yaml     a dunning policy
    DIR/samples/*.json   a sample storefront order
    DIR/var/             where the default SQLite database goes (relative to config.yaml)

Nothing is ever overwritten: if any of these files exists already, init writes nothing.
"""

from __future__ import annotations

import shlex
from collections import Counter
from importlib.resources.abc import Traversable
from pathlib import Path, PurePosixPath

import click

from hub import STARTER
from hub.cli_common import fail
from hub.errors import StarterFilesExist

#: Only these kinds of file are starter content (a checkout's starter folder may hold a demo's var/).
STARTER_SUFFIXES = (".yaml", ".json")


def starter_files(root: Traversable = STARTER,
                  prefix: PurePosixPath = PurePosixPath()) -> dict[PurePosixPath, Traversable]:
    """Every file of the starter, by its path relative to the starter folder, sorted."""
    found: dict[PurePosixPath, Traversable] = {}
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        if entry.is_dir():
            found |= starter_files(entry, prefix / entry.name)
        elif entry.name.endswith(STARTER_SUFFIXES):
            found[prefix / entry.name] = entry
    return found


def write_site(directory: Path) -> list[PurePosixPath]:
    """Copy the starter into ``directory`` and make its var/; return what was written.

    Raise StarterFilesExist if any of them is there already (then nothing is written)."""
    files = starter_files()
    taken = [directory / relative for relative in files if (directory / relative).exists()]
    if taken:
        raise StarterFilesExist(taken)
    for relative, source in files.items():
        target = directory / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("xb") as out:  # exclusive: never replaces a file made meanwhile
            out.write(source.read_bytes())
    (directory / "var").mkdir(exist_ok=True)
    return list(files)


@click.command("init")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def init(directory: Path) -> None:
    """Write a config.yaml, the bundled recipes, a dunning policy and a sample order into
    DIRECTORY (made if missing), ready to validate and run; never overwrites a file."""
    try:
        written = write_site(directory)
    except StarterFilesExist as exc:
        fail(f"{exc}; init overwrites nothing, so choose a new or empty folder")
    except OSError as exc:
        fail(f"cannot write into {directory}: {exc.strerror or exc}")
    _report(directory, written)


def _report(directory: Path, written: list[PurePosixPath]) -> None:
    folders = Counter(p.parts[0] for p in written if len(p.parts) > 1)
    for path in (p for p in written if len(p.parts) == 1):
        click.echo(f"wrote {directory / path}")
    for folder, count in sorted(folders.items()):
        click.echo(f"wrote {directory / folder}/ ({count} file(s))")
    click.echo(f"made  {directory / 'var'}/ (the SQLite database goes here)")
    click.echo("next:")
    click.echo(f"  cd {shlex.quote(str(directory))} && o2c-hub validate recipes/ && o2c-hub demo")
    click.echo("to go live, point config.yaml's URLs at your systems, give the secrets it names "
               "as environment variables, then: o2c-hub run")
