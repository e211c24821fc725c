"""The journal's API over real files and a real SQLite file: write-ahead, roll-back, checked undo and redo, settling after a crash."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from plexsh import journal
from plexsh.db import open_database
from plexsh.journal.recover import recover
from plexsh.journal.steps import settle


@pytest.fixture
def db(tmp_path):
    _, database = open_database(tmp_path / "home" / "plexsh.db")
    yield database
    database.close()


@pytest.fixture
def files(tmp_path) -> Path:
    folder = tmp_path / "files"
    folder.mkdir()
    for name in ("a", "b", "c"):
        (folder / name).write_text(f"{name} " * 100)
    return folder


def stored_steps(db_file: Path) -> list[tuple[str, str]]:
    """(op, state) of every step, read over a connection of its own: what a crash would leave."""
    with sqlite3.connect(db_file) as other:
        return other.execute("SELECT op, state FROM action_steps ORDER BY id").fetchall()


def test_an_action_and_all_its_steps_are_stored_before_any_file_moves(db, files, tmp_path):
    action = journal.record(db, "rm", "rm x", [journal.trash_step(files / "a"), journal.move_step(files / "b", files / "z")])
    assert stored_steps(tmp_path / "home" / "plexsh.db") == [("trash", "planned"), ("move", "planned")]
    assert sorted(os.listdir(files)) == ["a", "b", "c"]
    done = journal.perform(db, action)
    assert done.state == "done" and sorted(os.listdir(files)) == ["c", "z"]
    assert stored_steps(tmp_path / "home" / "plexsh.db") == [("trash", "done"), ("move", "done")]


def test_a_step_that_fails_puts_back_the_ones_done_before_it(db, files):
    steps = [journal.move_step(files / "a", files / "a2"), journal.move_step(files / "b", files / "c")]  # c is taken
    action = journal.record(db, "organize", "organize", steps)
    with pytest.raises(journal.StepProblem):
        journal.perform(db, action)
    assert sorted(os.listdir(files)) == ["a", "b", "c"]
    assert (files / "c").read_text().startswith("c ")  # never replaced
    assert journal.action(db, action.id).state == "rolled-back"


def test_undo_refuses_before_touching_anything_when_a_place_is_taken_and_redo_when_a_file_came_back(db, files):
    action = journal.perform(db, journal.record(db, "organize", "organize", [
        journal.move_step(files / "a", files / "a2"), journal.move_step(files / "b", files / "b2")]))
    (files / "b").write_text("someone else's")
    with pytest.raises(journal.UndoRefused) as refused:
        journal.undo(db, action)
    assert "something else is at" in refused.value.message and refused.value.hint is None  # force cannot help
    assert sorted(os.listdir(files)) == ["a2", "b", "b2", "c"]  # nothing moved, a2 included
    (files / "b").unlink()
    undone = journal.undo(db, action)
    assert undone.state == "undone" and sorted(os.listdir(files)) == ["a", "b", "c"]
    (files / "a2").write_text("in the way")
    with pytest.raises(journal.UndoRefused):
        journal.redo(db, undone)
    assert (files / "a").exists() and (files / "a2").read_text() == "in the way"


def test_a_folder_that_was_there_or_filled_since_is_never_removed(db, files):
    action = journal.perform(db, journal.record(db, "get", "get", [
        journal.mkdir_step(files / "new"), journal.mkdir_step(files / "new" / "inner")]))
    (files / "new" / "theirs").write_text("kept")
    again = journal.perform(db, journal.record(db, "get", "get", [journal.mkdir_step(files / "new")]))
    assert again.steps[0].note == "existed"
    journal.undo(db, again)
    journal.undo(db, action)
    assert (files / "new" / "theirs").read_text() == "kept" and not (files / "new" / "inner").exists()


def test_a_step_a_crash_left_doing_is_settled_by_what_is_on_disk(db, files):
    moved, not_moved = journal.move_step(files / "a", files / "a2"), journal.move_step(files / "b", files / "b2")
    action = journal.record(db, "organize", "organize", [moved, not_moved])
    first, second = action.steps
    journal.mark_step(db, first, "doing")
    journal.mark_step(db, second, "doing")
    os.rename(files / "a", files / "a2")  # the first rename happened before the crash, the second did not
    assert settle(db, journal.action(db, action.id).steps[0])[0] == "done"
    assert settle(db, journal.action(db, action.id).steps[1])[0] == "planned"


def test_the_next_start_finishes_an_action_a_stopped_plexsh_left_and_says_so(db, files):
    action = journal.record(db, "rm", 'rm "Heat"', [journal.trash_step(files / "a"), journal.trash_step(files / "b")])
    journal.mark_step(db, action.steps[0], "doing")  # stopped after marking, before the file moved
    journal.mark_action(db, action.id, "pending", engine="1:0")  # a plexsh that is not running
    notes = recover(db)
    assert notes == [f'finished action {action.id} (rm "Heat"), left incomplete by a stopped plexsh']
    assert sorted(os.listdir(files)) == ["c"]
    assert journal.action(db, action.id).state == "done"
    assert recover(db) == []  # once


def test_history_counts_files_and_bytes_and_depends_on_shared_paths(db, files):
    first = journal.perform(db, journal.record(db, "rm", "rm a", [journal.trash_step(files / "a")]))
    assert (first.files, first.bytes) == (1, 200)
    assert str(files / "a") in first.paths()
    assert [a.id for a in journal.actions(db)] == [first.id]


def test_a_copy_placed_before_plexsh_stopped_marks_its_job_done_so_it_is_not_copied_again(db, files, tmp_path):
    from plexsh.engine.jobs import JobStore

    final = files / "placed.mkv"
    partial = files / ".plexsh-x.partial"
    partial.write_text("copied bytes")
    action = journal.record(db, "get", "get x", [journal.place_step(partial, final, 12, origin="/nas/x.mkv")])
    with JobStore(tmp_path / "home" / "plexsh.db", recover=False) as store:
        job = store.add("/nas/x.mkv", str(final), str(partial), 12)
        store.update(job.id, state="verifying")  # stopped between the rename and the job's done
        os.rename(partial, final)
        journal.mark_step(db, action.steps[0], "done", size=12)
        journal.mark_action(db, action.id, "pending", engine="1:0")
        recover(db)
        assert store.get(job.id).state == "done"
    with JobStore(tmp_path / "home" / "plexsh.db") as store:  # the job store's own recovery finds nothing to redo
        assert store.recovered == []
