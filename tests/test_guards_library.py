"""Guards of the library and the terminal, met through the real plexsh command: control characters
of every kind kept out of local names, a known folder that turns unreadable on a rescan, and
`set color on|off` on a real terminal."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, on_terminal, plexsh_env, run_json, write_config

# Every control character a name can hold: C0 (with tab, new line and escape), DEL, and C1
# (U+0080-U+009F: NEL, and CSI, which some terminals take for ESC [).
CONTROLS = [chr(c) for c in range(1, 0x20)] + ["\x7f"] + [chr(c) for c in range(0x80, 0xA0)]
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
WORDS = ["Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot", "Golf", "Hotel"]


def write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def local_names(root: Path) -> list[str]:
    """Every path component under ROOT as the file system holds it (bytes that are not UTF-8 kept
    as surrogate escapes)."""
    names = []
    for folder, dirs, files in os.walk(os.fsencode(root)):
        names += [os.fsdecode(n) for n in dirs + files]
    return names


def test_control_characters_of_every_kind_never_reach_a_local_name(home, tmp_path):
    """A film for each group of control characters, in its folder's name and its file's, and a
    show with them in the show's folder: every name `get` writes is free of them."""
    nas = tmp_path / "nas"
    groups = [CONTROLS[i::len(WORDS) - 1] for i in range(len(WORDS) - 1)]  # every character, in 7 groups
    films = {}
    for word, group in zip(WORDS, groups):
        year = 2001 + len(films)
        name = f"{word}{''.join(group)} Film ({year})"
        data = os.urandom(2000)
        write(nas / "Movies" / name / f"{name}.mkv", data)
        films[word] = data
    # A name that is not UTF-8, with the byte of CSI in it: read as Windows-1252, never as C1.
    raw = os.path.join(os.fsencode(nas / "Movies"), b"Hotel \x9b\x85Film (2009).mkv")
    with open(raw, "wb") as f:
        f.write(b"hotel")
    show = "Show\x1b[2J\x85\x9b Name"
    write(nas / "TV" / show / "Season\x07 01" / f"{show} - S01E01\x0b\x90.mkv", b"episode")
    write_config(home, nas, folders={"movies": ["Movies"], "tv": ["TV"]})
    (scanned,) = run_json("scan")
    assert scanned["ok"], scanned
    for word in WORDS:
        (reply,) = run_json(f'get movie "{word}"')
        assert reply["ok"], reply
    (reply,) = run_json('get show "Show" s1e1')
    assert reply["ok"], reply
    names = local_names(home / "local")
    assert names, "nothing arrived"
    copies = sorted(p for p in (home / "local").rglob("*") if p.is_file())
    assert len(copies) == len(WORDS) + 1, names
    for name in names:
        assert not _CONTROL.search(name), f"a local name holds a control character: {name!r}"
        assert name.encode("utf-8", "surrogateescape").decode("utf-8", "strict")  # valid UTF-8 too


# --- a known folder that turns unreadable ------------------------------------------------------


def as_user_bound_by_file_modes(*args: str) -> subprocess.CompletedProcess:
    """plexsh as the test's user, but bound by file modes even as root (without the capabilities
    that bypass them), as tests/test_hostile_local.py does for permission denied."""
    prefix = []
    if os.geteuid() == 0:
        prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search",
                  "--inh-caps=-dac_override,-dac_read_search", "--"]
    return subprocess.run([*prefix, sys.executable, "-m", "plexsh", *args], capture_output=True, text=True,
                          env=plexsh_env(), cwd=REPO, timeout=120)


def episodes_of(show: str) -> list[str]:
    (reply,) = run_json(f'info "{show}"')
    assert reply["ok"], reply
    return sorted(os.path.basename(f["path"]) for f in reply["files"])


@pytest.mark.parametrize("rescan", ["scan", "scan full"])
def test_a_known_folder_that_turns_unreadable_keeps_its_titles_and_scan_says_why(scanned, nas, rescan):
    before = episodes_of("Breaking Bad")
    assert len(before) == 8  # seasons 1-2 from TV, season 3 from TV2
    show = nas / "TV" / "Breaking Bad"
    if rescan == "scan":  # a plain scan reads a folder again only when it changed
        (show / "Season 01" / "Breaking Bad - S01E04 - Cancer Man.mkv").write_bytes(b"new")
    unreadable = show / "Season 01" if rescan == "scan" else show
    os.chmod(unreadable, 0)
    try:
        done = as_user_bound_by_file_modes("--json", "-c", rescan)
    finally:
        os.chmod(unreadable, 0o755)
    (reply,) = [json.loads(line) for line in done.stdout.splitlines()]
    tv = next(s for s in reply["report"]["sources"] if s["name"] == "TV")
    assert any("Permission denied" in w for w in tv["warnings"]), tv
    assert episodes_of("Breaking Bad") == before  # nothing forgotten, nothing new made up


# --- colour on a terminal ---------------------------------------------------------------------

_COLOUR = re.compile(r"\x1b\[[0-9;]*?(?:3[0-9]|9[0-7]|38;[25];)[0-9;]*m")  # an SGR that sets a colour


def test_set_color_off_and_on_in_the_shell_on_a_terminal(scanned):
    """doctor's verdict is drawn in colour (green when all is well)."""
    out = on_terminal("-c", "doctor", "-c", "set color off", "-c", "doctor", "-c", "set color on", "-c", "doctor")
    first, off, on = re.split(r".*color = (?:off|on).*\n", out)
    for part in (first, on):
        assert _COLOUR.search(part) and "catalog" in part, repr(part)
    assert "catalog" in off and not _COLOUR.search(off), repr(off)


def test_set_color_in_a_script_run_on_a_terminal_lasts_for_the_rest_of_it(scanned, tmp_path):
    script = tmp_path / "quiet.plexsh"
    script.write_text("set color off\ndoctor\nls movies\ndoctor\n", encoding="utf-8")
    out = on_terminal(str(script))
    assert "Blade Runner 2049" in out and out.count("catalog") == 2
    assert not _COLOUR.search(out), repr(out)
