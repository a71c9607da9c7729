"""o2c-hub: a self-hosted integration hub for the order-to-cash process."""

from importlib.resources import files
from pathlib import Path

#: Everything the hub reads at run time ships inside this package.
PACKAGE = Path(str(files(__name__)))
#: JSON Schemas: config, recipe, dunning policy, and the canonical O2C entities (o2c/).
SCHEMAS = PACKAGE / "schemas"
#: What ``o2c-hub init DIR`` writes: config.yaml, recipes/, dunning.yaml, samples/.
STARTER = PACKAGE / "starter"


def __getattr__(name: str) -> str:
    """``hub.__version__``, read from the installed package's metadata when first asked for."""
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("o2c-hub")
    except PackageNotFoundError:  # imported from a source tree that was never installed
        return "0.0.0+unknown"
