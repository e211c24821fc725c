"""Scanning real directory trees into a real catalog: what is kept, what is skipped, incremental
re-scans, and sources that are missing, unreadable or hanging."""

from __future__ import annotations

import os
import pickle
import shutil
import signal
import tempfile
import time
from pathlib import Path

import pytest

import plexsh.library.walker as walker
from conftest import write_tree
from plexsh.config import Config, Discovery
from plexsh.errors import NotFound
from plexsh.library import sources as sources_module
from plexsh.library.catalog import Catalog
from plexsh.demo.fakelib import make_demo_library
from plexsh.library.scanner import ScanProgress, scan
from plexsh.library.sources import SourceSpec, probe, probe_all, sources_from_config

KEPT = {
    "Movies/Heat (1995)/Heat (1995).mkv": 3000,
    "Movies/The Matrix (1999)/The Matrix (1999).mkv": 2000,
    "Movies/Dune (1984)/Dune (1984).mkv": 1000,
    "Movies/Dune (2021)/Dune (2021).mkv": 1000,
    "Movies2/Heat.1995.720p.BluRay.x264-GRP.mkv": 1200,
    "Movies2/Dune.mkv": 900,
    "Movies2/Shorts (2009).mkv": 800,
    "TV/Breaking Bad (2008)/Season 01/Breaking Bad - S01E01 - Pilot.mkv": 500,
    "TV/Breaking Bad (2008)/Season 01/Breaking Bad - S01E02 - Cat's in the Bag.mkv": 500,
    "TV2/Breaking.Bad.S02E01.1080p.WEB-DL.x264-GRP.mkv": 700,
    "TV2/Breaking.Bad.S02E02E03.1080p.WEB-DL.x264-GRP.mkv": 1400,
    "TV/Trailer Park Boys/Season 01/Trailer Park Boys - S01E01 - Take Your Little Gun.mkv": 400,
    "TV/Extras (2005)/Season 01/Extras - S01E01 - Ben Stiller.mkv": 400,
}
SKIPPED = {
    "Movies/Heat (1995)/Heat (1995)-sample.mkv": 10,
    "Movies/Heat (1995)/Sample/heat.sample.mkv": 10,
    "Movies/Heat (1995)/Heat (1995)-trailer.mp4": 10,
    "Movies/The Matrix (1999)/Extras/Making Of.mkv": 10,
    "Movies/The Matrix (1999)/Featurettes/Bullet Time.mkv": 10,
    "Movies/The Matrix (1999)/Behind The Scenes/Wires.mkv": 10,
    "Movies/The Matrix (1999)/The Matrix (1999).nfo": 10,
    "Movies/The Matrix (1999)/The Matrix (1999).en.srt": 10,
    "Movies/.hidden/Secret (2000).mkv": 10,
    "Movies/.Secret (2001).mkv": 10,
    "Movies/._Heat (1995).mkv": 10,
    "Movies/Partial (2020)/Partial (2020).mkv.part": 10,
    "Movies/Partial (2020)/Partial (2020).mkv.!qB": 10,
    "Movies/Partial (2020)/Partial (2020).mkv.crdownload": 10,
    "Movies/Partial (2020)/Partial (2020).mkv.partial": 10,
    "Movies/Partial (2020)/Partial (2020).tmp": 10,
    "TV/Breaking Bad (2008)/Season 01/Breaking Bad - S01E01 - Pilot-deleted scenes.mkv": 10,
    "TV2/Breaking.Bad.S02E01.1080p.WEB-DL.x264-GRP.sample.mkv": 10,
}
SOURCES = ("Movies", "Movies2", "TV", "TV2")


def age(root: Path, seconds: float = 3600) -> None:
    """Backdate every folder, as a library that has sat on a NAS for a while."""
    past = time.time() - seconds
    for folder, _, _ in os.walk(root):
        os.utime(folder, (past, past))


def specs_for(root: Path, names=SOURCES) -> list[SourceSpec]:
    return [SourceSpec(n, str(root / n), "movies" if n.startswith("Movies") else "tv") for n in names]


@pytest.fixture
def nas(tmp_path) -> Path:
    root = tmp_path / "nas"
    write_tree(root, {**KEPT, **SKIPPED})
    age(root)
    return root


@pytest.fixture
def catalog(tmp_path):
    with Catalog(tmp_path / "catalog.db") as opened:
        yield opened


def cataloged(catalog: Catalog) -> set[str]:
    return {f"{source}/{rel}" for source, rel in catalog.conn.execute("SELECT source, relpath FROM files")}


@pytest.mark.parametrize("patterns, name, ignored", [
    (["sample"], "Movie.SAMPLE", True),
    (["sample"], "Movie-ſample", True),  # IGNORECASE folds the long s to "s"
    (["trailer"], "MOVIE_TRAİLER", True),
    (["ſample"], "Movie - SAMPLE", True),
    (["behind the scenes"], "Behind.The.Scenes", True),
    (["sample"], "Resample", False),
    (["sample"], "Samples of Sound", False),
])
def test_ignore_patterns_are_case_blind_beyond_ascii(patterns, name, ignored):
    assert walker.ignore_matcher(patterns)(name) is ignored


def test_a_cold_scan_keeps_the_videos_and_skips_the_clutter(nas, catalog):
    report = scan(catalog, specs_for(nas), Discovery())
    assert report.ok, report.as_dict()
    assert cataloged(catalog) == set(KEPT)
    totals = report.totals
    assert totals["added"] == totals["files_total"] == len(KEPT)
    assert totals["removed"] == totals["unchanged_dirs"] == 0
    by_name = {s.name: s for s in report.sources}
    assert by_name["Movies"].files_total == 4 and by_name["TV2"].files_total == 2
    data = report.as_dict()
    assert set(data) >= {"ok", "sources", "totals", "seconds"}
    assert set(data["sources"][0]) >= {"name", "root", "ok", "reason", "files_total", "added", "removed",
                                       "unchanged_dirs", "seconds"}


def test_titles_that_look_like_clutter_are_kept(nas, catalog):
    scan(catalog, specs_for(nas), Discovery())
    titles = {item.title for item in catalog.items()}
    assert {"Trailer Park Boys", "Extras", "Shorts"} <= titles


def test_the_same_film_in_two_folders_is_one_title(nas, catalog):
    scan(catalog, specs_for(nas), Discovery())
    (heat,) = catalog.lookup("Heat")
    assert heat.kind == "movie" and heat.year == 1995 and heat.files == 2
    assert heat.folders == ("Movies", "Movies2") and heat.size == 4200
    assert {f.folder for f in catalog.files(heat.id)} == {"Movies", "Movies2"}


def test_a_show_split_over_tv_and_tv2_is_one_show_keeping_its_year(nas, catalog):
    scan(catalog, specs_for(nas), Discovery())
    (show,) = catalog.lookup("Breaking Bad")
    assert show.kind == "show" and show.year == 2008
    assert show.folders == ("TV", "TV2")
    assert catalog.seasons(show.id) == {1: [1, 2], 2: [1, 2, 3]}
    assert show.seasons == 2 and show.episodes == 5 and show.files == 4


def test_a_title_without_year_joins_only_an_unambiguous_one(nas, catalog):
    scan(catalog, specs_for(nas), Discovery())
    dunes = catalog.lookup("Dune")
    assert sorted((d.year or 0, d.files) for d in dunes) == [(0, 1), (1984, 1), (2021, 1)]
    assert [d.year for d in catalog.lookup("Dune (2021)")] == [2021]


def test_titles_stay_right_as_years_arrive_scan_after_scan(tmp_path, catalog):
    root = tmp_path / "nas"
    write_tree(root, {"TV2/Doctor.Who.S01E01.mkv": 10, "Movies2/Dune.mkv": 10})
    age(root)
    scan(catalog, specs_for(root, ["Movies2", "TV2"]), Discovery())
    (show,) = catalog.lookup("Doctor Who")
    assert show.year is None
    write_tree(root, {"TV/Doctor Who (2005)/Season 01/Doctor Who (2005) - S01E02.mkv": 10,
                      "Movies/Dune (1984)/Dune (1984).mkv": 10})
    age(root)
    scan(catalog, specs_for(root, ["Movies", "Movies2", "TV", "TV2"]), Discovery())
    (dated,) = catalog.lookup("Doctor Who")
    assert (dated.id, dated.year, dated.files) == (show.id, 2005, 2)  # the same title, now dated
    (dune,) = catalog.lookup("Dune")
    assert (dune.year, dune.files) == (1984, 2)
    write_tree(root, {"Movies/Dune (2021)/Dune (2021).mkv": 10})
    age(root, 60)
    scan(catalog, specs_for(root, ["Movies", "Movies2", "TV", "TV2"]), Discovery())
    assert sorted((d.year or 0, d.files) for d in catalog.lookup("Dune")) == [(0, 1), (1984, 1), (2021, 1)]
    shutil.rmtree(root / "Movies/Dune (2021)")
    age(root, 30)
    scan(catalog, specs_for(root, ["Movies", "Movies2", "TV", "TV2"]), Discovery())
    assert [(d.year, d.files) for d in catalog.lookup("Dune")] == [(1984, 2)]
    assert catalog.conn.execute("SELECT count(*) FROM items WHERE files = 0 OR files IS NULL").fetchone() == (0,)


def test_an_unchanged_rescan_lists_no_folder_and_writes_nothing(nas, catalog, monkeypatch):
    first = scan(catalog, specs_for(nas), Discovery())
    generation = catalog.generation()
    writes = []
    catalog.conn.set_trace_callback(lambda sql: writes.append(sql) if sql.lstrip().upper().startswith(
        ("INSERT INTO FILES", "UPDATE FILES", "DELETE FROM FILES", "INSERT INTO ITEMS", "UPDATE ITEMS")) else None)
    again = scan(catalog, specs_for(nas), Discovery())
    catalog.conn.set_trace_callback(None)
    assert again.ok
    assert again.totals["listed_dirs"] == 0
    assert again.totals["unchanged_dirs"] == first.totals["listed_dirs"]
    assert again.totals["added"] == again.totals["removed"] == again.totals["updated"] == 0
    assert again.totals["files_total"] == len(KEPT)
    assert writes == [] and catalog.generation() == generation


def test_incremental_add_remove_and_replace(nas, catalog):
    specs = specs_for(nas)
    scan(catalog, specs, Discovery())
    season = nas / "TV/Breaking Bad (2008)/Season 01"
    write_tree(nas, {"TV/Breaking Bad (2008)/Season 01/Breaking Bad - S01E03 - And the Bag's in the River.mkv": 500})
    age(season, 60)
    report = scan(catalog, specs, Discovery())
    assert report.totals["added"] == 1 and report.totals["removed"] == 0
    assert report.totals["listed_dirs"] == 1  # only the season folder was read again
    (show,) = catalog.lookup("Breaking Bad")
    assert catalog.seasons(show.id)[1] == [1, 2, 3]

    (season / "Breaking Bad - S01E02 - Cat's in the Bag.mkv").unlink()
    age(season, 30)
    report = scan(catalog, specs, Discovery())
    assert (report.totals["added"], report.totals["removed"]) == (0, 1)
    assert catalog.seasons(show.id)[1] == [1, 3]

    heat = nas / "Movies2/Heat.1995.720p.BluRay.x264-GRP.mkv"
    with open(heat, "ab") as grown:
        grown.write(b"more")
    age(nas / "Movies2", 20)
    catalog.conn.execute("INSERT INTO hashes SELECT source, dir, relpath, size, mtime_ns, 'old' FROM files "
                         "WHERE relpath LIKE 'Heat.1995%'")
    report = scan(catalog, specs, Discovery())
    assert report.totals["updated"] == 1
    heat_files = {f.relpath: f for f in catalog.files(catalog.lookup("Heat")[0].id)}
    grown_file = heat_files["Heat.1995.720p.BluRay.x264-GRP.mkv"]
    assert (grown_file.size, grown_file.sha256) == (1204, None)  # the hash was of the old content
    assert catalog.lookup("Heat")[0].size == 4204


def test_a_removed_folder_removes_its_files_and_empty_titles(nas, catalog):
    specs = specs_for(nas)
    scan(catalog, specs, Discovery())
    shutil.rmtree(nas / "TV/Trailer Park Boys")
    age(nas / "TV", 10)
    report = scan(catalog, specs, Discovery())
    assert report.totals["removed"] == 1
    assert catalog.lookup("Trailer Park Boys") == []
    assert "TV/Trailer Park Boys/Season 01" not in {r for (r,) in catalog.conn.execute("SELECT relpath FROM dirs")}


def test_a_folder_changed_moments_before_the_scan_is_read_again_next_time(nas, catalog):
    """Its mtime may not move again within the file system's granularity, so it is not trusted."""
    specs = specs_for(nas)
    os.utime(nas / "Movies2")  # touched just now
    scan(catalog, specs, Discovery())
    report = scan(catalog, specs, Discovery())
    assert report.totals["listed_dirs"] == 1
    assert {s.name: s.listed_dirs for s in report.sources}["Movies2"] == 1


def test_full_rescan_lists_everything(nas, catalog):
    specs = specs_for(nas)
    first = scan(catalog, specs, Discovery())
    again = scan(catalog, specs, Discovery(), full=True)
    assert again.totals["listed_dirs"] == first.totals["listed_dirs"]
    assert again.totals["added"] == again.totals["updated"] == 0


def test_new_discovery_settings_read_every_folder_again(nas, catalog, tmp_path):
    """Files a narrower config skipped must appear once it widens, though no folder changed."""
    first = scan(catalog, specs_for(nas), Discovery(video_extensions=(".mp4",)))
    assert first.totals["files_total"] == 0 and not any(s.full for s in first.sources)
    again = scan(catalog, specs_for(nas), Discovery())
    assert all(s.full for s in again.sources)
    assert cataloged(catalog) == set(KEPT)
    steady = scan(catalog, specs_for(nas), Discovery())
    assert steady.totals["listed_dirs"] == 0 and not any(s.full for s in steady.sources)


def test_a_changed_name_parser_reads_every_folder_again(nas, catalog, monkeypatch):
    import plexsh.library.scanner as scanner_module

    scan(catalog, specs_for(nas), Discovery())
    monkeypatch.setattr(scanner_module, "fingerprint", lambda discovery: "parser-v2")
    report = scan(catalog, specs_for(nas), Discovery())
    assert all(s.full for s in report.sources)
    assert report.totals["added"] == report.totals["removed"] == 0


def test_scan_depth_is_respected(nas, catalog):
    scan(catalog, specs_for(nas), Discovery(scan_depth=1))
    assert cataloged(catalog) == {p for p in KEPT if p.count("/") <= 2}


def test_odd_file_names(tmp_path, catalog):
    names = {
        "Movies/It's a \"Test\" (2001)/It's a \"Test\" (2001).mkv": 10,
        "Movies/-Dash Movie (2005).mkv": 10,
        "Movies/--help (2006).mkv": 10,
        "Movies/Amélie (2001)/Amélie (2001).mkv": 10,
        "Movies/東京物語 (1953).mkv": 10,
        "Movies/New\nLine (2010).mkv": 10,
        "Movies/Spaced   Out  (1999).mkv": 10,
        "Movies/semi;colon $HOME `tick` (2002).mkv": 10,
    }
    write_tree(tmp_path / "nas", names)
    report = scan(catalog, specs_for(tmp_path / "nas", ["Movies"]), Discovery())
    assert report.ok and report.totals["added"] == len(names)
    assert cataloged(catalog) == set(names)
    paths = {f.path for item in catalog.items() for f in catalog.files(item.id)}
    assert paths == {str(tmp_path / "nas" / rel) for rel in names}
    assert all(os.path.exists(p) for p in paths)
    assert catalog.lookup("Amélie")[0].year == 2001


def test_fakelib_demo_library_ground_truth(tmp_path, catalog):
    stats = make_demo_library(tmp_path / "demo")
    report = scan(catalog, specs_for(tmp_path / "demo"), Discovery())
    assert report.ok
    assert cataloged(catalog) == {v.path for v in stats.videos}
    assert len(catalog.items("movies")) == stats.movies
    assert len(catalog.items("tv")) == stats.shows


def test_a_missing_and_a_non_folder_source_are_reported_while_the_rest_is_scanned(nas, catalog, tmp_path):
    (tmp_path / "afile").write_text("x")
    specs = specs_for(nas) + [SourceSpec("Gone", str(tmp_path / "gone"), "movies"),
                              SourceSpec("afile", str(tmp_path / "afile"), "tv")]
    report = scan(catalog, specs, Discovery())
    by_name = {s.name: s for s in report.sources}
    assert not report.ok and [s.name for s in report.failed] == ["Gone", "afile"]
    assert by_name["Gone"].reason == "does not exist"
    assert by_name["afile"].reason == "is not a folder"
    assert all(by_name[n].ok for n in SOURCES)
    assert cataloged(catalog) == set(KEPT)


def test_a_failed_source_keeps_what_the_catalog_knew(nas, catalog, tmp_path):
    scan(catalog, specs_for(nas), Discovery())
    moved = tmp_path / "unmounted"
    (nas / "TV2").rename(moved)
    report = scan(catalog, specs_for(nas), Discovery())
    assert {s.name: s.ok for s in report.sources}["TV2"] is False
    assert cataloged(catalog) == set(KEPT)  # a share that is not mounted is not a deleted share
    (row,) = [r for r in catalog.source_rows() if r.name == "TV2"]
    assert row.ok is False and row.reason == "does not exist"


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_remote_sources_are_reported_with_rsyncs_reason(nas, catalog):
    # Nothing listens on the port, nor (here) on ssh's: both fail at once, with rsync's words.
    specs = specs_for(nas, ["Movies"]) + [SourceSpec("TVr", f"rsync://127.0.0.1:{_closed_port()}/media/TV", "tv"),
                                          SourceSpec("TVs", "me@127.0.0.1:/volume1/TV", "tv")]
    report = scan(catalog, specs, Discovery())
    failed = {s.name: s.reason for s in report.failed}
    assert sorted(failed) == ["TVr", "TVs"]
    assert failed["TVr"].startswith("unreachable (rsync exit 10 (error in socket I/O)") and "refused" in failed["TVr"]
    assert "rsync exit" in failed["TVs"]
    assert {s.name: s.ok for s in report.sources}["Movies"]


def _run_as_nobody(function):
    """Run `function()` in a forked child with the nobody user's rights; returns its result."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        try:
            os.setgid(65534)
            os.setuid(65534)
            result = ("ok", function())
        except BaseException as error:
            result = ("error", repr(error))
        os.write(write_end, pickle.dumps(result))
        os._exit(0)
    os.close(write_end)
    data = b""
    while chunk := os.read(read_end, 65536):
        data += chunk
    os.close(read_end)
    os.waitpid(pid, 0)
    status, value = pickle.loads(data)
    assert status == "ok", value
    return value


def test_an_unreadable_source_is_reported_by_name(tmp_path):
    # chmod 000 stops nobody but root, and the tests run as root here: so when root, the scan
    # itself runs as the "nobody" user, in a folder that user may use.
    base = Path(tempfile.mkdtemp(prefix="plexsh-unreadable-"))
    try:
        os.chmod(base, 0o777)
        write_tree(base / "nas", {"Movies/Heat (1995).mkv": 10, "TV/Lost/Season 01/Lost - S01E01.mkv": 10})
        for folder, _, _ in os.walk(base):
            os.chmod(folder, 0o777)
        os.chmod(base / "nas/TV", 0o000)
        specs = specs_for(base / "nas", ["Movies", "TV"])

        def run():
            with Catalog(base / "catalog.db") as catalog:
                report = scan(catalog, specs, Discovery())
                return [(s.name, s.ok, s.reason, s.files_total) for s in report.sources]

        outcome = _run_as_nobody(run) if os.geteuid() == 0 else run()
        assert outcome == [("Movies", True, None, 1), ("TV", False, "cannot be read (permission denied)", 0)]
    finally:
        os.chmod(base / "nas/TV", 0o755)
        shutil.rmtree(base)


@pytest.fixture
def hanging(monkeypatch):
    """Make every listing of folders under a root block, as a dead network mount does.

    The scan's children are forked, so they inherit this os.scandir; the test process itself
    never lists those folders. A real dead mount blocks in uninterruptible sleep where SIGKILL
    cannot reach; this child sleeps where it can, and `unkillable` below covers the other case.
    """
    roots: list[str] = []
    real_scandir = os.scandir

    def scandir(path="."):
        if any(str(path).startswith(root) for root in roots):
            time.sleep(3600)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    return roots


# Long enough that a healthy source's forked walker, starved by a busy machine, still answers in
# time; the hanging one costs each test this much.
PATIENCE = 3


def test_a_hanging_source_is_reported_and_the_others_are_scanned(nas, catalog, hanging):
    hanging.append(str(nas / "TV2"))
    report = scan(catalog, specs_for(nas), Discovery(scan_timeout=PATIENCE))
    by_name = {s.name: s for s in report.sources}
    assert by_name["TV2"].ok is False
    assert by_name["TV2"].reason == f"not answering after {PATIENCE} s (a dead network mount?)"
    assert all(by_name[n].ok for n in ("Movies", "Movies2", "TV"))
    assert cataloged(catalog) == {p for p in KEPT if not p.startswith("TV2/")}


def test_a_child_that_cannot_be_killed_is_abandoned_not_waited_on(nas, catalog, hanging, monkeypatch):
    hanging.append(str(nas / "Movies2"))
    killed = []
    monkeypatch.setattr(sources_module.os, "kill", lambda pid, sig: killed.append(pid))  # SIGKILL "fails"
    report = scan(catalog, specs_for(nas), Discovery(scan_timeout=PATIENCE))
    monkeypatch.undo()
    assert [s.name for s in report.failed] == ["Movies2"]
    assert killed and killed[0] in sources_module._abandoned
    for pid in killed:  # the test's own clean-up: really end the child
        os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while sources_module.reap_abandoned() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not sources_module._abandoned


def test_an_interrupted_scan_leaves_no_walker_running(nas, catalog, hanging):
    hanging.append(str(nas / "TV"))

    def interrupt(progress):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        scan(catalog, specs_for(nas), Discovery(scan_timeout=30), progress=interrupt)
    deadline = time.monotonic() + 30
    while sources_module.reap_abandoned() and time.monotonic() < deadline:
        time.sleep(0.01)
    with pytest.raises(ChildProcessError):  # every child is gone and collected
        os.waitpid(-1, os.WNOHANG)


def test_only_scans_the_named_sources(nas, catalog):
    report = scan(catalog, specs_for(nas), Discovery(), only=["movies2", str(nas / "TV")])
    assert [s.name for s in report.sources] == ["Movies2", "TV"]
    assert {p.split("/")[0] for p in cataloged(catalog)} == {"Movies2", "TV"}
    with pytest.raises(NotFound) as caught:
        scan(catalog, specs_for(nas), Discovery(), only=["Music"])
    assert "Music" in str(caught.value) and "Movies, Movies2, TV, TV2" in str(caught.value)


def test_sources_no_longer_configured_are_forgotten(nas, catalog):
    scan(catalog, specs_for(nas), Discovery())
    report = scan(catalog, specs_for(nas, ["Movies", "TV"]), Discovery())
    assert report.pruned == ["Movies2", "TV2"]
    (heat,) = catalog.lookup("Heat")
    assert heat.files == 1 and heat.folders == ("Movies",)
    assert catalog.lookup("Shorts") == []


def test_a_source_whose_root_moved_starts_over(nas, catalog, tmp_path):
    scan(catalog, specs_for(nas, ["Movies2"]), Discovery())
    other = tmp_path / "other"
    write_tree(other, {"Movies2/Alien (1979).mkv": 10})
    report = scan(catalog, specs_for(other, ["Movies2"]), Discovery())
    assert report.totals["added"] == 1
    assert cataloged(catalog) == {"Movies2/Alien (1979).mkv"}


def test_progress_is_reported_at_most_ten_times_a_second(nas, catalog):
    seen: list[ScanProgress] = []
    started = time.monotonic()
    scan(catalog, specs_for(nas), Discovery(), progress=seen.append)
    elapsed = time.monotonic() - started
    assert seen and len(seen) <= elapsed * 10 + len(SOURCES) + 1
    assert seen[-1].sources_done == seen[-1].sources_total == len(SOURCES)
    assert sum(p.files_seen for p in seen if p.sources_done) > 0
    assert set(seen[-1].as_dict()) == {"source", "dirs_seen", "files_seen", "files_parsed",
                                       "sources_done", "sources_total", "walking"}


def test_a_name_the_parser_chokes_on_is_kept_with_a_warning(nas, catalog, monkeypatch):
    real = walker.parse_fields

    def fragile(path, kind_hint=None):
        if "Shorts" in path:
            raise ValueError("cannot cope")
        return real(path, kind_hint)

    monkeypatch.setattr(walker, "parse_fields", fragile)
    report = scan(catalog, specs_for(nas), Discovery())
    assert report.ok
    (movies2,) = [s for s in report.sources if s.name == "Movies2"]
    assert movies2.warnings == ["Shorts (2009).mkv: the name parser failed (ValueError: cannot cope)"]
    assert catalog.lookup("Shorts (2009)")[0].kind == "movie"


def test_a_symlink_loop_does_not_trap_the_walk(nas, catalog):
    os.symlink(nas / "Movies", nas / "Movies/Heat (1995)/loop")
    report = scan(catalog, specs_for(nas, ["Movies"]), Discovery())
    assert report.ok and report.totals["files_total"] == 4


def test_an_interrupted_scan_leaves_no_loose_files(nas, catalog):
    """Files written before a crash join their titles at the next scan."""
    scan(catalog, specs_for(nas), Discovery())
    catalog.conn.execute("UPDATE files SET item_id = NULL")
    catalog.conn.execute("DELETE FROM items")
    catalog.conn.commit()
    report = scan(catalog, specs_for(nas), Discovery())
    assert report.totals["added"] == 0
    assert catalog.lookup("Heat")[0].files == 2
    assert catalog.conn.execute("SELECT count(*) FROM files WHERE item_id IS NULL").fetchone() == (0,)


# --- sources and probes ----------------------------------------------------------------------


def test_sources_from_config_names_and_disambiguates():
    config = Config(sources={
        "movies": ("/mnt/a/Movies", "/mnt/b/Movies", "/mnt/a/Movies2", "/mnt/a/Movies/"),
        "tv": ("/mnt/a/TV", "rsync://nas/TV2", "me@nas:/volume1/Shows"),
    })
    specs = sources_from_config(config)
    assert [(s.name, s.kind) for s in specs] == [
        ("a-Movies", "movies"), ("b-Movies", "movies"), ("Movies2", "movies"),
        ("TV", "tv"), ("TV2", "tv"), ("Shows", "tv")]
    assert [s.remote for s in specs] == [False, False, False, False, True, True]
    assert specs[0].as_dict() == {"name": "a-Movies", "root": "/mnt/a/Movies", "kind": "movies", "remote": False}


def test_probe(nas, tmp_path):
    (tmp_path / "afile").write_text("x")
    cases = {
        "Movies": (str(nas / "Movies"), True, "ok"),
        "gone": (str(tmp_path / "gone"), False, "does not exist"),
        "afile": (str(tmp_path / "afile"), False, "is not a folder"),
        "remote": (f"rsync://127.0.0.1:{_closed_port()}/media/Movies", False,
                   "unreachable (rsync exit 10 (error in socket I/O)"),
    }
    for name, (root, ok, reason) in cases.items():
        result = probe(SourceSpec(name, root, "movies"), timeout=30)
        assert (result.ok, result.reason[:len(reason)]) == (ok, reason), name
        assert result.seconds >= 0


def test_probing_hanging_sources_costs_one_timeout_not_one_each(nas, hanging, monkeypatch):
    hanging += [str(nas / "TV"), str(nas / "TV2")]
    events = []
    child_class = sources_module.ForkedChild
    start, read = child_class.__init__, child_class.read

    def started(self, target):
        events.append("start")
        start(self, target)

    def heard(self):
        events.append("read")
        return read(self)

    monkeypatch.setattr(child_class, "__init__", started)
    monkeypatch.setattr(child_class, "read", heard)
    results = probe_all(specs_for(nas), timeout=PATIENCE)
    assert events[:5] == ["start"] * 4 + ["read"]  # every probe runs before any is listened to
    assert [(s.name, r.ok) for s, r in results] == [("Movies", True), ("Movies2", True), ("TV", False), ("TV2", False)]
    assert results[2][1].reason == f"not answering after {PATIENCE} s (a dead network mount?)"
    assert results[2][1].as_dict()["ok"] is False
