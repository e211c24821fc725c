"""Usage through the real command line: a stand-in player that really reads the file, real access times, the reports."""

import json
import os
import shlex
import sqlite3
import sys
import time
from pathlib import Path

import pytest

from conftest import on_terminal, run_json, run_plexsh, write_config

DAY = 86400
PLAYER = '''\
import hashlib, sys
from pathlib import Path
data = Path(sys.argv[-1]).read_bytes()  # reads the whole file, as a player would
marker = Path(sys.argv[1])
marker.with_suffix(".tmp").write_text(f"{len(data)} {sys.argv[-1]}")
marker.with_suffix(".tmp").rename(marker)
'''


def wait_for(path: Path, deadline: float = 60) -> str:
    """The text the stand-in player leaves once it has read its file (it runs detached from plexsh)."""
    end = time.monotonic() + deadline
    while not path.exists():
        assert time.monotonic() < end, f"the player never wrote {path}"
        time.sleep(0.05)
    return path.read_text()


@pytest.fixture
def with_player(home, nas, tmp_path):
    """A home whose `player:` is a script that reads the file it is given and writes a marker."""
    script = tmp_path / "player.py"
    script.write_text(PLAYER)
    marker = tmp_path / "played"
    write_config(home, nas, f"player: {json.dumps(shlex.join([sys.executable, str(script), str(marker)]))}\n")
    result = run_plexsh("-c", "scan", "-c", 'get "Breaking Bad" s1', "-c", "get heat")
    assert result.returncode == 0, result.stderr
    return marker


def local(home: Path, rel: str) -> Path:
    return home / "local" / rel


EPISODE1 = "TV/Breaking Bad/Season 01/Breaking Bad - S01E01 - Pilot.mkv"
EPISODE2 = "TV/Breaking Bad/Season 01/Breaking Bad - S01E02 - Cat's in the Bag.mkv"
HEAT = "Movies/Heat (1995)/Heat.1995.720p.BluRay.x264-GRP.mkv"


def test_play_opens_the_local_copy_with_the_player_and_usage_counts_it(home, with_player):
    result = run_plexsh("-c", 'play "Breaking Bad"')
    assert result.returncode == 0, result.stderr
    assert f"▶ Breaking Bad S01E01 with {sys.executable}: {local(home, EPISODE1)}" in result.stdout
    assert wait_for(with_player) == f"500000 {local(home, EPISODE1)}"
    with_player.unlink()
    again, = run_json('play "Breaking Bad"')
    assert again["episode"] == "S01E02" and again["path"] == str(local(home, EPISODE2))
    wait_for(with_player)
    titles, per_file = run_json("usage", 'usage "Breaking Bad"')
    (entry,) = titles["titles"]
    assert (entry["title"], entry["plays"], entry["looks"], entry["category"]) == ("Breaking Bad", 2, 0, "medium")
    assert titles["months"][-1]["plays"] == 2
    by_code = {f["code"]: f for f in per_file["files"]}
    assert by_code["S01E01"]["uses"] == 1 and by_code["S01E02"]["uses"] == 1 and by_code["S01E03"]["uses"] == 0
    shown = run_plexsh("-c", 'usage "Breaking Bad"').stdout
    assert "Breaking Bad · 2 plays · last just now · 0 looks" in shown


def test_a_read_by_another_program_is_seen_through_the_access_time(home, with_player):
    heat = local(home, HEAT)
    os.utime(heat, ns=(int((time.time() - 20 * DAY) * 1e9), heat.stat().st_mtime_ns))
    first, = run_json("usage scan")
    assert (first["copies"], first["new"], first["reads"]) == (4, 4, 0)
    read_at = time.time() - 3 * DAY
    os.utime(heat, ns=(int(read_at * 1e9), heat.stat().st_mtime_ns))
    old = time.time() - 10 * DAY
    os.utime(local(home, EPISODE1), ns=(int(old * 1e9), local(home, EPISODE1).stat().st_mtime_ns))  # moved back: no read
    scanned = run_plexsh("-c", "usage scan")
    assert "looked at 4 local copies: 1 read by another program recorded" in scanned.stdout
    (usage,) = run_json("usage heat")
    assert usage["usage"]["plays"] == 1
    assert abs(usage["usage"]["last_played"] - read_at) < 1
    again, = run_json("usage scan")
    assert again["reads"] == 0  # the same access time is not counted twice


def test_a_play_through_plexsh_is_not_counted_again_when_its_read_moves_the_access_time(home, with_player):
    run_json("usage scan")
    run_plexsh("-c", "play heat")
    wait_for(with_player)
    heat = local(home, HEAT)
    os.utime(heat, ns=(time.time_ns(), heat.stat().st_mtime_ns))  # whatever the mount does, the read moved it
    scanned, usage = run_json("usage scan", "usage heat")
    assert (scanned["reads"], scanned["explained"]) == (0, 1)
    assert usage["usage"]["plays"] == 1


def test_a_scan_also_looks_at_the_access_times(home, with_player):
    run_json("usage scan")
    heat = local(home, HEAT)
    os.utime(heat, ns=(time.time_ns() + 10**9, heat.stat().st_mtime_ns))
    scan, = run_json("scan")
    assert scan["usage"]["reads"] == 1


def test_show_and_info_record_a_look_and_print_the_usage_line(home, with_player):
    shown = run_plexsh("-c", "show heat")
    assert "usage: never played · 1 look" in shown.stdout
    info, = run_json("info heat")
    assert info["usage"]["looks"] == 2 and info["usage"]["plays"] == 0
    (usage,) = run_json("usage")
    assert [(t["title"], t["looks"], t["plays"]) for t in usage["titles"]] == [("Heat", 2, 0)]


def test_never_lists_local_copies_never_played_and_shows_lists_progress(home, with_player):
    run_plexsh("-c", 'play "Breaking Bad" s1e2')
    wait_for(with_player)
    never, shows = run_json("usage never", "usage shows")
    assert sorted(f["code"] or f["title"] for f in never["files"]) == ["Heat", "S01E01", "S01E03"]
    (bad,) = shows["shows"]
    assert (bad["local"], bad["watched"], bad["last_watched"], bad["next"], bad["next_local"]) == \
        (3, 1, "S01E02", "S01E03", True)


def test_a_title_with_no_local_copy_cannot_be_played_and_the_error_says_how_to_get_it(home, with_player):
    result = run_plexsh("-c", "play alien")
    assert result.returncode == 1
    assert result.stderr.splitlines() == ['error: Alien (1979) has no local copy to play', '`get "Alien"` copies it first']


def test_a_player_that_is_not_installed_is_one_line(home, nas, with_player):
    write_config(home, nas, "player: no-such-player-here --fs\n")
    result = run_plexsh("-c", "play heat")
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == ("error: the player 'no-such-player-here' (player: in the config) "
                                             "is not installed or not on the PATH")


def test_with_analytics_off_nothing_is_recorded(home, nas, with_player):
    write_config(home, nas, "analytics:\n  enabled: false\nplayer: \"true\"\n")
    result = run_plexsh("-c", "play heat; show heat")
    assert result.returncode == 0, result.stderr
    (usage,) = run_json("usage")
    assert usage["titles"] == []


def test_the_export_has_the_records_and_summaries_and_hides_nas_paths_when_asked(home, nas, with_player, tmp_path):
    run_plexsh("-c", "show heat")
    out = tmp_path / "usage.json"
    result = run_plexsh("-c", f"usage export json {out}")
    assert result.returncode == 0 and "wrote 5 records and 2 titles" in result.stdout
    export = json.loads(out.read_text())
    assert {r["access_type"] for r in export["records"]} == {"get", "look"}
    assert str(nas) in out.read_text()
    write_config(home, nas, "security:\n  path_redaction: true\n")
    run_plexsh("-c", f"usage export json {out}")
    text = out.read_text()
    assert str(nas) not in text
    look = [r for r in json.loads(text)["records"] if r["access_type"] == "look"]
    assert look[0]["file_path"] == "Heat (1995)"


@pytest.mark.parametrize("line, message", [
    ("usage since 0d", "a time span must be at least a day"),
    ("usage scan since 3d", "unexpected 'since'; expected the end of the command"),
    ("recommend apply 0", "recommendations are numbered from 1"),
])
def test_bad_usage_input_is_one_line_with_a_caret(home, line, message):
    result = run_plexsh("-c", line)
    assert result.returncode == 2
    assert message in result.stderr and "^" in result.stderr


WAITING_PLAYER = '''\
import sys, time
from pathlib import Path
go, marker = Path(sys.argv[1]), Path(sys.argv[2])
while not go.exists():  # a player runs as long as the user watches
    time.sleep(0.05)
marker.write_text(str(len(Path(sys.argv[-1]).read_bytes())))
'''


def test_the_player_runs_on_its_own_plexsh_neither_waits_for_it_nor_ends_it(home, nas, with_player, tmp_path):
    script, go, marker = tmp_path / "waiting.py", tmp_path / "go", tmp_path / "watched"
    script.write_text(WAITING_PLAYER)
    write_config(home, nas, f"player: {json.dumps(shlex.join([sys.executable, str(script), str(go), str(marker)]))}\n")
    result = run_plexsh("-c", "play heat")  # would time out if plexsh waited for the player
    assert result.returncode == 0, result.stderr
    assert not marker.exists()
    go.touch()
    assert wait_for(marker) == "1200000"  # still running after plexsh exited, and it read the whole file


def read_days_ago(path: Path, days: float) -> None:
    """An access `days` ago that `usage scan` will see: a mark long before, a scan, then the read."""
    os.utime(path, ns=(int((time.time() - (days + 100) * DAY) * 1e9), path.stat().st_mtime_ns))
    run_plexsh("-c", "usage scan")
    os.utime(path, ns=(int((time.time() - days * DAY) * 1e9), path.stat().st_mtime_ns))
    run_plexsh("-c", "usage scan")


def test_since_keeps_to_the_window_and_the_half_life_sets_the_score(home, nas, with_player):
    read_days_ago(local(home, HEAT), 40)
    run_plexsh("-c", 'play "Breaking Bad"')
    wait_for(with_player)
    everything, recent = run_json("usage", "usage since 30d")
    assert {t["title"]: t["plays"] for t in everything["titles"]} == {"Breaking Bad": 1, "Heat": 1}
    assert [t["title"] for t in recent["titles"]] == ["Breaking Bad"]
    heat = next(t for t in everything["titles"] if t["title"] == "Heat")
    assert heat["score"] == pytest.approx(0.5 ** (40 / 30), rel=1e-3) and heat["category"] == "low"
    write_config(home, nas, "analytics:\n  half_life_days: 10\n")
    (faster,) = run_json("usage heat")
    assert faster["usage"]["score"] == pytest.approx(0.5 ** 4, rel=1e-3)


def test_records_older_than_the_retention_are_deleted_by_the_next_usage_scan(home, nas, with_player):
    read_days_ago(local(home, HEAT), 40)
    write_config(home, nas, "analytics:\n  retention_days: 30\n")
    scanned, usage = run_json("usage scan", "usage heat")
    assert scanned["pruned"] >= 1
    assert usage["usage"]["plays"] == 0


def test_the_activity_is_a_bar_chart_on_a_terminal_and_a_line_of_text_in_a_pipe(home, with_player):
    run_plexsh("-c", "play heat")
    wait_for(with_player)
    month = time.strftime("%Y-%m")
    drawn = on_terminal("-c", "usage")
    assert "plays per month" in drawn and f"{month} {'█' * 24}" in drawn
    piped = run_plexsh("-c", "usage").stdout
    assert f"plays per month: " in piped and f"{month} 1" in piped and "█" not in piped


def test_doctor_says_whether_access_times_can_be_trusted_at_each_destination(home, with_player):
    (doctor,) = run_json("doctor")
    lines = [c["detail"] for c in doctor["checks"] if c["check"] == "access times"]
    assert len(lines) == 2
    assert all(str(home / "local") in line for line in lines)
    assert all(any(word in line for word in ("relatime:", "noatime:", "strictatime:")) for line in lines)


@pytest.mark.parametrize("extra, message", [
    ("player: \"mpv 'x\"\n", "player: cannot read this command line: No closing quotation"),
    ("analytics:\n  half_life_days: 0\n", "analytics.half_life_days must be a number above 0"),
    ("analytics:\n  retention: 30\n", "unknown key 'analytics.retention'"),
])
def test_a_bad_analytics_or_player_setting_names_its_line(home, nas, extra, message):
    write_config(home, nas, extra)
    result = run_plexsh("-c", "usage")
    assert result.returncode == 1
    assert message in result.stderr and "config.yaml line" in result.stderr


def test_show_still_answers_when_another_plexsh_holds_the_file_and_its_look_cannot_be_recorded(home, with_player):
    from plexsh.home import catalog_path

    holder = sqlite3.connect(catalog_path())
    holder.execute("BEGIN IMMEDIATE")  # another process writing for longer than the busy timeout
    try:
        shown = run_plexsh("-c", "show heat")
    finally:
        holder.rollback()
        holder.close()
    assert shown.returncode == 0, shown.stderr
    assert "Heat (1995)" in shown.stdout and "usage: not known now (another plexsh is writing the catalog)" in shown.stdout


def test_usage_shows_since_lists_only_the_shows_watched_in_that_window(home, with_player):
    episode = local(home, EPISODE1)
    os.utime(episode, ns=(int((time.time() - 20 * DAY) * 1e9), episode.stat().st_mtime_ns))
    run_json("usage scan")
    os.utime(episode, ns=(int((time.time() - 10 * DAY) * 1e9), episode.stat().st_mtime_ns))  # read 10 days ago
    run_json("usage scan")

    week, month = run_json("usage shows since 7d", "usage shows since 30d")

    assert week["shows"] == [] and week["since_days"] == 7
    assert [(s["title"], s["watched"], s["last_watched"]) for s in month["shows"]] == [("Breaking Bad", 1, "S01E01")]
    assert "no show was watched in the last 7 days" in run_plexsh("-c", "usage shows since 7d").stdout
