"""Where the vendors' published samples are: ../shared/fixtures beside the checkout
(or $O2C_FIXTURES)."""

from __future__ import annotations

import os
from pathlib import Path

FIXTURES = Path(os.environ.get("O2C_FIXTURES", Path(__file__).resolve().parents[3] / "shared" / "fixtures"))
