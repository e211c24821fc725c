"""`python -m plexsh` runs the command-line entry point."""

from plexsh.cli import main

raise SystemExit(main())
