"""Each recommendation rule as a pure function of titles' usage and a fixed clock."""

from plexsh.usage.reports import FileUsage, TitleUsage
from plexsh.usage.rules import archive, cleanup, keep, next_episodes, recommendations

DAY = 86400.0
NOW = 1_800_000_000.0
MB = 1 << 20


def episode(season, number, *, local=False, plays=0, last=None, synced=None, added=0.0, size=100 * MB):
    return FileUsage(season * 100 + number, 1, season, (number,), size, added,
                     local_path=f"/tv/S{season}E{number}.mkv" if local else None, local_size=size if local else 0,
                     synced_at=synced, uses=plays, last_use=last, score=float(plays))


def show(*files, title="Breaking Bad"):
    return TitleUsage(1, "show", title, None, list(files))


def movie(*, plays=0, last=None, synced=NOW - 90 * DAY, size=4 << 30, score=0.0, item_id=2, title="Heat"):
    return TitleUsage(item_id, "movie", title, 1995, [FileUsage(10 + item_id, item_id, size=size, local_path="/m/heat.mkv",
                                                                 local_size=size, synced_at=synced, uses=plays,
                                                                 last_use=last, score=score)])


def test_next_episodes_after_the_last_played_use_next_n_when_it_fetches_them():
    played = NOW - 2 * DAY
    title = show(episode(1, 1, local=True, plays=1, last=played), episode(1, 2, local=True, plays=1, last=played),
                 episode(1, 3), episode(1, 4), episode(1, 5), episode(1, 6))
    (rec,) = next_episodes([title], NOW)
    assert (rec.kind, rec.command()) == ("next", 'get "Breaking Bad" next 3')
    assert rec.reason == "you watched S01E02 2 days ago; S01E03 to S01E05 not local yet (300.0 MiB)"


def test_a_gap_before_local_episodes_is_named_episode_by_episode():
    played = NOW - DAY
    title = show(episode(1, 1, local=True, plays=1, last=played), episode(1, 2), episode(1, 3, local=True),
                 episode(1, 4))
    (rec,) = next_episodes([title], NOW)
    assert rec.command() == 'get "Breaking Bad" s1 e2,4'


def test_a_season_that_appeared_after_the_last_play_is_suggested_whole():
    played = NOW - 10 * DAY
    title = show(episode(1, 1, local=True, plays=1, last=played), episode(1, 2, local=True, plays=1, last=played),
                 episode(2, 1, added=NOW - DAY), episode(2, 2, added=NOW - DAY))
    (rec,) = next_episodes([title], NOW)
    assert (rec.kind, rec.command()) == ("season", 'get "Breaking Bad" s2')
    assert rec.reason.startswith("season 2 appeared on the NAS after you watched S01E02; 2 episodes")


def test_no_next_episode_for_a_show_never_played_or_fully_local():
    assert next_episodes([show(episode(1, 1), episode(1, 2))], NOW) == []
    assert next_episodes([show(episode(1, 1, local=True, plays=1, last=NOW), episode(1, 2, local=True))], NOW) == []


def test_a_season_played_to_its_end_and_untouched_is_cleaned_up_with_its_size():
    watched = NOW - 75 * DAY
    title = show(episode(2, 1, local=True, plays=1, last=watched - DAY), episode(2, 2, local=True, plays=1, last=watched),
                 episode(3, 1, local=True, plays=1, last=NOW - DAY), episode(3, 2))
    (rec,) = cleanup([title], NOW, after_days=60)
    assert rec.command() == 'rm "Breaking Bad" s2'
    assert rec.reason == "watched S02 to the end 75 days ago; 200.0 MiB"
    assert rec.bytes == 200 * MB
    assert cleanup([title], NOW, after_days=80) == []


def test_copies_never_played_long_after_the_copy_are_cleaned_up_but_new_ones_are_not():
    old, new = NOW - 90 * DAY, NOW - 5 * DAY
    title = show(episode(1, 1, local=True, synced=old), episode(1, 2, local=True, synced=old),
                 episode(1, 3, local=True, synced=new))
    (rec,) = cleanup([title, movie()], NOW, after_days=60)[1:]
    assert rec.command() == 'rm "Breaking Bad" s1 e1-2'
    assert rec.reason == "2 episodes never played since copied 90 days ago; 200.0 MiB"
    (films,) = cleanup([movie()], NOW, after_days=60)
    assert films.command() == 'rm "Heat"' and films.reason == "never played since it was copied 90 days ago; 4.0 GiB"


def test_large_rarely_used_copies_are_archived_and_the_most_used_are_kept():
    rare = movie(plays=1, last=NOW - 200 * DAY, score=0.01)
    loved = movie(plays=6, last=NOW - DAY, score=5.0, item_id=3, title="Alien")
    small = movie(plays=1, last=NOW - 200 * DAY, score=0.01, size=10 * MB, item_id=4, title="Tiny")
    (arch,) = archive([rare, loved, small], NOW)
    assert arch.command() == 'rm "Heat"' and "rarely used (score 0.01, very low)" in arch.reason
    (kept,) = keep([rare, loved, small], NOW)
    assert (kept.kind, kept.command()) == ("keep", 'usage "Alien"')
    assert kept.reason == "your most used: 6 plays, last 1 day ago (score 5.00, very high)"


def test_the_list_is_numbered_the_same_way_every_time():
    titles = [movie(), show(episode(1, 1, local=True, plays=1, last=NOW), episode(1, 2))]
    first = recommendations(titles, NOW, 60)
    assert [r.kind for r in first] == ["next", "cleanup"]
    assert recommendations(list(reversed(titles)), NOW, 60) == first
