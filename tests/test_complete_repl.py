"""Title completion in a real pseudo-terminal: `get brea<Tab>` offers and completes "Breaking Bad"."""

from test_repl import PROMPT, run_line, shell  # noqa: F401  (shell: the fixture, a real plexsh shell)


def test_get_completes_a_title_with_tab_and_the_completed_command_runs(shell):
    shell.send("get brea")
    shell.expect_exact("Breaking Bad")  # the completion menu offers the show
    shell.send("\t")
    shell.send(" s1 dry-run")
    run_line(shell, "")
    shell.expect_exact("Breaking Bad - S01E01 - Pilot.mkv")
    shell.expect("nothing copied")
    shell.expect_exact(PROMPT)


def test_a_kind_word_before_the_title_still_completes_it(shell):
    shell.send("get tv brea")
    shell.expect_exact("Breaking Bad")
    shell.send("\t")
    run_line(shell, " s2e1 dry-run")
    shell.expect_exact("Seven Thirty-Seven")
    shell.expect_exact(PROMPT)
