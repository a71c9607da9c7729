"""o2c-hub: a self-hosted integration hub for the order-to-cash process."""

from importlib.metadata import PackageNotFoundError, version
from importlib.resources import files
from pathlib import Path

try:
    __version__ = version("o2c-hub")
except PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "0.0.0+unknown"

#: Everything the hub reads at run time ships inside this package.
PACKAGE = Path(str(files(__name__)))
#: JSON Schemas: config, recipe, dunning policy, and the canonical O2C entities (o2c/).
SCHEMAS = PACKAGE / "schemas"
#: What ``o2c-hub init DIR`` writes: config.yaml, recipes/, dunning.yaml, samples/.
STARTER = PACKAGE / "starter"
