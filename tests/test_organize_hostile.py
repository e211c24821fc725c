"""Hostile titles and templates never take organize out of its root: every filled path is checked part by part
(no `..`, no separator, no Windows character or device name, no control character, no trailing dot or space,
at most 255 bytes with the extension kept), with random text, and end to end with hostile names on the NAS."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import run_json, run_plexsh, write_config, write_tree

from plexsh.organize.rules import parse_rule
from plexsh.organize.sanitize import RESERVED_NAMES
from plexsh.organize.template import MOVIE_TEMPLATE, SHOW_TEMPLATE, parse_template

ROOT = "/media/local/Movies"
HOSTILE = ["..", ".", "../../etc/passwd", "/etc/shadow", "a/../../b", "CON", "nul.txt", "Com1", "LPT9 ", "aux.",
           "trailing dots...", "trailing spaces   ", " ", "", "\x00nul", "tab\there", "\x1b[2J\x1b]0;pwned\x07",
           "[bold red]markup[/bold red]", 'What? <Why> "here" a|b*c\\d:e', "é" * 300, "😀" * 100, "x" * 255,
           "\udcff\udcfe surrogate bytes", "..\\..\\windows", "~root", "$(rm -rf /)", "-rf", "\n\n", "\u202eevil"]
TEMPLATES = [MOVIE_TEMPLATE, SHOW_TEMPLATE, "{title}/{title}/{title}/{edition}/{title}.{ext}",
             "{title}{ - edition}{ [resolution]}/{episode_title}{ (year)}.{ext}", "..{title}/..{ext}",
             "{codec}/{source}/{container}/{title}.{ext}", "{ .. edition}x/{.title.}.{ext}"]
WINDOWS = set('<>:"/\\|?*')


def check_inside(parts: tuple[str, ...], root: str = ROOT) -> None:
    """Every part one safe name, and the path they make inside ROOT."""
    for part in parts:
        assert part not in ("", ".", ".."), parts
        assert not (WINDOWS & set(part)), part
        assert not re.search(r"[\x00-\x1f\x7f-\x9f]", part), part
        assert len(os.fsencode(part)) <= 255, part
        assert not part.endswith((".", " ")) and not part.startswith((".", " ")), part
        assert part.split(".", 1)[0].rstrip(" ").upper() not in RESERVED_NAMES, part
    target = os.path.normpath(os.path.join(root, *parts))
    assert target.startswith(root + "/") and len(Path(target).relative_to(root).parts) == len(parts), target


def values(title, episode_title="Pilot", edition=None, ext="mkv") -> dict:
    return {"title": title, "show": title, "year": 1999, "season": 1, "episode": (1, 2), "episode_title": episode_title,
            "edition": edition, "resolution": title, "source": title, "codec": title, "container": title,
            "ext": ext, "kind": "show"}


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("title", HOSTILE)
def test_a_hostile_title_fills_every_template_inside_its_root(template, title):
    check_inside(parse_template(template).fill(values(title, title, title, "mkv")))


@settings(max_examples=300, deadline=None)
@given(title=st.text(), episode_title=st.one_of(st.none(), st.text()), ext=st.text(max_size=12),
       template=st.sampled_from(TEMPLATES))
def test_any_text_in_any_field_stays_inside_the_root(title, episode_title, ext, template):
    check_inside(parse_template(template).fill(values(title, episode_title, title, ext)))


def test_a_long_name_is_cut_at_a_character_boundary_keeping_its_extension():
    [folder, name] = parse_template("{title}/{title}.{ext}").fill(values("é" * 200))
    assert len(name.encode()) <= 255 and name.endswith(".mkv")
    name.encode("utf-8")  # whole characters: no half of a two-byte é


@pytest.mark.parametrize("template, said", [
    ("../{title}.{ext}", "a folder of the template is `..`: templates stay inside their root"),
    ("a/../b/{title}.{ext}", "a folder of the template is `..`: templates stay inside their root"),
    ("/etc/{title}.{ext}", "a template is relative to its root: it cannot start with '/e'"),
    ("~/{title}.{ext}", "a template is relative to its root: it cannot start with '~/'"),
    ("C:/{title}.{ext}", "a template is relative to its root: it cannot start with 'C:'"),
    ("{title}//{title}.{ext}", "a template has an empty folder (`//` or a `/` at an end)"),
    ("{title}", "the file name (after the last `/`) must keep the file's extension: end it with `.{ext}`"),
    ("{title:%}.{ext}", "the template cannot be filled: "),
    ("{title:02d}.{ext}", "the template cannot be filled: Unknown format code 'd' for object of type 'str'"),
    ("{ ../ edition}/{title}.{ext}", "cannot read the field `{ ..` (a field is like {title}"),
])
def test_a_hostile_template_in_the_config_is_refused_in_one_line_with_file_and_line(home, nas, template, said):
    config = write_config(home, nas, f'organize:\n  rules:\n    - kind: movie\n      template: "{template}"\n')

    result = run_plexsh("-c", "organize dry-run")

    assert result.returncode == 1 and "Traceback" not in result.stderr
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"error: {config} line 10: organize.rules[0].template: {said}"), first


def test_a_rule_root_inside_a_source_is_refused(home, nas):
    write_config(home, nas, f'organize:\n  rules:\n    - root: "{nas}/Movies/x"\n      template: "{{title}}.{{ext}}"\n')

    result = run_plexsh("-c", "organize dry-run")

    assert result.returncode == 1
    assert "plexsh never writes to a source" in result.stderr.splitlines()[0]


NASTY_NAS = {  # hostile names a NAS may really hold
    "Movies/CON (1999)/CON (1999).mkv": 1000,
    "Movies/Aux. (2001)/Aux. (2001).mkv": 1000,
    "Movies/What If? (2005)/What If? (2005).mkv": 1000,
    "Movies/[red]Markup[/red] (2003)/[red]Markup[/red] (2003).mkv": 1000,
    "Movies/Escape \x1b[2J (2004)/Escape \x1b[2J (2004).mkv": 1000,
    "Movies/" + "Long é " * 30 + "(2006).mkv": 1000,
    "TV/Show: The Return/Season 01/Show: The Return - S01E01 - ...mkv": 1000,
}


def test_hostile_names_on_the_nas_organize_inside_the_destinations_and_undo_back(tmp_path, home):
    from test_organize import plant_copies, tree

    nas = tmp_path / "nas"
    write_tree(nas, NASTY_NAS)
    write_config(home, nas, folders={"movies": ["Movies"], "tv": ["TV"]})
    assert run_plexsh("-c", "scan").returncode == 0
    plant_copies(home, nas, {f"Downloads/{i}{Path(rel).suffix}": rel for i, rel in enumerate(NASTY_NAS)})
    before = tree(home / "local")

    [reply] = run_json("organize all yes")

    assert reply["ok"] and reply["totals"]["moves"] == len(NASTY_NAS), reply
    for entry in reply["entries"]:
        root = str(home / "local" / ("TV" if "/TV/" in entry["to"] else "Movies"))
        check_inside(Path(entry["to"]).relative_to(root).parts, root)
        assert Path(entry["to"]).is_file()
    shown = run_plexsh("-c", "organize all dry-run").stdout
    assert "\x1b" not in shown
    assert run_plexsh("-c", "undo").returncode == 0
    assert tree(home / "local") == before
    shutil.rmtree(home / "local")


def test_rules_reject_hostile_values_in_words():
    for fields, said in [({"template": "{title}.{ext}", "root": "relative/x"}, "root must be an absolute folder"),
                         ({"template": "{title}.{ext}", "year": "nineteen"}, "year must be a year"),
                         ({"template": "{title}.{ext}", "priority": "high"}, "priority must be a whole number"),
                         ({"template": "{title}.{ext}", "resolution": ">=huge"}, "resolution must be")]:
        with pytest.raises(ValueError, match=said):
            parse_rule(fields)
