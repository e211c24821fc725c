"""`python -m plexsh` runs the command-line entry point."""

from plexsh.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
