"""`doctor`: checks rsync, the config, every source and destination, the catalog's age and the trash; says what to fix."""

from __future__ import annotations

import re
import shutil
import subprocess

from plexsh.commands import command
from plexsh.errors import PlexError
from plexsh.lang import ast
from plexsh.render import format_age, format_size
from plexsh.reply import Reply

RSYNC_MINIMUM = (3, 1)
PROBE_TIMEOUT = 5.0
STALE_CATALOG_SECONDS = 7 * 86400


def rsync_check() -> tuple[bool, str]:
    """rsync on the PATH and at least 3.1 (the transfer backend needs --info=progress2 and --append-verify)."""
    path = shutil.which("rsync")
    if not path:
        return False, "rsync is not installed: install it with your package manager (apt-get install rsync)"
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=5).stdout
    except (OSError, subprocess.TimeoutExpired) as error:
        return False, f"rsync did not answer `rsync --version`: {error}"
    match = re.search(r"version\s+v?(\d+)\.(\d+)(?:\.(\d+))?", out)
    if not match:
        return False, "cannot read rsync's version"
    version = tuple(int(g or 0) for g in match.groups())
    shown = ".".join(str(v) for v in version)
    if version[:2] < RSYNC_MINIMUM:
        return False, f"rsync {shown} is too old: plexsh needs 3.1 or newer"
    return True, f"rsync {shown}"


@command("doctor", ast.Doctor, usage="doctor", summary="check rsync, config, sources, destinations and catalog")
def doctor(session, node: ast.Doctor) -> Reply:
    checks: list[dict] = []

    def check(area: str, ok: bool, text: str, fix: str | None = None) -> None:
        checks.append({"check": area, "ok": ok, "detail": text, "fix": fix})

    ok, text = rsync_check()
    check("rsync", ok, text)
    try:
        config = session.config
    except PlexError as error:
        check("config", False, error.message, error.hint)
        config = None
    if config is not None:
        check("config", True, f"{config.path or 'no config file (defaults)'} is valid"
              + (f", profile {config.profile}" if config.profile else ""))
        _sources(config, check)
        _destinations(config, check)
        _atimes(config, check)
    _catalog(session, check)
    from plexsh.commands.verify import doctor_check  # how long ago the local copies were last verified
    doctor_check(session, check)
    _journal(session, check)
    _trash(session, check)
    _parser(check)
    return _reply(checks)


def _parser(check) -> None:
    """Whether scans run the compiled name parser (about 1.45x faster) or its plain Python sources."""
    from plexsh.library import compiled

    files, why = compiled.current_build()
    if files is not None and compiled.in_use():
        check("name parser", True, "compiled (mypyc)")
    else:
        check("name parser", True, f"plain Python, slower scans: {why if files is None else 'loaded before the build'}",
              None if files is not None or "PLEXSH_PURE_PARSER" in why else "scripts/build-parser")


def _sources(config, check) -> None:
    from plexsh.library.sources import probe_all, sources_from_config

    specs = sources_from_config(config)
    if not specs:
        check("sources", False, "no sources are configured", "`config init`, then list your media folders")
    # Every source at once, each in its own child under a time limit: a dead host or mount costs
    # one timeout, and a remote one is asked by rsync itself (its root folder, not recursive).
    for spec, probe in probe_all(specs, timeout=PROBE_TIMEOUT):
        if spec.remote:
            fix = None if probe.ok else _REMOTE_FIXES[spec.transport]
            text = f"{spec.root} ({spec.transport}): {'reachable' if probe.ok else probe.reason}"
        else:
            fix = None if probe.ok else "check the path, the mount and its permissions"
            text = f"{spec.root}: {'readable' if probe.ok else probe.reason}"
        check(f"source {spec.name}", probe.ok, text, fix)


_REMOTE_FIXES = {
    "rsync": "check the host, the port and that the rsync daemon serves that module and path",
    "ssh": "check the host, the path and that `ssh` logs in without a password (security.ssh_key_path)",
}


def _destinations(config, check) -> None:
    from plexsh.library.destinations import check_destinations

    paths = [str(p) for p in dict.fromkeys(config.destinations.values())]
    for result in check_destinations(paths, timeout=PROBE_TIMEOUT):
        free = f", {format_size(result.free)} free" if result.free is not None else ""
        fix = None if result.ok else "pick a writable folder under destinations: in the config"
        check("destination", result.ok, f"{result.path}: {result.reason}{free}", fix)


def _atimes(config, check) -> None:
    """Whether `usage scan` can see other players' reads at each destination (relatime, noatime, strictatime)."""
    from plexsh.usage.atimes import destination_atimes

    for path, mount, _, why in destination_atimes(dict.fromkeys(config.destinations.values())):
        where = f" ({mount.point}, {mount.fstype})" if mount else ""
        # Not a problem: plays through `play` are counted either way.
        check("access times", True, f"{path}{where}: {why}")


def _catalog(session, check) -> None:
    try:
        stats = session.catalog.stats()
    except Exception as error:  # a damaged database file is exactly what doctor is for
        check("catalog", False, f"cannot open the catalog: {error}", f"move {session.database} away and `scan`")
        return
    if stats.last_scan is None:
        check("catalog", False, "never scanned", "run `scan`")
    elif stats.last_scan_age > STALE_CATALOG_SECONDS:
        check("catalog", False, f"last scanned {format_age(stats.last_scan_age)} ago", "run `scan` to refresh it")
    else:
        check("catalog", True, f"{stats.files:,} files, scanned {format_age(stats.last_scan_age)} ago")


def _journal(session, check) -> None:
    """Actions left incomplete: steps not done (a get's copies on their way aside) in an action no running
    plexsh is doing. The start finishes or rolls back such actions; one listed here could not be."""
    from plexsh import journal
    from plexsh.engine.jobs import engine_alive, engine_identity

    try:
        found = journal.actions(session.catalog.db, states=("pending", "undoing", "redoing"))
    except Exception as error:  # the catalog's own check says what is wrong with the file
        check("journal", False, f"cannot read the journal: {error}")
        return
    me = engine_identity()
    stuck = [a for a in found if (a.engine == me or not engine_alive(a.engine))
             and (a.state != "pending" or any(s.state != "done" and s.op != "place" for s in a.steps))]
    if not stuck:
        check("journal", True, "no action left incomplete")
        return
    shown = ", ".join(f"{a.id} ({a.command}, {a.state})" for a in stuck[:3]) + (" ..." if len(stuck) > 3 else "")
    check("journal", False, f"{len(stuck)} action{'s' if len(stuck) != 1 else ''} left incomplete: {shown}",
          f"`history {stuck[0].id}` shows its steps and what is in the way; once that is cleared, the "
          "next start of plexsh finishes it")


def _trash(session, check) -> None:
    """How much the trash holds (never a problem: it is what `undo` and `trash restore` draw on)."""
    from plexsh.commands.trash import trash_home
    from plexsh.journal import trash

    try:
        found = trash.total_within(trash_home(session), PROBE_TIMEOUT)
    except OSError as error:
        check("trash", False, f"cannot read the trash: {error}", "check the plexsh folder's permissions")
        return
    if found is None:
        check("trash", False, f"a trash folder did not answer within {PROBE_TIMEOUT:.0f} s",
              "check the mounts of your destinations (`trash` lists the trash folders that answer)")
        return
    count, size = found
    check("trash", True, f"{count} entr{'ies' if count != 1 else 'y'}, {format_size(size)}"
          + ("; `trash empty older-than 30d` frees what is older" if count else ""))


def _reply(checks: list[dict]) -> Reply:
    problems = [c for c in checks if not c["ok"]]
    reply = Reply("doctor", data={"checks": checks, "problems": len(problems)})
    rows = [["ok" if c["ok"] else "PROBLEM", c["check"], c["detail"] + (f" → {c['fix']}" if c["fix"] else "")]
            for c in checks]
    reply.table(["", "check", "detail"], rows)
    if problems:
        reply.ok = False
        reply.error = f"{len(problems)} problem{'s' if len(problems) > 1 else ''} found"
        reply.hint = "each PROBLEM line says what to do"
    else:
        reply.say("all good", "good")
    return reply
