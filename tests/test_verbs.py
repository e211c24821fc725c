"""A verb is a grammar rule and one module: modules are found by listing the package, aliases come from the
grammar, and any disagreement between the grammar and the registry is reported."""

import dataclasses
import sys
import textwrap

import pytest

from conftest import run_plexsh
from plexsh import commands
from plexsh.lang.parser import verb_rules


def test_the_grammar_and_the_registry_agree():
    assert commands.registry_problems() == []
    assert {spec.rule for spec in commands.load_all().values()} == set(verb_rules())


def test_a_verb_in_the_grammar_with_no_module_is_reported():
    registry = {name: spec for name, spec in commands.load_all().items() if name != "jobs"}
    assert commands.registry_problems(registry) == ["the grammar's verb `jobs` has no module in plexsh/commands"]


def test_a_registered_name_the_grammar_does_not_take_is_reported():
    registry = dict(commands.load_all())
    registry["fetch"] = dataclasses.replace(registry.pop("get"), name="fetch", usage="fetch TITLE")
    assert commands.registry_problems(registry) == ["`fetch` is not a word of the grammar's `get` rule (get, sync)"]


@pytest.fixture
def extra_module(tmp_path, monkeypatch):
    """A verb module `hello.py` in a second folder of the commands package, found by the next load_all()."""
    folder = tmp_path / "more_commands"
    folder.mkdir()
    (folder / "hello.py").write_text(textwrap.dedent('''
        """`hello`: a verb with a module but no grammar rule."""
        from plexsh.commands import command
        from plexsh.lang import ast


        class Hello(ast.Command):
            pass


        @command("hello", Hello, usage="hello", summary="greets")
        def hello(session, node):
            return None
    '''))
    monkeypatch.setattr(commands, "__path__", [*commands.__path__, str(folder)])
    monkeypatch.setattr(commands, "REGISTRY", dict(commands.load_all()))
    monkeypatch.setattr(commands, "BY_NODE", dict(commands.BY_NODE))
    monkeypatch.setattr(commands, "_loaded", False)
    yield
    sys.modules.pop("plexsh.commands.hello", None)


def test_a_module_is_found_by_listing_the_package_and_one_without_a_grammar_rule_is_reported(extra_module):
    registry = commands.load_all()
    assert "hello" in registry  # with no list of modules to add it to
    assert commands.registry_problems() == [
        "`hello` (Hello) has no grammar rule `hello` listed under `command` in grammar/plexsh.lark"]


def test_help_names_the_aliases_the_grammar_takes(home):
    result = run_plexsh("-c", "help sync")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("get [movie|tv] TITLE") and "also: sync" in result.stdout
    assert "also: browse" in run_plexsh("-c", "help ls").stdout


def test_the_readme_shows_each_verbs_usage_as_registered():
    from conftest import REPO

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for spec in commands.load_all().values():
        assert f"`{spec.usage.replace('|', chr(92) + '|')}`" in readme, spec.usage
