"""The usage score and the access record as pure parts: decay, categories, totals kept equal to the records."""

import sqlite3

import pytest

from plexsh.config import Analytics
from plexsh.db import open_database
from plexsh.usage.records import LOOK, PLAY, READ, prune, rebuild_totals, record
from plexsh.usage.score import DAY, category, decayed, score_now, usage_score

NOW = 1_800_000_000.0


@pytest.mark.parametrize("ages, half_life, expected", [
    ([], 30, 0.0),
    ([0], 30, 1.0),
    ([0, 30, 60], 30, 1.75),
    ([60], 30, 0.25),
    ([7], 7, 0.5),
    ([0, 0, 0, 0], 30, 4.0),
])
def test_each_play_counts_one_halved_every_half_life(ages, half_life, expected):
    assert usage_score([NOW - age * DAY for age in ages], NOW, half_life) == pytest.approx(expected)


@pytest.mark.parametrize("score, plays, expected", [
    (0.0, 0, "never"), (0.01, 1, "very low"), (0.25, 1, "low"), (0.75, 2, "medium"), (2.0, 2, "high"),
    (4.0, 4, "very high"), (0.0, 3, "very low"),
])
def test_a_score_has_a_category_in_words_and_never_means_no_play(score, plays, expected):
    assert category(score, plays) == expected


def test_a_stored_score_decays_to_now_as_the_plays_would():
    plays = [NOW - 40 * DAY, NOW - 10 * DAY]
    stored_at = NOW - 10 * DAY
    assert score_now(usage_score(plays, stored_at, 30), stored_at, NOW, 30) == pytest.approx(usage_score(plays, NOW, 30))
    assert decayed(3.0, 0, 30) == 3.0


@pytest.fixture
def db(tmp_path):
    _, database = open_database(tmp_path / "catalog.db")
    yield database
    database.close()


def totals(db):
    return db.execute("SELECT file_path, uses, looks, actions, last_use, last_look, round(score, 9), score_at "
                      "FROM access_totals ORDER BY file_path").fetchall()


def test_records_keep_the_original_shape_and_totals_equal_a_rebuild_from_them(db):
    record(db, "/local/a.mkv", PLAY, {"player": "mpv"}, when=NOW - 40 * DAY)
    record(db, "/local/a.mkv", READ, when=NOW - 10 * DAY)
    record(db, "/local/a.mkv", PLAY, when=NOW - 20 * DAY)  # recorded late, out of order
    record(db, "/local/a.mkv", LOOK, when=NOW)
    record(db, "/local/b.mkv", "get", when=NOW - 5 * DAY)
    columns = [row[1] for row in db.execute("PRAGMA table_info(access_records)")]
    assert columns == ["id", "file_path", "access_type", "timestamp", "metadata"]
    assert db.execute("SELECT metadata FROM access_records WHERE id = 1").fetchone() == ('{"player": "mpv"}',)
    incremental = totals(db)
    rebuild_totals(db, 30.0)
    assert totals(db) == incremental
    (a, b) = incremental
    assert a[1:4] == (3, 1, 0) and a[4] == NOW - 10 * DAY
    assert a[6] == pytest.approx(usage_score([NOW - 40 * DAY, NOW - 20 * DAY, NOW - 10 * DAY], NOW - 10 * DAY), abs=1e-9)
    assert b[1:4] == (0, 0, 1)


def test_nothing_is_recorded_when_analytics_are_off_and_a_wrong_type_is_refused(db):
    assert record(db, "/local/a.mkv", PLAY, analytics=Analytics(enabled=False)) is None
    assert db.execute("SELECT count(*) FROM access_records").fetchone() == (0,)
    with pytest.raises(ValueError, match="unknown access type 'watch'"):
        record(db, "/local/a.mkv", "watch")


def test_pruning_deletes_old_records_and_their_part_of_the_totals(db):
    record(db, "/local/old.mkv", PLAY, when=NOW - 400 * DAY)
    record(db, "/local/both.mkv", PLAY, when=NOW - 400 * DAY)
    record(db, "/local/both.mkv", PLAY, when=NOW - 1 * DAY)
    assert prune(db, 365, now=NOW) == 2
    assert [row[:2] for row in totals(db)] == [("/local/both.mkv", 1)]
    assert prune(db, 365, now=NOW) == 0


def test_a_record_of_a_local_copy_costs_one_transaction_and_leaves_none_open(db):
    record(db, "/local/a.mkv", PLAY)
    assert not db.conn.in_transaction
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("INSERT INTO access_totals (file_path) VALUES ('/local/a.mkv')")
