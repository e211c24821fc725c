"""The command line end to end: -c, script files, stdin, --json, exit statuses, and what a person reads."""

import json
import os
import sqlite3
import stat
import sys
from contextlib import closing


from conftest import REPO, on_terminal, plexsh_env, run_json, run_plexsh, write_config


def test_version():
    result = run_plexsh("--version")
    assert result.returncode == 0 and result.stdout.startswith("plexsh ")


def test_scan_then_ls_lists_movies_merged_across_folders(configured):
    result = run_plexsh("-c", "scan; ls movies")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    titles = [(line.split("  ") + [""])[1] for line in lines]  # after the sync mark
    # one alphabetical list, "The" ignored for sorting, Heat once though it is in Movies and Movies2
    movie_rows = [t for t in titles if t in ("Alien", "Amélie", "Blade Runner 2049", "Dune Part Two", "Heat",
                                             "The Matrix")]
    assert movie_rows == ["Alien", "Amélie", "Blade Runner 2049", "Dune Part Two", "Heat", "The Matrix"]
    heat = next(line for line in lines if line.startswith("⬜  Heat "))
    assert "Movies, Movies2" in heat and "2 files" in heat


def test_clutter_is_not_cataloged(scanned):
    items = run_json("ls all")[0]["items"]
    titles = {i["title"] for i in items}
    assert "Secret" not in titles and "Unfinished" not in titles and "Making Of" not in titles
    matrix = run_json('info "The Matrix"')[0]
    assert len(matrix["files"]) == 2  # the 1080p and 2160p versions; not the sample or extras


def test_json_mode_prints_one_object_per_command(scanned):
    objects = run_json("ls movies", 'show "Breaking Bad" s3', 'parse "Show.Name.S01E02E03.720p.HDTV.x264-GRP.mkv"')
    assert [o["command"] for o in objects] == ["ls", "show", "parse"]
    assert all(o["ok"] for o in objects)
    assert {"title", "year", "kind"} <= set(objects[0]["items"][0])
    (season,) = objects[1]["seasons"]
    assert season["season"] == 3
    assert [e["episode"] for e in season["episodes"]] == [1, 2, [3, 4]]
    parsed = objects[2]["result"]
    assert (parsed["title"], parsed["season"], parsed["episode"], parsed["resolution"]) == (
        "Show Name", 1, [2, 3], "720p")


def test_show_merges_a_show_split_across_folders(scanned):
    (reply,) = run_json('show "Breaking Bad"')
    assert [s["season"] for s in reply["seasons"]] == [1, 2, 3]
    folders = {e["folder"] for s in reply["seasons"] for e in s["episodes"]}
    assert folders == {"TV", "TV2"}


def test_show_plain_output_lists_seasons_then_episodes(scanned):
    out = run_plexsh("-c", "show breaking bad").stdout
    assert "Season 1" in out and "Season 3" in out and "1-4" in out
    out = run_plexsh("-c", "show breaking bad s1 e2-3").stdout
    assert "S01E02" in out and "Cat's in the Bag" in out and "S01E03" in out and "S01E01" not in out


def test_missing_season_is_a_clear_error_naming_what_exists(scanned):
    result = run_plexsh("-c", "show breaking bad s7")
    assert result.returncode == 1
    assert "Breaking Bad has no season 7; it has seasons 1-3" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_title_suggests_the_closest(scanned):
    result = run_plexsh("-c", "show brakeing bed")
    assert result.returncode == 1
    assert "no title matches 'brakeing bed'" in result.stderr and "Breaking Bad" in result.stderr


def test_find_tolerates_typos(scanned):
    for query, expected in (("brekin bad", "Breaking Bad"), ("matrx", "The Matrix"), ("amelie", "Amélie")):
        (reply,) = run_json(f"find {query}")
        assert reply["items"][0]["title"] == expected, (query, reply["items"][:3])


def test_syntax_error_exits_2_and_runs_nothing(configured):
    result = run_plexsh("-c", "scan; ls movies quality 1080")
    assert result.returncode == 2
    assert "line 1, column 25" in result.stderr
    assert result.stderr.splitlines()[1:3] == ["scan; ls movies quality 1080", " " * 24 + "^"]
    assert "Traceback" not in result.stderr
    # the scan before the error did not run
    (reply,) = run_json("ls all")
    assert reply["total"] == 0


def test_failed_command_stops_the_run_with_status_1(scanned):
    result = run_plexsh("-c", 'show "No Such Thing"; ls movies')
    assert result.returncode == 1
    assert "The Matrix" not in result.stdout


def test_keep_going_runs_the_rest_but_still_fails(scanned):
    result = run_plexsh("-c", 'set keep-going; show "No Such Thing"; ls movies')
    assert result.returncode == 1
    assert "The Matrix" in result.stdout


def test_script_file_with_shebang_and_comments(scanned, tmp_path):
    script = tmp_path / "nightly.plexsh"
    script.write_text("#!/usr/bin/env plexsh\n# list what we have\nls movies  # all of them\n\nfind heat\n")
    result = run_plexsh(str(script))
    assert result.returncode == 0, result.stderr
    assert "The Matrix" in result.stdout and "Heat" in result.stdout
    # executed directly, through the shebang, with plexsh on the PATH
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    env = dict(os.environ, PATH=f"{os.path.dirname(sys.executable)}:{os.environ['PATH']}")
    import subprocess

    direct = subprocess.run([str(script)], capture_output=True, text=True, env=env, cwd=REPO, timeout=60)
    assert direct.returncode == 0, direct.stderr
    assert "The Matrix" in direct.stdout


def test_script_syntax_error_names_its_line(scanned, tmp_path):
    script = tmp_path / "bad.plexsh"
    script.write_text("ls movies\n\nshow x next\n")
    result = run_plexsh(str(script))
    assert result.returncode == 2
    assert "line 3, column 12" in result.stderr
    assert result.stdout == ""


def test_commands_on_stdin(scanned):
    result = run_plexsh(input="find matrix\nshow heat\n")
    assert result.returncode == 0, result.stderr
    assert "The Matrix" in result.stdout and "Movies2" in result.stdout


def test_repeated_c_options_run_in_order(scanned):
    objects = run_json("find heat", "find alien")
    assert [o["query"] for o in objects] == ["heat", "alien"]


def test_parse_explains_a_file_name(home):
    (reply,) = run_json('parse "TV/Doctor Who (2005)/Specials/Doctor Who (2005) - S00E01 - The Christmas Invasion.mkv"')
    result = reply["result"]
    assert (result["title"], result["season"], result["episode"], result["kind"]) == ("Doctor Who", 0, 1, "episode")


def test_info_lists_every_file_with_its_path(scanned, nas):
    (reply,) = run_json('info "Heat"')
    paths = sorted(f["path"] for f in reply["files"])
    assert paths == sorted([str(nas / "Movies/Heat (1995)/Heat (1995).mkv"),
                            str(nas / "Movies2/Heat.1995.720p.BluRay.x264-GRP.mkv")])
    assert {f["folder"] for f in reply["files"]} == {"Movies", "Movies2"}


def test_ls_filters_and_sorts(scanned):
    def titles(command):
        return [i["title"] for i in run_json(command)[0]["items"]]

    assert titles("ls movies year 1990..1999") == ["Heat", "The Matrix"]
    assert titles("ls movies year>=2017 sort year") == ["Blade Runner 2049", "Dune Part Two"]
    assert titles("ls movies quality>=2160p") == ["Dune Part Two", "The Matrix"]
    assert titles("ls movies codec hevc") == ["Alien", "Dune Part Two"]
    assert titles('ls movies source "Movies2"') == ["Alien", "Dune Part Two", "Heat"]
    assert titles("ls movies size>10MB") == ["The Matrix"]
    assert titles("ls tv") == ["Breaking Bad", "Doctor Who", "The Office (US)"]
    assert titles("ls movies sort size desc")[0] == "The Matrix"
    assert titles("ls movies synced") == []


def test_ls_pages(scanned):
    objects = run_json("set page-size 3", "ls all page 2")
    ls = objects[1]
    assert (ls["page"], ls["pages"], ls["total"], len(ls["items"])) == (2, 3, 9, 3)
    result = run_plexsh("-c", "set page-size 3; ls all page 9")
    assert result.returncode == 1 and "there is no page 9" in result.stderr


def test_missing_source_is_reported_by_name_and_the_rest_scanned(home, nas):
    config = write_config(home, nas)
    config.write_text(config.read_text().replace(str(nas / "TV2"), str(nas / "Gone")))
    result = run_plexsh("-c", "scan")
    assert result.returncode == 1
    assert "Gone" in result.stderr and "does not exist" in result.stderr
    (reply,) = run_json("ls all")
    assert "The Matrix" in {i["title"] for i in reply["items"]}


def test_config_error_names_key_and_line(home, nas):
    config = write_config(home, nas, extra="discovery:\n  scan_dept: 3\n")
    result = run_plexsh("-c", "scan")
    assert result.returncode == 1
    assert "scan_dept" in result.stderr and "line 8" in result.stderr and str(config) in result.stderr
    assert "Traceback" not in result.stderr


def test_config_init_writes_a_starter_that_loads(home):
    result = run_plexsh("-c", "config init")
    assert result.returncode == 0, result.stderr
    assert (home / "config.yaml").exists()
    (reply,) = run_json("config")
    assert reply["ok"] and reply["config"]["path"] == str(home / "config.yaml")
    again = run_plexsh("-c", "config init")
    assert again.returncode == 1 and "already exists" in again.stderr


def test_help_is_built_from_the_registry():
    (reply,) = run_json("help")
    names = {c["name"] for c in reply["commands"]}
    assert {"scan", "ls", "find", "show", "info", "parse", "sources", "config", "doctor", "help", "set",
            "quit"} <= names
    out = run_plexsh("-c", "help ls").stdout
    assert "browse" in out and "year>=2010" in out


def test_doctor_checks_each_part(scanned):
    (reply,) = run_json("doctor")
    checks = {c["check"]: c for c in reply["checks"]}
    assert checks["rsync"]["ok"] and "rsync 3." in checks["rsync"]["detail"]
    assert checks["config"]["ok"]
    assert checks["source Movies2"]["ok"]
    assert checks["catalog"]["ok"]
    assert any(c["check"] == "destination" and "will be created" in c["detail"] for c in reply["checks"])


def test_sources_lists_reachability_and_counts(scanned):
    (reply,) = run_json("sources")
    by_name = {s["name"]: s for s in reply["sources"]}
    assert set(by_name) == {"Movies", "Movies2", "TV", "TV2"}
    assert all(s["reachable"] for s in by_name.values())
    assert by_name["TV2"]["files"] == 3


def test_no_color_gives_plain_text_even_on_a_terminal(scanned):
    assert "\x1b[" in on_terminal("-c", "ls movies")  # colour by default on a terminal ...
    plain = on_terminal("-c", "ls movies", NO_COLOR="1")  # ... and none with NO_COLOR
    assert "\x1b[" not in plain
    header, *rows = plain.splitlines()
    assert header.split() == ["title", "year", "kind", "quality", "size", "files", "source"]
    assert any("Blade Runner 2049  2017  movie" in row for row in rows)


def test_debug_shows_tracebacks_only_when_asked(scanned):
    with closing(sqlite3.connect(scanned / "plexsh.db")) as db, db:
        db.execute("DROP TABLE items")  # a damaged catalog: plexsh meets an error nobody foresaw
    result = run_plexsh("-c", "ls movies")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == ["error: internal error: OperationalError: no such table: items"]
    assert "PLEXSH_DEBUG=1" in result.stderr  # how to see more
    debug = run_plexsh("-c", "ls movies", PLEXSH_DEBUG="1")
    assert debug.returncode == 1
    assert "Traceback (most recent call last)" in debug.stderr
    assert debug.stderr.rstrip().endswith("sqlite3.OperationalError: no such table: items")


def test_json_syntax_error_is_one_object(home):
    result = run_plexsh("--json", "-c", "ls movies year")
    assert result.returncode == 2
    (reply,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert reply["ok"] is False and reply["command"] == "syntax" and reply["column"] == 15


def test_awkward_file_names_are_cataloged_and_shown(home, tmp_path):
    from conftest import write_tree

    nas = tmp_path / "odd"
    write_tree(nas, {
        "Movies/-Dash First (2001)/-Dash First (2001).mkv": 1000,
        'Movies/He Said "Hi" (2002)/He Said "Hi" (2002).mkv': 1000,
        "Movies/It's Here (2003)/It's Here (2003).mkv": 1000,
        "Movies/Ça Ira (2004)/Ça Ira (2004).mkv": 1000,
        "Movies/新世界 (2005)/新世界 (2005).mkv": 1000,
        "Movies/Two  Spaces (2006)/Two  Spaces (2006).mkv": 1000,
        "Movies/Line\nBreak (2007)/Line\nBreak (2007).mkv": 1000,
        "TV/Odd Show/Season 01/Odd Show - S01E01 - A \"quoted\" one.mkv": 1000,
        "TV/Odd Show/Season 01/Odd Show - S01E02 - new\nline.mkv": 1000,
    })
    (nas / "Movies2").mkdir()
    (nas / "TV2").mkdir()
    write_config(home, nas)
    assert run_plexsh("-c", "scan").returncode == 0
    (reply,) = run_json("ls all")
    titles = {i["title"] for i in reply["items"]}
    assert {"-Dash First", 'He Said "Hi"', "It's Here", "Ça Ira", "新世界", "Odd Show"} <= titles
    assert any(t.startswith("Line") for t in titles)
    (info,) = run_json('info "He Said \\"Hi\\""')
    assert info["ok"] and info["files"][0]["path"].endswith('He Said "Hi" (2002).mkv')
    (show,) = run_json('show "Odd Show" s1')
    assert [e["episode"] for e in show["seasons"][0]["episodes"]] == [1, 2]
    plain = run_plexsh("-c", "ls movies")
    assert plain.returncode == 0 and "Line\\nBreak" in plain.stdout  # one row per line, even so
    assert run_plexsh("-c", "info '-Dash First'").returncode == 0


def test_a_vanished_source_is_reported_and_its_titles_kept(scanned, nas):
    import shutil

    shutil.rmtree(nas / "TV2")
    result = run_plexsh("-c", "scan")
    assert result.returncode == 1 and "TV2" in result.stderr and "does not exist" in result.stderr
    (reply,) = run_json('show "Breaking Bad"')
    assert [s["season"] for s in reply["seasons"]] == [1, 2, 3]  # an unmounted share does not wipe the catalog


def test_a_vanished_file_leaves_the_catalog(scanned, nas):
    (nas / "TV2/Breaking.Bad.S03E02.1080p.WEB-DL.x264-GRP.mkv").unlink()
    assert run_plexsh("-c", "scan").returncode == 0
    (reply,) = run_json('show "Breaking Bad" s3')
    assert [e["episode"] for e in reply["seasons"][0]["episodes"]] == [1, [3, 4]]


def test_profiles_from_the_command_line_and_set(home, nas):
    write_config(home, nas, extra=(
        "profiles:\n"
        "  films-only:\n"
        "    sources:\n"
        f"      movies: [{json.dumps(str(nas / 'Movies'))}]\n"))
    (reply,) = run_json("config", )
    assert len(reply["config"]["sources"]["movies"]) == 2
    result = run_plexsh("--json", "--profile", "films-only", "-c", "config")
    config = json.loads(result.stdout)["config"]
    assert config["profile"] == "films-only" and config["sources"]["movies"] == [str(nas / "Movies")]
    objects = run_json("set profile films-only", "config")
    assert objects[1]["config"]["profile"] == "films-only"
    bad = run_plexsh("-c", "set profile nope")
    assert bad.returncode == 1 and "unknown profile 'nope'" in bad.stderr and "films-only" in bad.stderr
