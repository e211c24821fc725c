"""parse_path on the kinds of names guessit's corpus holds beyond plain S01E02 releases.

Each example is a name from guessit's movies.yml / episodes.yml (the whole corpus is scored by
scripts/bench/names, not here); each group is a kind of name the parser once read wrong.
"""

from __future__ import annotations

import pytest

from plexsh.library.names import parse_path

# (name, title, year, season, episodes); a year, season or episode of None must be absent.
ANIME_ABSOLUTE_NUMBERING = [
    ("[Kaylith] Zankyou no Terror - 04 [480p][B4D4514E].mp4", "Zankyou no Terror", None, None, (4,)),
    ("[Evil-Saizen]_Laughing_Salesman_14_[DVD][1C98686A].mkv", "Laughing Salesman", None, None, (14,)),
    ("[ISLAND]One_Piece_679_[VOSTFR]_[V1]_[8bit]_[720p]_[EB7838FC].mp4", "One Piece", None, None, (679,)),
    ("[Group] One Piece - 1080 [1080p][x264].mkv", "One Piece", None, None, (1080,)),
    ("[HorribleSubs] Garo - Vanishing Line - 01 [1080p].mkv", "Garo", None, None, (1,)),
    ("[ShinBunBu-Subs] Bleach - 02-03 (CX 1280x720 x264 AAC)", "Bleach", None, None, (2, 3)),
    ("[Ayako] Infinite Stratos - IS - 07v2 [H264][720p][44419534]", "Infinite Stratos", None, None, (7,)),
    ("[DeadFish] 12 - Tari Tari [BD][720p][AAC].mp4", "Tari Tari", None, None, (12,)),
]

EPISODES_WITHOUT_SEASONS = [
    ("FooBar.07.PDTV-FlexGet", "FooBar", None, None, (7,)),
    ("FooBar.07v4.PDTV-FlexGet", "FooBar", None, None, (7,)),
    ("Dead.Set.02.FRENCH.LD.DVDRip.XviD-EPZ.avi", "Dead Set", None, None, (2,)),
    ("Show Name - 01 - Ep Name", "Show Name", None, None, (1,)),
    ("003-004. Show Name - Ep Name.avi", "Show Name", None, None, (3, 4)),
    ("Show!.Name.2.-.10.(2016).[HorribleSubs][WEBRip]..[HD.720p]", "Show! Name 2", 2016, None, (10,)),
    ("FlexGet.14.of.21.Title.Here.720p.HDTV.AAC5.1.x264-NOGRP", "FlexGet", None, None, (14,)),
    ("Show.Name.E02-03", "Show Name", None, None, (2, 3)),
    ("Anime - 03 x264 GRP.mkv", "Anime", None, None, (3,)),
]

DAILY_SHOWS = [
    ("Show.Name.2010.11.23.HDTV.XViD.Etc-Group", "Show Name"),
    ("Date.Show.03-29-2012.HDTV.XViD-FlexGet", "Date Show"),
    ("The.Daily.Show.2015.07.22.Jake.Gyllenhaal.720p.HDTV.x264-BATV.mkv", "The Daily Show"),
]

MARKERS_IN_OTHER_LANGUAGES = [
    ("Die Simpsons 2. Staffel Folge 5", 2, (5,)),
    ("Интерны 2 сезон 24 серия", 2, (24,)),
    ("Проклytie 5-й сезон 09-я серия", 5, (9,)),
    ("Vikings Сезон 3 Эпизод 21 1080p", 3, (21,)),
    ("Studio 60 Сезон 5 1080p", 5, ()),
    ("Sorozat 2. évad 5. rész", 2, (5,)),
    ("Serie Säsong 2 Avsnitt 5 SWEDISH 1080p", 2, (5,)),
    ("Pokemon Seizoen 22 aflevering 5 720p", 22, (5,)),
    ("Serial Sezon 1 Odcinek 5 PL 720p", 1, (5,)),
    ("Teen Wolf - 04ª Temporada 720p", 4, ()),
    ("Vikings 3 Temporada 720p", 3, ()),
    ("My Little Pony - T02E22.mp4", 2, (22,)),
    ("Something.1xAll.Season.Complete-FlexGet", 1, ()),
    ("Title 2期.mkv", 2, ()),
]

OTHER_NAMES = [
    # a season named by its year also says the year
    ("Pawn.Stars.S2014E18.720p.HDTV.x264-KILLERS", "Pawn Stars", 2014, 2014, (18,)),
    ("Eyes.Of.Dawn.1991.E01.480p.MBCVOD.AAC.x264-NOGPR.mp4", "Eyes Of Dawn", 1991, 1991, (1,)),
    # a disc of a season's box set: the season, no episode
    ("Greys.Anatomy.S07D1-3&5.NTSC.DVDR-ToF", "Greys Anatomy", None, 7, ()),
    ("El.Principe.2014.S01D01.SPANiSH.COMPLETE.BLURAY-COJONUDO", "El Principe", 2014, 1, ()),
    ("DC's Legends of Tomorrow 2016 - S02E02", "DC's Legends of Tomorrow", 2016, 2, (2,)),
    # a numbered film of a series: its own title follows the number
    ("/movies/James_Bond-f21-Casino_Royale.mkv", "Casino Royale", None, None, ()),
    # "the complete series" in French is a tag, not a title word
    ("Friends.INTEGRALE.MULTi.1080p.BluRay-GRP", "Friends", None, None, ()),
    ("Malcolm.L'Integrale.FRENCH.DVDRip-GRP", "Malcolm", None, None, ()),
]


def _fields(name: str) -> tuple:
    parsed = parse_path(name)
    return parsed.title, parsed.year, parsed.season, parsed.episodes


@pytest.mark.parametrize("name, title, year, season, episodes", ANIME_ABSOLUTE_NUMBERING,
                         ids=[case[0] for case in ANIME_ABSOLUTE_NUMBERING])
def test_an_anime_release_is_numbered_from_the_first_episode_without_a_season(name, title, year, season, episodes):
    assert _fields(name) == (title, year, season, episodes)


@pytest.mark.parametrize("name, title, year, season, episodes", EPISODES_WITHOUT_SEASONS,
                         ids=[case[0] for case in EPISODES_WITHOUT_SEASONS])
def test_an_episode_number_standing_alone_is_read_and_kept_out_of_the_title(name, title, year, season, episodes):
    assert _fields(name) == (title, year, season, episodes)


@pytest.mark.parametrize("name, title", DAILY_SHOWS, ids=[case[0] for case in DAILY_SHOWS])
def test_a_daily_show_title_ends_at_its_date(name, title):
    assert parse_path(name).title == title


@pytest.mark.parametrize("name, season, episodes", MARKERS_IN_OTHER_LANGUAGES,
                         ids=[case[0] for case in MARKERS_IN_OTHER_LANGUAGES])
def test_seasons_and_episodes_are_read_in_other_languages(name, season, episodes):
    parsed = parse_path(name)
    assert (parsed.season, parsed.episodes) == (season, episodes)


@pytest.mark.parametrize("name, title, year, season, episodes", OTHER_NAMES, ids=[case[0] for case in OTHER_NAMES])
def test_other_corpus_names_read_right(name, title, year, season, episodes):
    assert _fields(name) == (title, year, season, episodes)


def test_a_bracketed_codec_before_the_title_is_not_an_anime_group():
    """"[h265 - hevc] transformers 2" is a film whose title holds a number, not episode 2."""
    parsed = parse_path("[h265 - hevc] transformers 2 1080p french ac3 6ch.")
    assert (parsed.kind, parsed.title, parsed.episodes) == ("movie", "Transformers 2", ())
