"""The one SQLite file: every migration set applied at open, in one transaction, and a file from the
previous release (tests/fixtures/plexsh-682c2ae.sql, made by that release) opened with its data intact."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from conftest import NAS_FILES, run_json, run_plexsh, write_config, write_tree
from plexsh.db import NewerSchema, migrate, open_database, schema_versions
from plexsh.engine.jobs import JobStore

FIXTURE = Path(__file__).parent / "fixtures" / "plexsh-682c2ae.sql"


def previous_release(home: Path, nas: Path) -> Path:
    """HOME/plexsh.db as the previous release left it: the small NAS scanned, Heat, two episodes of
    Breaking Bad and Doctor Who copied to HOME/local (the copies are put back on disk too)."""
    write_tree(nas, NAS_FILES)
    write_config(home, nas)
    sql = FIXTURE.read_text(encoding="utf-8").replace("@NAS@", str(nas)).replace("@LOCAL@", str(home / "local"))
    db_path = home / "plexsh.db"
    with sqlite3.connect(db_path) as db:
        db.executescript(sql)
        done = db.execute("SELECT source, destination FROM jobs WHERE state = 'done'").fetchall()
    db.close()
    for source, destination in done:
        Path(destination).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, destination)
    return db_path


def count(path: Path, sql: str) -> int:
    with sqlite3.connect(path) as db:
        (value,) = db.execute(sql).fetchone()
    db.close()
    return value


def test_opening_any_part_creates_every_part_of_the_schema(tmp_path):
    with JobStore(tmp_path / "p.db") as store:  # the job store alone, first: the catalog's and local tables too
        tables = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"items", "files", "jobs", "job_events", "local_files"} <= tables
        assert set(schema_versions(store.db)) == {"catalog", "jobs", "local", "presets", "journal", "usage",
                                                   "care", "dupes"}


def test_a_step_that_fails_leaves_the_file_as_it_was(tmp_path):
    path, db = open_database(tmp_path / "p.db")
    before = schema_versions(db)

    def add_column(db):
        db.execute("ALTER TABLE items ADD COLUMN rating INTEGER")

    def broken(db):
        raise RuntimeError("a step that fails half-way")

    with pytest.raises(RuntimeError):
        migrate(db, [("catalog", [lambda db: None, lambda db: None, add_column, broken])])
    assert schema_versions(db) == before
    assert "rating" not in {c.name for c in db["items"].columns}
    db.close()


def test_a_file_from_a_newer_plexsh_is_refused_in_one_line(home, tmp_path):
    write_config(home, tmp_path / "nas")
    path, db = open_database(home / "plexsh.db")
    db.execute("UPDATE schema_versions SET version = 99 WHERE name = 'jobs'")
    db.conn.commit()
    db.close()
    with pytest.raises(NewerSchema):
        open_database(home / "plexsh.db")
    result = run_plexsh("-c", "ls")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "written by a newer plexsh" in result.stdout + result.stderr
    assert "upgrade plexsh" in result.stderr and "move" not in result.stderr  # never advice that loses data


def test_a_catalog_another_plexsh_holds_is_reported_as_busy_not_as_damaged(home, tmp_path):
    write_config(home, tmp_path / "nas")
    open_database(home / "plexsh.db")[1].close()
    holder = sqlite3.connect(home / "plexsh.db")
    holder.execute("BEGIN IMMEDIATE")  # what a writer mid-transaction holds
    try:
        result = run_plexsh("-c", "scan")
    finally:
        holder.rollback()
        holder.close()
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "database is locked" in result.stderr, result.stderr
    assert "another plexsh is writing it" in result.stderr and "move" not in result.stderr


def test_the_previous_releases_file_opens_with_its_data_and_new_columns(home, tmp_path):
    db_path = previous_release(home, tmp_path / "nas")
    items, files, jobs = (count(db_path, f"SELECT count(*) FROM {t}") for t in ("items", "files", "jobs"))
    ls, heat, bad, status = run_json("ls all", 'show "Heat"', 'show "Breaking Bad" s1', "jobs")
    assert len(ls["items"]) == items == 9
    assert {i["title"]: i["sync"] for i in ls["items"]}["Heat"] == "synced"
    assert {i["title"]: i["sync"] for i in ls["items"]}["Doctor Who"] == "synced"
    assert heat["item"]["sync"] == "synced" and bad["item"]["sync"] == "partial"
    assert [e["sync"] for s in bad["seasons"] for e in s["episodes"]] == ["synced", "synced", "none"]
    assert len(status["jobs"]) == jobs == 5
    assert count(db_path, "SELECT count(*) FROM files") == files
    assert count(db_path, "SELECT count(*) FROM sqlite_master WHERE name = '_sqlite_migrations'") == 0
    with sqlite3.connect(db_path) as db:
        assert {r[0] for r in db.execute("SELECT name FROM schema_versions")} == {
            "catalog", "jobs", "local", "presets", "journal", "usage",
            "care", "dupes"}
        # copies now name their file by source and path inside it; each hash is kept once, by version
        copies = db.execute("SELECT source, relpath FROM local_files ORDER BY id").fetchall()
        assert copies[0] == ("Movies2", "Heat.1995.720p.BluRay.x264-GRP.mkv") and len(copies) == 5
        assert count(db_path, "SELECT count(*) FROM hashes") == 5
        assert "sha256" not in {row[1] for row in db.execute("PRAGMA table_info(files)")}
    db.close()
    (heat,) = run_json('info "Heat"')
    assert [bool(f["sha256"]) for f in heat["files"]] == [False, True]  # the copied 720p keeps its hash


def test_the_previous_releases_copies_stay_local_after_a_re_scan(home, tmp_path):
    previous_release(home, tmp_path / "nas")
    assert run_plexsh("-c", "scan").returncode == 0  # every folder is read again (new mtimes)
    ls, plan = run_json("ls synced", 'get "Breaking Bad" s1 new-only dry-run')
    assert [i["title"] for i in ls["items"]] == ["Doctor Who", "Heat"]
    assert [f["destination"].rsplit("/", 1)[-1] for f in plan["files"]] == [
        "Breaking Bad - S01E03 - And the Bag's in the River.mkv"]
