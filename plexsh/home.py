"""Where plexsh keeps its state: one home folder (PLEXSH_HOME or the platform's user data dir)."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP = "plexsh"


def home_dir() -> Path:
    """The folder holding the catalog, history, logs, trash and demo library."""
    named = os.environ.get("PLEXSH_HOME")
    return Path(named).expanduser() if named else Path(platformdirs.user_data_dir(APP))


def default_config_path() -> Path:
    """`$PLEXSH_HOME/config.yaml` when PLEXSH_HOME is set, else the platform's config dir."""
    if os.environ.get("PLEXSH_HOME"):
        return home_dir() / "config.yaml"
    return Path(platformdirs.user_config_dir(APP)) / "config.yaml"


def catalog_path() -> Path:
    return home_dir() / "plexsh.db"


def history_path() -> Path:
    return home_dir() / "history"


def demo_dir() -> Path:
    """The demo's own corner of the home: its library, config, catalog and local copies."""
    return home_dir() / "demo"
