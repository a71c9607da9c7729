"""o2c-hub: a self-hosted integration hub for the order-to-cash process."""

from pathlib import Path

__version__ = "0.1.0"

#: The repository root: schemas/, recipes/ and config.example.yaml live here.
ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "schemas"
