"""``python -m tradedeal`` runs the command line."""

from tradedeal.cli import main

raise SystemExit(main())
