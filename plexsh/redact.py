"""Path redaction (`security.path_redaction`): NAS source paths become titles in logs and exports."""

from __future__ import annotations

import re
from typing import Any, Mapping

UNTITLED = "<redacted>"


def redact(text: str, replacements: Mapping[str, str]) -> str:
    """`text` with every path in `replacements` replaced by its stand-in, longest path first.

    Longest first so a file's own title wins over the stand-in of the source root it lies under; a
    path only matches where its name ends, so root /nas/Movies leaves /nas/Movies2 to its own entry.

    >>> redact("copy /nas/Movies/Heat (1995)/Heat.mkv failed", {"/nas/Movies": "<Movies>",
    ...        "/nas/Movies/Heat (1995)/Heat.mkv": "Heat (1995)"})
    'copy Heat (1995) failed'
    >>> redact("cannot read /nas/Movies/Other/x.mkv or /nas/Movies2", {"/nas/Movies": "<Movies>"})
    'cannot read <Movies>/Other/x.mkv or /nas/Movies2'
    """
    paths = sorted((p for p in replacements if p and p in text), key=len, reverse=True)
    if not paths:
        return text
    # One pass, so a stand-in is never itself rewritten by a shorter path.
    pattern = re.compile("|".join(f"{re.escape(p)}(?![\\w-])" for p in paths))
    return pattern.sub(lambda match: replacements[match.group(0)], text)


def redact_value(value: Any, replacements: Mapping[str, str]) -> Any:
    """`redact` applied to every text inside a JSON-like value (dicts, lists, strings)."""
    if isinstance(value, str):
        return redact(value, replacements)
    if isinstance(value, Mapping):
        return {key: redact_value(item, replacements) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_value(item, replacements) for item in value]
    return value


def job_replacements(source: str | None, label: str | None) -> dict[str, str]:
    """A job's source path mapped to its title (the label users see), or a placeholder without one."""
    return {source: label or UNTITLED} if source else {}


def source_replacements(config) -> dict[str, str]:
    """Each configured source root mapped to `<name>`: covers paths no job names (scan and error messages)."""
    from plexsh.library.sources import sources_from_config

    # Without its trailing slash, a root still matches where it is followed by a file's path.
    return {spec.root.rstrip("/") or spec.root: f"<{spec.name}>" for spec in sources_from_config(config)}
