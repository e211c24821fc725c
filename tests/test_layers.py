"""Data flows one way (docs/architecture.md): commands → domain → render; no module imports a layer above it."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "plexsh"

# Who may import the verbs: the verbs themselves, the one dispatcher (session.py) and the shell.
MAY_IMPORT_COMMANDS = ("plexsh.commands", "plexsh.session", "plexsh.shell")
# The domain (catalog, sources, names; jobs, supervisor, copiers) and the language import none of these.
DOMAIN = ("plexsh.library", "plexsh.engine", "plexsh.lang")
ABOVE_THE_DOMAIN = ("plexsh.commands", "plexsh.shell", "plexsh.session", "plexsh.cli", "plexsh.render",
                    "plexsh.reply", "plexsh.jobreplies", "plexsh.transfers")
# The glue between a Session and the engine is domain too: it never builds replies or draws.
SESSION_GLUE = ("plexsh.transfers",)


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path, package: str = "plexsh") -> set[str]:
    """Every plexsh module the file (in `package`) imports, at its top or inside a function;
    `from plexsh import transfers` and `from . import x` count as importing that module."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1]) if node.level else ""
            module = ".".join(part for part in (base, node.module or "") if part)
            names.add(module)
            names |= {f"{module}.{alias.name}" for alias in node.names}  # a name may be a module
    return {name for name in names if name == "plexsh" or name.startswith("plexsh.")}


def within(name: str, layers: tuple[str, ...]) -> bool:
    return any(name == layer or name.startswith(layer + ".") for layer in layers)


def package_of(path: Path) -> str:
    name = module_name(path)
    return name if path.name == "__init__.py" else name.rpartition(".")[0]


def imports_by_module() -> dict[str, set[str]]:
    return {module_name(path): imported(path, package_of(path)) for path in sorted(PACKAGE.rglob("*.py"))}


def test_only_the_dispatcher_and_the_shell_import_the_verbs():
    wrong = {module: sorted(n for n in names if within(n, ("plexsh.commands",)))
             for module, names in imports_by_module().items() if not within(module, MAY_IMPORT_COMMANDS)}
    assert not {m: n for m, n in wrong.items() if n}


def test_the_domain_never_imports_the_verbs_the_shell_or_the_rendering():
    wrong = {module: sorted(n for n in names if within(n, ABOVE_THE_DOMAIN))
             for module, names in imports_by_module().items() if within(module, DOMAIN + SESSION_GLUE)}
    assert not {m: n for m, n in wrong.items() if n}


def test_the_rule_sees_an_import_inside_a_function(tmp_path):
    source = tmp_path / "late.py"
    source.write_text("def f():\n    from plexsh.commands.get import get\n    import plexsh.render\n"
                      "    from .. import session\n")
    found = imported(source, "plexsh.library")
    assert {"plexsh.commands.get", "plexsh.render", "plexsh.session"} <= found
