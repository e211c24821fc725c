"""Completing saved presets: after `@` in `ls` and after `preset rm`, from the real catalog, and with Tab in a shell."""

import pytest

from conftest import run_plexsh
from plexsh.render import Renderer
from plexsh.session import Session
from plexsh.shell.complete import Candidates, suggest
from test_repl import PROMPT, quits_cleanly, run_line, shell  # noqa: F401  (shell: the fixture, a real plexsh shell)


@pytest.mark.parametrize("text, key", [
    ("ls @", "@"),
    ("ls movies @b", "@"),
    ("ls movies year>2000 @", "@"),
    ("ls @big @", "@"),
    ("preset rm ", None),
    ("preset save ", None),
])
def test_the_grammar_asks_for_a_preset_there(text, key):
    presets = [s for s in suggest(text).suggestions if s.kind == "preset"]
    assert [s.key for s in presets] == [key]


@pytest.fixture
def candidates(scanned):
    result = run_plexsh("-c", "preset save big size>2M; preset save bluray quality>=1080p; preset save new year>=2020; "
                        "preset save small size<1M")
    assert result.returncode == 0, result.stderr
    session = Session(Renderer("plain"))
    yield Candidates(session)
    session.close()


def test_after_at_the_saved_names_complete_with_their_filters(candidates):
    assert candidates.for_text("ls movies @b") == [("@big", 2, "size>2M"), ("@bluray", 2, "quality>=1080p")]
    assert [c[0] for c in candidates.for_text("ls @")] == ["@big", "@bluray", "@new", "@small"]
    assert candidates.for_text("ls @BL") == [("@bluray", 3, "quality>=1080p")]
    assert candidates.for_text("ls @x") == []


def test_a_keyword_being_typed_is_not_offered_a_preset_of_those_letters(candidates):
    assert [c[0] for c in candidates.for_text("ls s")] == ["shows", "size", "sort", "source", "synced"]


def test_preset_rm_completes_the_bare_names(candidates):
    assert [c[0] for c in candidates.for_text("preset rm ")] == ["big", "bluray", "new", "small"]
    assert candidates.for_text("preset rm @n") == [("new", 2, "year>=2020")]


def test_tab_after_at_completes_a_preset_and_ls_runs_with_it(shell):
    run_line(shell, "preset save hd quality>=2160p")
    shell.expect_exact("saved @hd")
    shell.expect_exact(PROMPT)
    shell.send("ls movies @h")
    shell.expect_exact("quality>=2160p")  # the completion menu offers @hd with its filters
    shell.send("\t")
    run_line(shell, "")
    shell.expect_exact("Dune Part Two")
    shell.expect_exact("The Matrix")
    shell.expect_exact("2 movies · @hd = quality>=2160p")
    shell.expect_exact(PROMPT)
    quits_cleanly(shell)
