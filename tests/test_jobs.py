"""The job store: same SQLite file as the catalog, persisted across reopen, recovery after a kill."""

from __future__ import annotations

import subprocess
import sys

import pytest

from plexsh.db import MIGRATION_SETS
from plexsh.engine.jobs import JobStore
from plexsh.library.catalog import Catalog


def add(store: JobStore, name: str, **kw):
    return store.add(f"/nas/{name}", f"/local/{name}", f"/local/.{name}.plexsh-partial", 1000, **kw)


def test_lives_beside_the_catalog_and_persists(tmp_path):
    db = tmp_path / "plexsh.db"
    Catalog(db).close()
    with JobStore(db) as store:
        low = add(store, "z.mkv", priority="low")
        a = add(store, "a.mkv", item_id=3, file_id=7, bwlimit=5 << 20)
        b = add(store, "b.mkv", priority="high", verify="size")
        store.update(a.id, bytes_done=400, state="paused")
        store.event(a.id, "attempt_started", attempt=1, bytes_=0)
    with Catalog(db) as catalog, JobStore(db) as store:  # both migration sets in one file
        assert catalog.stats().files == 0
        got = store.get(a.id)
        assert (got.bytes_done, got.state, got.item_id, got.file_id, got.bwlimit) == (400, "paused", 3, 7, 5 << 20)
        assert [j.id for j in store.jobs()] == [b.id, a.id, low.id]  # high first, low after the rest
        assert [e["event"] for e in store.events(a.id)] == ["queued", "attempt_started"]
        assert store.recovered == []
        names = {r[0] for r in store.conn.execute("SELECT name FROM schema_versions")}
        assert names == {name for name, _ in MIGRATION_SETS} >= {"catalog", "jobs", "local"}


def test_unknown_fields_and_states_are_refused(tmp_path):
    with JobStore(tmp_path / "p.db") as store:
        job = add(store, "a.mkv")
        with pytest.raises(ValueError):
            store.update(job.id, state="exploded")
        with pytest.raises(ValueError):
            store.update(job.id, colour="blue")
        with pytest.raises(ValueError):
            add(store, "b.mkv", priority="urgent")


def test_jobs_left_running_by_a_killed_plexsh_are_queued_again(tmp_path):
    db = tmp_path / "plexsh.db"
    with JobStore(db) as store:
        ids = [add(store, n).id for n in ("run.mkv", "verify.mkv", "stall.mkv", "done.mkv", "wait.mkv")]
    # another process marks jobs as in flight and dies without a word (kill -9)
    script = (f"from plexsh.engine.jobs import JobStore; import os; s = JobStore({str(db)!r}); "
              f"s.update({ids[0]}, state='running', bytes_done=300); "
              f"s.update({ids[1]}, state='verifying'); s.update({ids[2]}, state='stalled'); "
              f"s.update({ids[3]}, state='done'); os.kill(os.getpid(), 9)")
    assert subprocess.run([sys.executable, "-c", script]).returncode == -9
    with JobStore(db) as store:
        assert store.recovered == ids[:3]
        assert [store.get(i).state for i in ids] == ["queued", "queued", "queued", "done", "queued"]
        assert store.get(ids[0]).bytes_done == 300
        assert any(e["event"] == "recovered" for e in store.events(ids[0]))
    with JobStore(db) as store:
        assert store.recovered == []


def test_an_orphaned_copier_is_killed_on_recovery(tmp_path):
    db = tmp_path / "plexsh.db"
    with JobStore(db) as store:
        job = add(store, "orphan.mkv")
        orphan = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", job.partial])
        store.update(job.id, state="running", pid=orphan.pid)
    with JobStore(db) as store:
        assert store.recovered == [job.id]
    assert orphan.wait(timeout=10) == -9


def test_move_and_remove(tmp_path):
    with JobStore(tmp_path / "p.db") as store:
        ids = [add(store, f"{i}.mkv").id for i in range(4)]
        store.move(ids[3], 1)
        assert [j.id for j in store.jobs()] == [ids[3], ids[0], ids[1], ids[2]]
        store.move(ids[3], 99)
        assert [j.id for j in store.jobs()] == ids
        store.remove(ids[1])
        assert [j.id for j in store.jobs()] == [ids[0], ids[2], ids[3]]
        assert store.get(ids[1]) is None
