"""parse_path on real-world names: Plex layouts, scene releases, multi-episode files, editions."""

from __future__ import annotations

import json
import random
import re

import pytest

from plexsh.library import names as names_module
from plexsh.library.names import ParsedName, clear_caches, parse_fields, parse_path

# (path, kind_hint, expected fields); fields not listed are not checked.
MOVIES = [
    # Plex layout: the folder's "Title (Year)" wins over whatever the file is called.
    ("Movies/Blade Runner 2049 (2017)/Blade Runner 2049 (2017).mkv", "movies",
     {"title": "Blade Runner 2049", "year": 2017, "container": "mkv"}),
    ("Movies/2001 A Space Odyssey (1968)/2001 A Space Odyssey (1968).mkv", "movies",
     {"title": "2001 A Space Odyssey", "year": 1968}),
    ("Movies/1917 (2019)/1917 (2019).mp4", "movies", {"title": "1917", "year": 2019, "container": "mp4"}),
    ("Movies/Heat (1995)/Heat.1995.1080p.BluRay.x264-SPARKS.mkv", "movies",
     {"title": "Heat", "year": 1995, "resolution": "1080p", "source": "BluRay", "codec": "h264"}),
    ("Movies/The Matrix (1999)/the.matrix.1999.720p.bluray.x264-sinners.mkv", "movies",
     {"title": "The Matrix", "year": 1999, "resolution": "720p"}),
    ("Movies/Alien (1979) {edition-Director's Cut}/Alien (1979) {edition-Director's Cut}.mkv", "movies",
     {"title": "Alien", "year": 1979, "edition": "Director's Cut"}),
    ("Movies/Blade Runner (1982) {imdb-tt0083658}/Blade Runner (1982) {edition-The Final Cut}.mkv", "movies",
     {"title": "Blade Runner", "year": 1982, "edition": "The Final Cut"}),
    ("Movies/Amélie (2001)/Amélie (2001).mkv", "movies", {"title": "Amélie", "year": 2001}),
    ("Movies/Léon - The Professional (1994)/Léon - The Professional (1994).mkv", "movies",
     {"title": "Léon - The Professional", "year": 1994}),
    ("Movies/Crouching Tiger, Hidden Dragon (2000)/Crouching Tiger, Hidden Dragon (2000).mkv", "movies",
     {"title": "Crouching Tiger, Hidden Dragon", "year": 2000}),
    ("Movies/Pan's Labyrinth (2006)/Pan's Labyrinth (2006) - 1080p.mkv", "movies",
     {"title": "Pan's Labyrinth", "year": 2006, "resolution": "1080p"}),
    ("Movies/Mission Impossible - Fallout (2018)/Mission.Impossible.Fallout.2018.2160p.UHD.BluRay.REMUX.HDR.HEVC.Atmos-EPSiLON.mkv",
     "movies", {"title": "Mission Impossible - Fallout", "year": 2018, "resolution": "2160p", "source": "REMUX",
                "codec": "hevc"}),
    # Scene names, no helpful folder.
    ("Blade.Runner.2049.2017.2160p.UHD.BluRay.x265-TERMiNAL.mkv", None,
     {"kind": "movie", "title": "Blade Runner 2049", "year": 2017, "resolution": "2160p", "codec": "hevc"}),
    ("2001.A.Space.Odyssey.1968.HDDVD.1080p.DTS.x264.dxva-EuReKA.mkv", None,
     {"title": "2001 A Space Odyssey", "year": 1968, "source": "BluRay"}),
    ("1917.2019.1080p.WEB-DL.DD5.1.H264-FGT.mkv", None,
     {"kind": "movie", "title": "1917", "year": 2019, "source": "WEB-DL", "codec": "h264"}),
    ("2012.2009.720p.BluRay.x264.DTS-WiKi.mkv", None, {"title": "2012", "year": 2009}),
    ("The.Lord.of.the.Rings.The.Fellowship.of.the.Ring.2001.EXTENDED.1080p.BluRay.x264-FSiHD.mkv", None,
     {"title": "The Lord of the Rings The Fellowship of the Ring", "year": 2001, "edition": "Extended"}),
    ("Alien.Directors.Cut.1979.1080p.BluRay.x264.mkv", None,
     {"title": "Alien", "year": 1979, "edition": "Director's Cut"}),
    ("Suicide Squad EXTENDED (2016) 2160p 4K UltraHD Blu-Ray x265 (HEVC 10bit BT709) Dolby Atmos 7.1 -DDR.mkv", None,
     {"title": "Suicide Squad", "year": 2016, "edition": "Extended", "resolution": "2160p"}),
    ("The.Dark.Knight.2008.IMAX.1080p.BluRay.x264-GRP.mkv", None,
     {"title": "The Dark Knight", "year": 2008, "edition": "IMAX"}),
    ("Heat.1995.REMASTERED.1080p.BluRay.x264-GRP.mkv", None, {"title": "Heat", "edition": "Remastered"}),
    ("Fight.Club.1999.10th.Anniversary.Edition.1080p.BluRay.x264-CiNEFiLE.mkv", None,
     {"title": "Fight Club", "year": 1999, "edition": "Anniversary Edition"}),
    ("The.Anniversary.Party.2001.720p.WEB-DL.x264.mkv", None, {"title": "The Anniversary Party", "edition": None}),
    ("Borat.(2006).R5.PROPER.REPACK.DVDRip.XviD-PUKKA.avi", None,
     {"title": "Borat", "year": 2006, "codec": "xvid", "container": "avi"}),
    ("Howl's_Moving_Castle_(2004)_[720p,HDTV,x264,DTS]-FlexGet.avi", None,
     {"title": "Howl's Moving Castle", "year": 2004, "resolution": "720p", "source": "HDTV"}),
    ("[XCT].Le.Prestige.(The.Prestige).DVDRip.[x264.HP.He-Aac.{Fr-Eng}.St{Fr-Eng}.Chaps].mkv", None,
     {"title": "Le Prestige", "year": None, "source": "DVDRip"}),
    ("Die.Schluempfe.2.German.DL.1080p.BluRay.x264-EXQUiSiTE.mkv", None, {"title": "Die Schluempfe 2", "year": None}),
    ("French.Immersion.2011.STV.READNFO.QC.ENGLISH.NTSC.DVDR.nfo", None,
     {"title": "French Immersion", "year": 2011, "container": "nfo"}),
    ("www.Tamilblasters.party - The Wheel of Time (2021) 720p x264.mkv", None,
     {"title": "The Wheel of Time", "year": 2021}),
    ("Internal.Affairs.1990.1080p.BluRay.x264-GRP.mkv", None, {"title": "Internal Affairs", "year": 1990}),
    ("Mr.Hollands.Opus.1995.720p.BluRay.x264-GRP.mkv", None, {"title": "Mr Hollands Opus", "year": 1995}),
    ("Charlottes.Web.2006.1080p.WEB.H264-GRP.mkv", None, {"title": "Charlottes Web", "year": 2006}),
    ("Fahrenheit.451.1966.1080p.BluRay.x264-GRP.mkv", None, {"kind": "movie", "title": "Fahrenheit 451", "year": 1966}),
    ("Area.51.2015.720p.WEB-DL.x264.mkv", None, {"title": "Area 51", "year": 2015}),
    ("劇場版 ペンギン・ハイウェイ Penguin Highway The Movie (BD 1280x720 AVC).mp4", None,
     {"title": "Penguin Highway The Movie", "codec": "h264"}),
    ("Movies/-Leading Dash Title (2010)/-Leading Dash Title (2010).mkv", "movies",
     {"title": "-Leading Dash Title", "year": 2010}),
    ('Movies/"Quoted" Title (2011)/"Quoted" Title (2011).mkv', "movies", {"title": '"Quoted" Title', "year": 2011}),
    # A scene release folder around an abbreviated or obfuscated file name.
    ("Movies/Somewhere.2010.DVDRip.XviD-iLG/i-smwhr.avi", None, {"title": "Somewhere", "year": 2010}),
    ("Movies/Alice in Wonderland DVDRip.XviD-DiAMOND/dmd-aw.avi", None, {"title": "Alice in Wonderland"}),
    ("Downloads/Dead Man Down (2013) BRRiP XViD/XD607ebb-BRc59935-5155473f/XD607ebb-BRc59935-5155473f.avi", None,
     {"title": "Dead Man Down", "year": 2013}),
    ("Movies/Gilded.Horse.Long.Season.1999.1080p.NF.WEB-DL.DDP5.1.H.264-iFT.mkv", "movies",
     {"kind": "movie", "title": "Gilded Horse Long Season", "year": 1999, "season": None}),
]

EPISODES = [
    # Plex layout.
    ("TV/The Office (US)/Season 02/The Office (US) - S02E01 - The Dundies.mkv", "tv",
     {"kind": "episode", "title": "The Office (US)", "season": 2, "episodes": (1,), "episode_title": "The Dundies"}),
    ("TV/Breaking Bad/Season 1/Breaking Bad - S01E01 - Pilot.mkv", "tv",
     {"title": "Breaking Bad", "season": 1, "episodes": (1,), "episode_title": "Pilot"}),
    ("TV/Doctor Who (2005)/Season 1/Doctor Who (2005) - S01E01 - Rose.mkv", "tv",
     {"title": "Doctor Who", "year": 2005, "season": 1, "episodes": (1,), "episode_title": "Rose"}),
    ("TV/Doctor Who (2005)/Season 02/02x05.mkv", "tv", {"title": "Doctor Who", "year": 2005, "season": 2, "episodes": (5,)}),
    ("TV/Fargo/Season 1/Episode 3.mkv", "tv", {"title": "Fargo", "season": 1, "episodes": (3,)}),
    ("TV/Fargo/Season 1/S01E03.mkv", "tv", {"title": "Fargo", "season": 1, "episodes": (3,)}),
    ("TV/Friends/Season 03/Friends - 07 - The One with the Race Car Bed.mkv", "tv",
     {"title": "Friends", "season": 3, "episodes": (7,)}),
    ("TV/Sherlock/Specials/Sherlock - S00E01 - The Abominable Bride.mkv", "tv",
     {"title": "Sherlock", "season": 0, "episodes": (1,), "episode_title": "The Abominable Bride"}),
    ("TV/Sherlock/Season 00/Sherlock - The Abominable Bride.mkv", "tv", {"title": "Sherlock", "season": 0}),
    ("TV/Marvel's Agents of S.H.I.E.L.D/Season 4/Marvels.Agents.of.S.H.I.E.L.D.S04E01.The.Ghost.1080p.WEB-DL.DD5.1.H.264-AG.mkv",
     "tv", {"title": "Marvel's Agents of S.H.I.E.L.D.", "season": 4, "episodes": (1,), "episode_title": "The Ghost",
            "resolution": "1080p", "source": "WEB-DL", "codec": "h264"}),
    ("TV/Shōgun (2024)/Season 1/Shōgun (2024) - S01E01 - Anjin.mkv", "tv",
     {"title": "Shōgun", "year": 2024, "season": 1, "episodes": (1,), "episode_title": "Anjin"}),
    ("TV/That '70s Show/Season 07/That '70s Show - S07E22 - 2000 Light Years from Home.mkv", "tv",
     {"title": "That '70s Show", "year": None, "season": 7, "episodes": (22,), "episode_title": "2000 Light Years from Home"}),
    ("TV/24/Season 01/24 - S01E01 - 12-00 A.M.-1-00 A.M..mkv", "tv", {"title": "24", "season": 1, "episodes": (1,)}),
    # Scene names.
    ("Show.Name.S01E02.1080p.WEB-DL.x264-GRP.mkv", None,
     {"kind": "episode", "title": "Show Name", "season": 1, "episodes": (2,), "resolution": "1080p", "source": "WEB-DL"}),
    ("show.name.1x02.hdtv.avi", None, {"title": "Show Name", "season": 1, "episodes": (2,), "source": "HDTV"}),
    ("The.Office.US.S05E14.720p.HDTV.x264-CTU.mkv", None, {"title": "The Office (US)", "season": 5, "episodes": (14,)}),
    ("Marvels.Agents.of.S.H.I.E.L.D.S01E06.720p.HDTV.X264-DIMENSION.mkv", None,
     {"title": "Marvels Agents of S.H.I.E.L.D.", "season": 1, "episodes": (6,)}),
    ("S.W.A.T.2017.S01E16.READNFO.720p.HDTV.x264-KILLERS.mkv", None,
     {"title": "S.W.A.T.", "year": 2017, "season": 1, "episodes": (16,)}),
    ("Doctor.Who.2005.S04E06.FRENCH.LD.DVDRip.XviD-TRACKS.avi", None, {"title": "Doctor Who", "year": 2005, "season": 4}),
    ("Breaking.Bad.S01E01.2008.BluRay.VC1.1080P.5.1.WMV-NOVO.mkv", None,
     {"title": "Breaking Bad", "year": 2008, "codec": "vc1", "resolution": "1080p"}),
    ("The.Simpsons.S24E03.Adventures.in.Baby-Getting.720p.WEB-DL.DD5.1.H.264-CtrlHD.mkv", None,
     {"title": "The Simpsons", "episode_title": "Adventures in Baby-Getting"}),
    ("Game of Thrones S03E06 1080i HDTV DD5.1 MPEG2-TrollHD.ts", None,
     {"title": "Game of Thrones", "season": 3, "episodes": (6,), "codec": "mpeg2", "container": "ts"}),
    ("the.100.109.hdtv-lol.mp4", None, {"title": "The 100", "season": 1, "episodes": (9,)}),
    ("One Piece - 102.mkv", None, {"title": "One Piece", "season": 1, "episodes": (2,)}),
    ("Pokémon S16 - E29 - 1280*720 HDTV VF.mkv", None, {"title": "Pokémon", "season": 16, "episodes": (29,)}),
    ("Show Name Season 1 Episode 2 Ep Name.mkv", None, {"title": "Show Name", "season": 1, "episodes": (2,)}),
    ("Die.Simpsons.Staffel.2.Folge.5.German.1080p.mkv", None, {"title": "Die Simpsons", "season": 2, "episodes": (5,)}),
    ("庆余年 第二季 第3集.mp4", None, {"title": "庆余年", "season": 2, "episodes": (3,)}),
    ("Total.Forgiveness.S00E01.REPACK.1080p.WEBRip.x265-NOXXUS.mkv", None,
     {"title": "Total Forgiveness", "season": 0, "episodes": (1,), "source": "WEBRip"}),
    # Multi-episode files.
    ("Wheels.S03E01E02.720p.HDTV.x264-IMMERSE.mkv", None, {"season": 3, "episodes": (1, 2)}),
    ("Wheels.S03E01-E03.720p.HDTV.x264-IMMERSE.mkv", None, {"season": 3, "episodes": (1, 2, 3)}),
    ("Wheels.S03E01-03.720p.HDTV.x264-IMMERSE.mkv", None, {"season": 3, "episodes": (1, 2, 3)}),
    ("Show Name - S01E02 - S01E03 - S01E04 - Ep Name.mkv", None,
     {"season": 1, "episodes": (2, 3, 4), "episode_title": "Ep Name"}),
    ("Kaamelott - 5x44x45x46.avi", None, {"title": "Kaamelott", "season": 5, "episodes": (44, 45, 46)}),
    ("Something.S04E05E09.mkv", None, {"season": 4, "episodes": (5, 9)}),
    ("TV/Show/Season 1/Show - S01E01-E02 - Two Parter.mkv", "tv", {"episodes": (1, 2), "episode_title": "Two Parter"}),
    # Folders that help: obfuscated files, season folders that name the show.
    ("Hells.Kitchen.US.S17E08.1080p.HEVC.x265-MeGusta/c48db7d2aeb040e8a920a9fd6effcbf4.mkv", None,
     {"title": "Hells Kitchen (US)", "season": 17, "episodes": (8,), "codec": "hevc"}),
    ("Series/Mad Men Season 1 Complete/Mad.Men.S01E01.avi", None, {"title": "Mad Men", "season": 1, "episodes": (1,)}),
    ("Friends S03/Friends - 07 - The One.mkv", None, {"title": "Friends", "season": 3, "episodes": (7,)}),
    ("庆余年第二季/01.mp4", None, {"title": "庆余年", "season": 2, "episodes": (1,)}),
    ("Series/Simpsons/Saison 12 Français/Simpsons,.The.12x08.A.Bas.Le.Sergent.Skinner.FR.avi", None,
     {"title": "The Simpsons", "season": 12, "episodes": (8,)}),
    ("D:\\TV\\Babylon 5\\Season 01\\Ep. 02 - Soul Hunter.mkv", None,
     {"title": "Babylon 5", "season": 1, "episodes": (2,), "episode_title": "Soul Hunter"}),
    ("/mnt/nas/tv/Daniel Tiger's Neighborhood/S02E06 - Playtime Is Different.mp4", None,
     {"title": "Daniel Tiger's Neighborhood", "season": 2, "episodes": (6,)}),
]

TAGS = [
    ("Movie.2019.2160p.UHD.BluRay.REMUX.HDR.HEVC.Atmos-GRP.mkv", {"resolution": "2160p", "source": "REMUX", "codec": "hevc"}),
    ("Movie.2019.4K.WEBRip.x265-GRP.mkv", {"resolution": "2160p", "source": "WEBRip", "codec": "hevc"}),
    ("Movie.2019.576p.DVDRip.XviD-GRP.avi", {"resolution": "576p", "source": "DVDRip", "codec": "xvid"}),
    ("Movie.2019.480p.BDRip.DivX-GRP.avi", {"resolution": "480p", "source": "BDRip", "codec": "divx"}),
    ("Movie.2019.1080p.WEB.H.265-GRP.mkv", {"source": "WEB-DL", "codec": "hevc"}),
    ("Movie.2019.1080p.BluRay.AV1.Opus-GRP.mkv", {"codec": "av1"}),
    ("Movie.2019.1080p.BluRay.VC-1.DTS-HD.MA.5.1-GRP.mkv", {"codec": "vc1"}),
    ("Movie (2019) [1920x1080] AVC.mov", {"resolution": "1080p", "codec": "h264", "container": "mov"}),
]


def _check(parsed: ParsedName, expected: dict) -> None:
    got = {field: getattr(parsed, field) for field in expected}
    assert got == expected


@pytest.mark.parametrize("path, hint, expected", MOVIES, ids=[case[0] for case in MOVIES])
def test_movies(path, hint, expected):
    _check(parse_path(path, hint), {"kind": "movie", **expected})


@pytest.mark.parametrize("path, hint, expected", EPISODES, ids=[case[0] for case in EPISODES])
def test_episodes(path, hint, expected):
    _check(parse_path(path, hint), {"kind": "episode", **expected})


@pytest.mark.parametrize("path, expected", TAGS, ids=[case[0] for case in TAGS])
def test_tags(path, expected):
    _check(parse_path(path), expected)


@pytest.mark.parametrize("path", [
    "Some.Show.S01E01.PROPER.REPACK.720p.HDTV.x264-LOL.mkv",
    "Some.Show.S01E01.iNTERNAL.FRENCH.720p.WEB-DL.AAC2.0.H.264-GRP.mkv",
    "Some.Show.S01E01.MULTi.1080p.BluRay.DTS.x264-GRP.mkv",
    "Some.Show.S01E01.720p.HDTV.x264-KILLERS[rarbg].mkv",
])
def test_release_noise_stays_out_of_titles(path):
    assert parse_path(path).title == "Some Show"


def test_hint_keeps_movies_movies_but_not_against_a_strong_marker():
    assert parse_path("Movies/Rough Season 2097 (1964)/Rough Season 2097 (1964).mkv", "movies").kind == "movie"
    assert parse_path("Movies/Stray.Show.S01E01.mkv", "movies").kind == "episode"
    assert parse_path("TV/Some Show/extras.mkv", "tv").kind == "episode"


def test_as_dict_is_json_ready():
    single = parse_path("TV/Fargo/Season 1/Fargo - S01E03 - A Muddy Road.mkv", "tv").as_dict()
    double = parse_path("Wheels.S03E01E02.720p.HDTV.x264-IMMERSE.mkv").as_dict()
    movie = parse_path("Movies/Heat (1995)/Heat (1995).mkv", "movies").as_dict()
    assert single["episode"] == 3 and double["episode"] == [1, 2] and movie["episode"] is None
    assert set(single) == {"title", "year", "kind", "season", "episode", "episode_title", "edition",
                           "resolution", "source", "codec", "container"}
    json.dumps([single, double, movie])


@pytest.mark.parametrize("path", ["", "/", "x", ".mkv", "(", "[]", "S01E01", "2019", "---", "Season 1/", "💥.mkv"])
def test_odd_names_do_not_crash(path):
    assert isinstance(parse_path(path), ParsedName)


@pytest.mark.parametrize("path, kind, title, year, season, episodes", [
    ("İstanbul.2019.mkv", "movie", "İstanbul", 2019, None, ()),
    ("東京物語 (1953).mkv", "movie", "東京物語", 1953, None, ()),
    ("Ünïcödé Shöw S01E02.mkv", "episode", "Ünïcödé Shöw", None, 1, (2,)),
])
def test_titles_in_any_script_keep_every_letter(path, kind, title, year, season, episodes):
    parsed = parse_path(path)
    assert (parsed.kind, parsed.title, parsed.year, parsed.season, parsed.episodes) == (
        kind, title, year, season, episodes)


def test_the_folder_cache_changes_no_answer():
    """Folders are read once and remembered; in any order, with or without the cache, every
    path reads the same, and parse_fields is parse_path as a tuple."""
    cases = [(path, hint) for path, hint, _ in MOVIES + EPISODES]
    cases += [(f"TV/Breaking Bad/Season {s:02d}/Breaking Bad - S{s:02d}E{e:02d}.mkv", hint)
              for s in (1, 2) for e in (1, 2, 3) for hint in ("tv", None)]
    cases += [(f"TV2/Show.S01.1080p.WEB-DL-GRP/show.1x{e:02d}.mkv", hint) for e in (1, 2) for hint in ("tv", None)]
    clear_caches()
    expected = [parse_path(path, hint) for path, hint in cases]
    shuffled = random.Random(1).sample(range(len(cases)), len(cases))
    assert {i: parse_path(*cases[i]) for i in shuffled} == dict(enumerate(expected))
    for (path, hint), parsed in zip(cases, expected):
        clear_caches()
        assert parse_path(path, hint) == parsed
        assert parse_fields(path, hint) == tuple(parsed)


def _scene_names() -> list[str]:
    """Scene film and episode names in the two shapes the parser reads in one match, and near
    misses of them: tag words, marker words and numbers in titles, years out of range, dates,
    markers in the tags, brackets, film numbers, other cases and resolutions."""
    titles = ["The.Matrix", "Heat", "the.office.us", "Extended.Family", "Web.Of.Lies", "Season.Finale", "Proper.Men",
              "E.Street", "From.Dusk.Till.Dawn", "www.site.Movie", "Bond_f21-Casino", "Blade.Runner.2049", "Dont.Look"]
    middles = ["1999", "1889", "2099", "2010.11.23", "S01E02", "S01E02E03", "s01e02-e04", "S2014E18", "S01.E02",
               "S01", "1x02", "S01E02x264"]
    tails = ["1080p.BluRay.x264-GRP", "720p.WEB-DL.DD5.1.H.264-NTb", "2160p.UHD.BluRay.REMUX.HEVC-FGT",
             "1080i.HDTV.S01E03.XviD", "480p.DVDRip.2001-GRP", "999p.WEB", "1080p.[CRC12345]", "720p.Director's.Cut",
             "720p.EXTENDED.1998.DTS-HD.MA.5.1", "HDTV.XviD-LOL"]
    return [f"{title}.{middle}.{tail}" for title in titles for middle in middles for tail in tails]


@pytest.mark.parametrize("hint", [None, "movies", "tv"])
def test_scene_names_read_in_one_match_read_as_the_token_loop_reads_them(monkeypatch, hint):
    """The one-match readings of the commonest scene names must give the token loop's answer:
    every name reads the same with them and without them (their regex made to match nothing)."""
    names = [name for base in _scene_names() for name in (base, base.upper(), base.lower())]
    paths = [f"TV/Some Show/Season 01/{name}.mkv" for name in names] + [f"Downloads/{name}.mkv" for name in names]
    quick = [parse_fields(path, hint) for path in paths]
    monkeypatch.setattr(names_module, "_SCENE_NAME", re.compile(r"(?!)"))
    clear_caches()
    assert [parse_fields(path, hint) for path in paths] == quick
