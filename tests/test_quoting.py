"""One title-quoting helper: whatever a title holds (quotes, backslashes, controls), its quoted form is
typed back to the same title after every verb that takes one."""

import os

from hypothesis import example, given, settings
from hypothesis import strategies as st

from plexsh.lang.parser import parse, title_verbs
from plexsh.library.resolve import picking_commands
from plexsh.printable import quoted


def parsed_title(command: str) -> str:
    (node,) = parse(command).commands
    return getattr(node, "title", None) if hasattr(node, "title") else node.text


@settings(max_examples=400, deadline=None)
@given(st.text())
@example('Say "Hi"')
@example("back\\slash \\n not a new line \\101")
@example("New\nLine\r\t\x1b[2J\x9b\x7f\u202e")
@example(os.fsdecode(b"Caf\xe9 \xff"))  # bytes that are not UTF-8, as a NAS name may hold
@example("")
@example("  spaces  ")
def test_a_quoted_title_parses_back_to_the_same_title(title):
    for verb in title_verbs():
        assert parsed_title(f"{verb} {quoted(title)}") == title
        assert parsed_title(f"{verb} tv {quoted(title)}") == title


@settings(max_examples=100, deadline=None)
@given(st.text(min_size=1))
def test_the_command_offered_for_an_ambiguous_title_names_it_exactly(title):
    from types import SimpleNamespace as Item

    items = [Item(title=title, year=1996, kind="movie"), Item(title=title, year=2014, kind="show")]
    for command, item in zip(picking_commands("show", items), items):
        node = parse(command).commands[0]
        assert (node.title, node.kind) == (title, item.kind)


ODD = 'Say "Hi"\nBye'  # a folder name may hold quotes and new lines (the name parser reads a backslash as a separator)


def test_commands_plexsh_suggests_for_an_odd_title_run_as_suggested(home, tmp_path):
    import re

    from conftest import ONE_EACH, run_plexsh, write_config, write_tree

    nas = tmp_path / "nas"
    write_tree(nas, {f"Movies/{ODD} (1999)/{ODD} (1999).mkv": 1000,
                     f"TV/{ODD}/Season 01/{ODD} - S01E01 - One.mkv": 1000,
                     f"TV/{ODD}/Season 02/{ODD} - S02E01 - Two.mkv": 1000})
    write_config(home, nas, folders=ONE_EACH)
    assert run_plexsh("-c", "scan").returncode == 0
    ambiguous = run_plexsh("-c", f"show {quoted(ODD)}")
    offered = re.findall(r"`([^`]+)`", ambiguous.stderr)
    assert len(offered) == 2, ambiguous.stderr
    show = run_plexsh("-c", next(c for c in offered if " tv " in c))
    assert show.returncode == 0, show.stderr
    caption = re.search(r"`([^`]+ s1)` lists the episodes", show.stdout).group(1)
    episodes = run_plexsh("-c", caption)
    assert episodes.returncode == 0 and "S01E01" in episodes.stdout, episodes.stderr
