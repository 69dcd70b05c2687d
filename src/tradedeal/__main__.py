"""``python -m tradedeal`` runs the command line."""

from tradedeal.present.cli import main

raise SystemExit(main())
