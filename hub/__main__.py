"""``python -m hub`` is the ``o2c-hub`` command."""

from hub.cli import main

main()
