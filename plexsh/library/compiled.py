"""Use the compiled (mypyc) build of the name parser, but only when it was built from the sources beside it.

`scripts/build-parser` (run by scripts/setup) compiles `titles.py` and `names.py` with mypyc into
`_compiled/`, with a manifest holding the SHA-256 of both sources and the interpreter's cache tag.
A scan spends most of its time parsing names, and compiled they parse about 1.3x faster. The
sources stay the truth: an edit, another Python, or `PLEXSH_PURE_PARSER=1` makes plexsh import the
`.py` files, so a stale build is never run.
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import os
import sys
from pathlib import Path

HERE = Path(__file__).parent
BUILD = HERE / "_compiled"
MODULES = ("titles", "names")  # titles first: names imports it
PACKAGE = __name__.rpartition(".")[0]


def sources_stamp() -> str:
    """The first line of the manifest of a build of today's sources for this interpreter."""
    digest = hashlib.sha256()
    for module in MODULES:
        digest.update((HERE / f"{module}.py").read_bytes())
    return f"{digest.hexdigest()} {sys.implementation.cache_tag}"


def built_files(shared: str) -> dict[str, Path]:
    """Each compiled module's full name and file: the two modules, and SHARED, the library holding
    the code of both (mypyc names it `<hash>__mypyc`, a top-level module)."""
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    files = {f"{PACKAGE}.{module}": BUILD / f"{module}{suffix}" for module in MODULES}
    files[shared] = BUILD / f"{shared}{suffix}"
    return files


class _CompiledParser:
    """A meta path finder that answers only for the compiled modules' names."""

    def __init__(self, files: dict[str, Path]):
        self.files = files

    def find_spec(self, fullname, path=None, target=None):
        file = self.files.get(fullname)
        if file is None or not os.access(file, os.R_OK):  # (a process of another user: the sources, then)
            return None
        return importlib.util.spec_from_file_location(fullname, file)


def current_build() -> tuple[dict[str, Path] | None, str]:
    """The compiled modules' files when the build is current; else None and why the parser runs as plain Python."""
    if os.environ.get("PLEXSH_PURE_PARSER"):
        return None, "PLEXSH_PURE_PARSER is set"
    try:
        stamp, shared = (BUILD / "manifest").read_text().split("\n")[:2]
    except (OSError, ValueError):
        return None, "not built (scripts/setup builds it)"
    if stamp != sources_stamp():
        return None, "built from other sources or for another Python (scripts/build-parser rebuilds it)"
    files = built_files(shared)
    if not all(file.is_file() for file in files.values()):
        return None, "its build is incomplete (scripts/build-parser rebuilds it)"
    return files, "compiled"


def install() -> bool:
    """Make the compiled parser what `import plexsh.library.names` loads, when it is current."""
    files, _ = current_build()
    if files is None or f"{PACKAGE}.names" in sys.modules:
        return False
    sys.meta_path.insert(0, _CompiledParser(files))
    return True


def in_use() -> bool:
    """Whether the name parser loaded is the compiled one."""
    names = sys.modules.get(f"{PACKAGE}.names")
    return names is not None and not str(getattr(names, "__file__", "")).endswith(".py")
