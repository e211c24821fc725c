"""The demo: a generated NAS tree under the plexsh home, with its own config and catalog, made once."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from plexsh.home import demo_dir

NAS_FOLDERS = ("Movies", "Movies2", "TV", "TV2")


@dataclass(frozen=True)
class Demo:
    library: Path
    config: Path
    database: Path


def demo_paths() -> Demo:
    base = demo_dir()
    return Demo(base / "library", base / "config.yaml", base / "plexsh.db")


def demo_config_text(demo: Demo) -> str:
    lib, local = demo.library, demo.library.parent / "local"

    def q(path: Path) -> str:
        return json.dumps(str(path))  # a JSON string is a valid YAML scalar, whatever the path holds

    return f"""\
# The plexsh demo: a generated NAS tree of small sparse files. Safe to delete; `plexsh --demo` makes it again.
sources:
  movies: [{q(lib / 'Movies')}, {q(lib / 'Movies2')}]
  tv: [{q(lib / 'TV')}, {q(lib / 'TV2')}]
destinations:
  movies: {q(local / 'Movies')}
  tv: {q(local / 'TV')}
"""


def prepare_demo(say=None) -> Demo:
    """Create the demo library and its config if they are not there yet; return where they are."""
    from plexsh.demo.fakelib import make_demo_library

    demo = demo_paths()
    if not all((demo.library / folder).is_dir() for folder in NAS_FOLDERS):
        if say:
            say(f"creating the demo library in {demo.library} ...")
        demo.library.mkdir(parents=True, exist_ok=True)
        make_demo_library(demo.library)
    if not demo.config.exists():
        demo.config.write_text(demo_config_text(demo), encoding="utf-8")
    return demo
