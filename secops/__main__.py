"""``python -m secops`` runs the command line."""

from secops.cli import main

main()
