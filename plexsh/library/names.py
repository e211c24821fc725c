"""Parse a media file's path (Plex layout or scene release name) into a ParsedName."""

from __future__ import annotations

import re
from datetime import date
from typing import Callable, Final, NamedTuple

from .titles import display_title, fold, match_key

# Where a season/episode marker begins and ends in a name, its season, its episodes.
Marker = tuple[int, int, int | None, tuple[int, ...]]

__all__ = ["ParsedName", "parse_path", "parse_fields", "clear_caches", "canonical_codec"]


class ParsedName(NamedTuple):
    """What a path says. A named tuple rather than a frozen dataclass: a scan builds one per
    file, and a dataclass's frozen __init__ (eleven object.__setattr__ calls) cost a tenth of
    the whole parse."""

    kind: str  # "movie" | "episode"
    title: str
    year: int | None
    season: int | None
    episodes: tuple[int, ...]
    episode_title: str | None
    edition: str | None
    resolution: str | None
    source: str | None
    codec: str | None
    container: str | None

    def as_dict(self) -> dict:
        """JSON-ready fields; "episode" is an int, a list for multi-episode files, or None."""
        if not self.episodes:
            episode: int | list[int] | None = None
        elif len(self.episodes) == 1:
            episode = self.episodes[0]
        else:
            episode = list(self.episodes)
        return {
            "title": self.title,
            "year": self.year,
            "kind": self.kind,
            "season": self.season,
            "episode": episode,
            "episode_title": self.episode_title,
            "edition": self.edition,
            "resolution": self.resolution,
            "source": self.source,
            "codec": self.codec,
            "container": self.container,
        }


# ---------------------------------------------------------------------------------------------
# Vocabulary. A name is cut into word tokens; each token is looked up lower-case, and the first
# tokens of multi-token tags ("WEB-DL", "H.264", "Director's Cut", "DD+5.1") are glued to their
# neighbours and looked up again. An entry says which field a tag fills and how sure we are that
# it is a tag rather than a title word:
#   _HARD  always a tag ("x264", "BluRay", "PROPER");
#   _CAPS  a tag only when written in capitals or scene case ("WEB", "DC", "CAM", "LiMiTED"),
#          because "Charlotte's Web" and "DC's Legends of Tomorrow" are titles;
#   _SOFT  also a tag when it trails the title right before other tags or the end
#          ("Die.Schluempfe.2.German.DL.1080p", "Alien Unrated"), a title word elsewhere
#          ("French Kiss", "The Extended Family").
_HARD: Final = 0
_CAPS: Final = 1
_SOFT: Final = 2
_MARKER: Final = "marker"  # words that open a season/episode marker: "Season 2", "Episode 5", "Cap.102"

_VOCABULARY: Final[dict[str, tuple[str, str | None, int]]] = {}


def _define(field: str, value: str | None, strength: int, spellings: str) -> None:
    for spelling in spellings.split():
        _VOCABULARY[spelling] = (field, value, strength)


_define("source", "WEB-DL", _HARD, "webdl webdlrip webdlmux webhd webuhd amazonhd ituneshd hditunes netflixhd netflixuhd netflixuhdrip uhdrip")
_define("source", "WEB-DL", _CAPS, "web")
_define("source", "WEBRip", _HARD, "webrip webcap webmux")
_define("source", "BluRay", _HARD, "bluray blurayrip bdmux brmux bdripmux brripmux bdmv bd25 bd50 hddvd hddvdrip")
_define("source", "BluRay", _CAPS, "bd")
_define("source", "BDRip", _HARD, "bdrip brrip")
_define("source", "REMUX", _HARD, "remux bdremux")
_define("source", "HDTV", _HARD, "hdtv ahdtv pdtv sdtv hdtvrip tvrip hdtvmux dsr dsrip dvb dvbrip satrip ppv")
_define("source", "DVD", _HARD, "dvd dvdr dvd5 dvd9 dvdmux ntsc")
_define("source", "DVD", _CAPS, "pal")
_define("source", "DVDRip", _HARD, "dvdrip dvdivx")
_define("source", "DVDSCR", _HARD, "dvdscr dvdscreener bdscr")
_define("source", "DVDSCR", _CAPS, "screener")
_define("source", "HDRip", _HARD, "hdrip dmrip ldrip vhsrip hdlight mhd microhd upscale upscaled")
_define("source", "VHS", _CAPS, "vhs")
_define("source", "CAM", _HARD, "hdcam camrip hdts telesync telecine r5")
_define("source", "CAM", _CAPS, "cam ts tc scr")
_define("codec", "h264", _HARD, "x264 h264 avc")
_define("codec", "hevc", _HARD, "x265 h265 hevc")
_define("codec", "av1", _HARD, "av1")
_define("codec", "xvid", _HARD, "xvid")
_define("codec", "divx", _HARD, "divx")
_define("codec", "mpeg2", _HARD, "mpeg2 mpg2 h262")
_define("codec", "vc1", _HARD, "vc1")
_define("codec", "vp9", _HARD, "vp9")
_define("codec", "h263", _HARD, "h263")
_define("audio", None, _HARD, "dd51 dd20 ddp51 ddp20 aac ac3 ac3d eac3 dts dtshd dtses dtsx ddp ddex truehd flac mp3 lpcm pcm 6ch 8ch vorbis mp2 dd")
_define("audio", None, _CAPS, "atmos opus dolby lame")
_define("other", None, _HARD, "proper repack rerip readnfo nfo hdr hdr10 dovi sdr bt2020 hfr 48fps 10bit 8bit 12bit hi10p dubbed subbed subs subtitles nlsubs hebsubs fastsub vostfr subforced legendado legendas legenda dublado subtitulado samplefix reenc reencoded stv amzn hulu dsnp atvp hmax 2in1 1of2 2of2 cd1 cd2 cd3 2cd")
# Ordinary words that scene names also use as tags: tags only in capitals ("Internal Affairs", "Proof").
_define("other", None, _CAPS, "internal sample proof hybrid xxx final real convert ws fs hq hr dl dv cc dub sub docu doku all4 dcu hd bt nf complete custom")
_define("other", None, _SOFT, "limited festival uncensored colorized colourised restored 3d multi multilang dual")
_define("language", None, _HARD, "truefrench vff vfq vfi subfrench swissgerman flemish castellano")
_define("language", None, _SOFT, "french german english spanish italian russian japanese hindi telugu tamil korean chinese dutch swedish polish portuguese turkish latino")
_define("language", None, _CAPS, "fr eng ita esp ger rus spa vf vo vost ptbr jap nl")
_define("edition", "Director's Cut", _HARD, "directorscut directorcut directorsedition")
_define("edition", "Director's Cut", _CAPS, "dc")
_define("edition", "Extended", _SOFT, "extended extendedcut extendededition extendedversion")
_define("edition", "Unrated", _SOFT, "unrated")
_define("edition", "Uncut", _SOFT, "uncut")
_define("edition", "Theatrical", _SOFT, "theatrical theatricalcut theatricaledition")
_define("edition", "Remastered", _SOFT, "remastered")
_define("edition", "IMAX", _SOFT, "imax imaxedition")
_define("edition", "Special Edition", _HARD, "specialedition")
_define("edition", "Special Edition", _CAPS, "se")
_define("edition", "Criterion", _HARD, "criterion criterioncollection criterionedition")
_define("edition", "Collector's Edition", _HARD, "collectorsedition editioncollector collectoredition")
_define("edition", "Ultimate Edition", _HARD, "ultimateedition")
_define("edition", "Alternative Cut", _HARD, "alternativecut alternatecut")
_define("edition", "Final Cut", _HARD, "finalcut")
_define("edition", "Open Matte", _HARD, "openmatte")
_define("edition", "Open Matte", _CAPS, "om")
_define("edition", "Limited Edition", _HARD, "limitededition")
_define("edition", "Anniversary Edition", _HARD, "anniversaryedition")
_define(_MARKER, None, _HARD, "season seasons saison staffel temporada temp tem stagione sezon seizoen series "
        "säsong sasong évad сезон "
        "episode épisode episodio episodul folge ep cap capitulo aflevering odcinek avsnitt эпизод серия rész")
# Marker words that name an episode rather than a season.
_EPISODE_WORDS: Final = frozenset("episode épisode episodio episodul folge ep cap capitulo aflevering odcinek avsnitt "
                           "эпизод серия rész".split())
# A complete series in French: "Friends.INTEGRALE", "Malcolm.L'Integrale", "Engrenages.Coffret.Integrale".
_define("other", None, _SOFT, "integrale intégrale l'integrale l'intégrale lintegrale coffret")

# Tokens that may open a multi-token tag; only these pay for the look-ahead.
_NGRAM_HEADS: Final = frozenset(
    "web blu bd br hd h x dd ddp dts ac3 director directors director's director’s extended theatrical "
    "special criterion collector collectors collector's ultimate alternative alternate final open "
    "edition imax read vc mpeg dvd micro hdr e dual re sub limited bt dd5 dd2 ddp5 ddp2 anniversary".split()
)
# "5.1", "7.1", "2.0" count as audio only as two numbers joined by a dot, never "Area 51".
_CHANNELS: Final = frozenset("5.1 7.1 2.0 2.1 6.1".split())
# Every proper prefix of a vocabulary spelling: gluing stops as soon as it cannot grow into one.
_GLUE_PREFIXES: Final = frozenset(key[:size] for key in _VOCABULARY for size in range(1, len(key)))
_HEAD: Final = ("head", None, _HARD)
_NOTHING: Final = ("", None, _HARD)
_EXTRA_ENTRY: Final = ("other", None, _HARD)
_RESOLUTION_ENTRY: Final = ("resolution", None, _HARD)
_RESOLUTION_WORDS: Final = {"4k": "2160p", "uhd": "2160p", "fullhd": "1080p"}
_RESOLUTION_HEIGHTS: Final = {"2160": "2160p", "1080": "1080p", "720": "720p", "576": "576p", "480": "480p",
                       "1440": "1440p", "360": "360p"}
_RESOLUTION_TOKENS: Final = frozenset(f"{height}{scan}" for height in _RESOLUTION_HEIGHTS for scan in "pi")
_LOOKUP: Final = {
    **_VOCABULARY,
    **{head: _HEAD for head in _NGRAM_HEADS},  # a head that is also a tag alone is glued first
    **{word: ("resolution", value, _HARD) for word, value in _RESOLUTION_WORDS.items()},
    **{f"{height}{scan}": ("resolution", f"{height}{scan}", _HARD)
       for height in _RESOLUTION_HEIGHTS for scan in "pi"},
}

_DIGITS: Final = frozenset("0123456789")

_MEDIA_EXTENSIONS: Final = frozenset(
    "mkv mp4 m4v avi mov wmv mpg mpeg ts m2ts mts vob iso webm ogm ogv flv divx xvid mk3d 3gp rm rmvb asf "
    "srt sub idx ass ssa vtt nfo nzb torrent".split()
)

# Folders that name a library, a disk or a download area, never a title.
_GENERIC_FOLDERS: Final = frozenset(
    "movies|movie|films|film|tv|tvshows|tv shows|shows|series|tv series|serien|videos|video|media|downloads|"
    "download|downloads finished|completed|complete|incoming|torrents|plex|library|nas|share|public|mnt|home|"
    "volume1|volume2|data|anime|kids|documentaries|tv_shows|tv_series|downloads_finished".split("|")
)

_YEAR_MAX: Final = date.today().year + 1

_TOKEN: Final = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")  # a word; "Director's" stays one
# The same words in a lower-cased ASCII name, found faster: no Unicode lookup per character.
_ASCII_TOKEN: Final = re.compile(r"[a-z0-9]+(?:'[a-z0-9]+)*")

_LEADING_JUNK: Final = re.compile(
    r"""^(?:\s*(?:
        [Ff]rom\s*\[[^\]]*\]                 # "From [ www.site.com ]"
      | \[[^\]]*\] | \{[^}]*\} | \(\d{1,2}\)  # "[XCT]", "{group}", "(1)"
      | [Ww][Ww][Ww]\.[^\s\-]+               # "www.site.party"
      | (?:[Ff][Rr]|[Vv][OoFf])(?=\s+-\s)    # a language before the title: "Fr - Paris 2054"
    )\s*(?:-(?!\w)\s*)?)+""",
    re.VERBOSE,
)

# Season and episode: S01E02, S01.E02, S1E2, S06xE01, s03-x01 (extras), S6.Ep5, S16 - E29.
# Spelled with explicit character classes rather than IGNORECASE: several times faster.
_SXE: Final = re.compile(
    r"[SsTt](\d{1,4})(?:[ ._]?-?[ ._]?[Xx]?[Ee]|[ ._-]?[Xx]|[ ._]?[Ee][Pp][ ._]?)(\d{1,4})(?!\d)"
)
# 1x02, 01x02, 1 x 03, 2×7.
_NXN: Final = re.compile(r"(\d{1,4}) ?[xX×] ?(\d{1,3})(?!\d)")
# What may follow a first episode: E02E03, -03 (a range), -E03, +02, & S01E03, .1x03, x03.
_MORE_SXE: Final = re.compile(r"[ ._]*(?:(-|\+|&|and)[ ._]*)?(?:[Ss](\d{1,4})[ ._-]?)?([EeXx])?(\d{1,4})(?![\dpi])")
_MORE_NXN: Final = re.compile(r"[ ._]*(?:(-|\+|&|and)[ ._]*)?(?:(\d{1,4})[xX×])?([xX])?(\d{1,3})(?![\dpi])")
# The first character after separators that either may read: a joiner ("and" opens with "a"),
# "S", "E" or "x"; after 1x02 also a number ("1x02.1x03"). Anything else ends the episodes at once.
_MORE_OPENERS: Final = frozenset("-+&aSsEeXx")
# Anime style "Show - S2 - 01".
_S_DASH: Final = re.compile(r"[Ss](\d{1,2})\s+-\s+(\d{1,3})(?![\dpi])")
# Markers opened by a word (the token loop finds the word, these read the rest).
_WORD_SEASON: Final = re.compile(r"[^\W\d_]+[ ._-]*(\d{1,4})(?![\dpi])(?:\s*of\s*\d+)?")
_WORD_EPISODE: Final = re.compile(r"([ÉéEe]pisodul|[ÉéEe]pisode|[ÉéEe]pisodio|[Ff]olge|[Aa]flevering|[Oo]dcinek|[Aa]vsnitt|эпизод|серия"
                           r"|[Ee][Pp]|[Ee]|[Cc]ap|[Cc]apitulo)[ ._]{0,2}(\d{1,4})(?:_(\d{1,4}))?(?![\dpi])"
                           r"|(\d{1,3})of\d{1,3}(?!\d)", re.IGNORECASE)
# Numbers written before the word, in Russian, Hungarian, German, Spanish, Portuguese:
# "2 сезон 24 серия", "5-й сезон 09-я серия", "2. évad 5. rész", "2. Staffel", "04ª Temporada", "1a. Temporada".
_NUMBER_BEFORE: Final = re.compile(r"(?<![^\W_])(\d{1,3})(ª|a\.?|-й|-го|-я|\.)?[ ._]*$")
_NUMBER_THEN_EPISODE: Final = re.compile(r"[ ._]*(\d{1,3})(?:-я|\.)?[ ._]*(?:серия|эпизод|rész)", re.IGNORECASE)
_N_OF_M: Final = re.compile(r"(?<![^\W_])(\d{1,3})[ ._]of[ ._]\d{1,3}(?!\d)")
_FILM_NUMBER: Final = re.compile(r"[-_]f\d{1,2}[-_.](?=[^\W\d_])")
_SEASON_DISC: Final = re.compile(r"[Ss](\d{1,2})[Dd]\d{1,2}(?:-\d{1,2})?(?:&\d{1,2})*(?![^\W_])")  # "S07D1": a disc
_ALL_OF_SEASON: Final = re.compile(r"(?<![^\W_])(\d{1,2})x[Aa]ll(?![^\W_])")  # "Something.1xAll": all of season 1
_TURKISH: Final = re.compile(r"(\d{1,2})[ .][Ss]ezon[ .](\d{1,3})[ .][Bb][oö]l[uü]m")
_CJK_NUMERALS: Final = "零一二三四五六七八九十"
_CJK: Final = re.compile(r"(?:第([0-9零一二三四五六七八九十]+)季|シーズン\s*(\d+)|(?<!\d)(\d{1,2})期)(?:\s*第([0-9零一二三四五六七八九十]+)[集話话])?")
_CJK_EPISODE: Final = re.compile(r"第([0-9零一二三四五六七八九十]+)[集話话]")

# A season folder: "Season 01", "S01", "Saison 6", "SEASON-06", "Specials", "Season 3 (mkv)".
_SEASON_FOLDER: Final = re.compile(
    r"^(?:(?:season|saison|staffel|temporada|stagione|sezon|seizoen|series|s)[ ._-]*(\d{1,4})|(specials?))"
    r"(?:\s*[(\[].*)?$",
    re.IGNORECASE,
)
# Folder names that need no scan: Plex's "Title (Year)", and a plain show name "Doctor Who (2005)".
_PLEX_MOVIE_FOLDER: Final = re.compile(r"^([^.\[\]{}()_]+) \((\d{4})\)$")  # greedy: the title holds no "("
_PLAIN_SHOW_FOLDER: Final = re.compile(r"^([^.\[\]{}()_]+(?: \([A-Z]{2}\))?)(?: \((\d{4})\))?$")
_PLEX_TAG: Final = re.compile(r"\s*[{\[](edition|imdb|imdbid|tmdb|tmdbid|tvdb|tvdbid)-([^}\]]*)[}\]]", re.IGNORECASE)
_OPEN_BRACKET: Final = re.compile(r"[(\[{]")
_DIGIT_RUNS: Final = re.compile(r"\d+")
_OPENING_QUOTES: Final = "\"'“‘«¡¿"
_REAL_WORD: Final = re.compile(r"(?<![^\W_])[^\W\d_]{2,}(?![^\W_])")
_COUNTRY_IN_PARENS: Final = re.compile(r"\((?:US|UK|AU|NZ|CA|IE)\)")
_TRAILING_RANGE: Final = re.compile(r"[ ._-]+\d{2,4}-\d{2,4}$")
_DATE_SEPARATORS: Final = frozenset(".-/")
_DATE_BEFORE: Final = re.compile(r"\d{1,2}[.\-/]\d{1,2}[.\-/]$")
_DATE_AFTER: Final = re.compile(r"[.\-/]\d{1,2}[.\-/]\d{1,2}(?!\d)")
# Anime releases: "[Group] Show - 679 [720p][1C98686A]": a fansub group first, or a CRC32 in brackets.
_CRC32: Final = re.compile(r"[\[(][0-9A-Fa-f]{8}[\])]")
# Episodes counted without seasons, set apart by a dash: "Show - 07", "Bleach - 313-314",
# "Show.Name.-.07.(2016)"; or opening the name: "01 - Ep Name", "003-004. Show Name - Ep Name".
_DASHED_EPISODE: Final = re.compile(r"[ ._]+-[ ._]+(\d{1,4})(?:v\d{1,2})?(?:-(\d{1,4}))?(?![^\W_])")
_LEADING_EPISODE: Final = re.compile(r"(\d{1,3})(?:-(\d{1,3}))?(?:\. | - |-(?=[^\W\d_]))")
_TITLE_DASH: Final = re.compile(r"[ ._]+-[ ._]+")
_VERSIONED: Final = re.compile(r"(\d{1,4})v\d{1,2}")  # "Bleach 312v1": episode 312, second release


# Plex's own naming, read in one match when the title part is plain: no separators of a scene
# name, no brackets, and (checked after the match) no vocabulary word. Quantifiers are greedy:
# a lazy title makes the regex engine try the rest of the pattern after every character.
# An episode's title may hold " - " ("Mission Impossible - Fallout - S01E01"): the shortest
# title the rest fits wins, tried at each space (_plex_episode_match) rather than each character.
_PLEX_EPISODE_REST: Final = re.compile(
    r"(?P<country> \([A-Z]{2}\))?(?: \((?P<year>\d{4})\))?"
    r" - [Ss](?P<season>\d{1,4})[Ee](?P<episode>\d{1,4})(?P<more>(?:-?[Ee]\d{1,4})*)"
    r"(?: - (?P<episode_title>[^.\[\]{}_]+))?(?: \[(?P<quality>[^\[\]]+)\])?"
)
_PLEX_TITLE_STOP: Final = re.compile(r"[.\[\]{}()_]")  # what a plain title never holds
_PLEX_MOVIE_NAME: Final = re.compile(
    r"(?P<title>[^.\[\]{}()_]+) \((?P<year>\d{4})\)(?: - (?P<extra>[^.\[\]{}()]+))?(?: \[(?P<quality>[^\[\]]+)\])?"
)


# The commonest scene film name, lower-cased: "the.matrix.1999.1080p." and its tags (_scene_film).
# The commonest scene names, lower-cased: plain words, then "s01" opening an episode's
# "show.name.s01e02.720p." (_scene_episode) or a film's "the.matrix.1999.1080p." (_scene_film).
_SCENE_NAME: Final = re.compile(r"([a-z]+(?:\.[a-z]+)*)\.(?:s\d|(\d{4})\.(\d{3,4}[pi])\.)")
_SCENE_RESOLUTION: Final = re.compile(r"\.(\d{3,4}[pi])\.")


class _Scan:
    """What one path component (a file stem or a folder name) says.

    Fields default at class level: most scans set only a few, and building an instance
    is then nearly free.
    """

    title = ""
    year: int | None = None
    season: int | None = None
    episodes: tuple[int, ...] = ()
    strong_marker = False  # S01E02 / 1x02, as opposed to "Episode 3" or "102"
    episode_title: str | None = None
    edition: str | None = None
    resolution: str | None = None
    source: str | None = None
    codec: str | None = None
    tagged = False  # carries release tags: not a clean Plex folder name

    def __init__(self, title: str = "", year: int | None = None) -> None:
        if title:
            self.title = title
            self.year = year


# ---------------------------------------------------------------------------------------------
# Season/episode markers.

def canonical_codec(word: str) -> str:
    """The codec name file names are read as, for any spelling a user types.

    >>> canonical_codec("x265"), canonical_codec("H.264"), canonical_codec("VC-1"), canonical_codec("theora")
    ('hevc', 'h264', 'vc1', 'theora')
    """
    spelling = re.sub(r"[^0-9a-z]", "", word.lower())
    field, value, _ = _VOCABULARY.get(spelling, (None, None, None))
    return value if field == "codec" and value is not None else word.lower()


def _letter_before(stem: str, index: int) -> bool:
    """Is the marker glued to what precedes it ("gNWDXow11s7E0" is a hash, not S07E00)?"""
    return index > 0 and stem[index - 1].isalnum()


def _more_episodes(stem: str, pos: int, season: int, first: int, follow: re.Pattern[str]) -> tuple[tuple[int, ...], int]:
    """Read what follows a first episode number; "-" joins a range (E01-03, E01-E03 = 1, 2, 3)."""
    opener = stem[pos:].lstrip(" ._")[:1]
    if opener not in _MORE_OPENERS and not (follow is _MORE_NXN and opener.isdecimal()):
        return (first,), pos  # "S01E02.720p", "S01E02": nothing that follow could read comes next
    episodes = [first]
    while True:
        more = follow.match(stem, pos)
        if more is None:
            break
        joiner, other_season, letter, number = more.groups()
        if other_season is not None and int(other_season) != season:
            break
        if letter is None and other_season is None and (joiner is None or " " in more.group()):
            break  # "S01E02.720p", "S01E01 - 12-00 A.M.": a bare number is something else
        value = int(number)
        last = episodes[-1]
        if joiner == "-" and other_season is None:
            if not last < value <= last + 40:
                break
            episodes.extend(range(last + 1, value + 1))
        elif last < value <= last + 40:
            episodes.append(value)
        else:
            break
        pos = more.end()
    return tuple(episodes), pos


def _strong_marker(stem: str, start: int) -> Marker | None:
    """S01E02 or 1x02 (and their multi-episode forms): (begin, end, season, episodes)."""
    found = _SXE.search(stem, start)
    while found is not None and _letter_before(stem, found.start()):
        found = _SXE.search(stem, found.start() + 1)
    if found is not None:
        season = int(found[1])
        episodes, end = _more_episodes(stem, found.end(), season, int(found[2]), _MORE_SXE)
        return found.start(), end, season, episodes
    found = _NXN.search(stem, start) if ("x" in stem or "X" in stem or "×" in stem) else None
    while found is not None:
        season_digits, episode_digits = found[1], found[2]
        begin = found.start()
        glued = begin > 0 and stem[begin - 1].isalnum()
        codec = episode_digits in ("264", "265") and stem[found.start(2) - 1] in "xX"  # "Anime - 03 x264"
        if not glued and not codec and not (len(season_digits) >= 3 and len(episode_digits) == 3):  # not 1280x720
            season = int(season_digits)
            episodes, end = _more_episodes(stem, found.end(), season, int(episode_digits), _MORE_NXN)
            return begin, end, season, episodes
        found = _NXN.search(stem, begin + 1)
    if "ll" in stem:
        found = _ALL_OF_SEASON.search(stem, start)
        if found is not None:
            return found.start(), found.end(), int(found[1]), ()
    found = _S_DASH.search(stem, start) if " - " in stem else None
    if found is not None and not _letter_before(stem, found.start()):
        return found.start(), found.end(), int(found[1]), (int(found[2]),)
    return None


def _word_marker(stem: str, begin: int, word: str) -> Marker | None:
    """A marker opened by a word at stem[begin:]: "Season 2 Episode 5", "Cap.102", "Episode 4"."""
    season = None
    episodes: tuple[int, ...] = ()
    end = begin
    if word in ("sezon",) and begin >= 2:
        turkish = _TURKISH.search(stem, max(0, begin - 4), begin + 20)
        if turkish is not None:
            return turkish.start(), turkish.end(), int(turkish[1]), (int(turkish[2]),)
    before = _NUMBER_BEFORE.search(stem, max(0, begin - 8), begin) if begin else None
    if word in _EPISODE_WORDS:
        if before is not None and word in ("серия", "rész"):  # "5.серия.из.12": episode 5
            return before.start(), begin + len(word), None, (int(before[1]),)
    else:
        found = _WORD_SEASON.match(stem, begin)
        if before is not None and (found is None or before[2] or _NUMBER_THEN_EPISODE.match(stem, found.start(1) - 1)):
            # "2. Staffel", "04ª Temporada", "Vikings 3 Temporada 720p", "2 сезон 24 серия"
            begin, end, season = before.start(), begin + len(word), int(before[1])
            numbered = _NUMBER_THEN_EPISODE.match(stem, end)
            if numbered is not None:
                return begin, numbered.end(), season, (int(numbered[1]),)
        elif found is None:
            return None
        else:
            season, end = int(found[1]), found.end()
    episode = _WORD_EPISODE.search(stem, end)
    if episode is not None and season is not None and episode.start() - end > 40:
        episode = None
    if episode is not None and episode.start() > end and stem[episode.start() - 1].isalnum():
        episode = None
    if episode is None:
        return (begin, end, season, ()) if season is not None else None
    if episode[4] is not None:
        episodes = (int(episode[4]),)
    else:
        first, last = int(episode[2]), episode[3]
        if episode[1].lower() == "cap" and first >= 100:
            # Spanish "Cap.102" is season 1, episode 2; "Cap.102_104" runs to episode 4.
            season = first // 100 if season is None else season
            first, last = first % 100, (int(last) % 100 if last else None)
        else:
            last = int(last) if last else None
        episodes = tuple(range(first, last + 1)) if last and first < last <= first + 40 else (first,)
    if episode.start() - end < 4 or season is None:
        end = episode.end()
    return begin, end, season, episodes


def _cjk_number(text: str) -> int | None:
    """"3" -> 3, "二" -> 2, "十一" -> 11, "二十三" -> 23; None for what is not a number."""
    if text.isdigit():
        return int(text) if text.isascii() else None
    tens, ten, units = text.partition("十")
    if not ten:
        return _CJK_NUMERALS.index(text) if len(text) == 1 and text in _CJK_NUMERALS else None
    if len(tens) > 1 or len(units) > 1 or "十" in units or not (tens + units).strip(_CJK_NUMERALS[1:10]) == "":
        return None
    return (_CJK_NUMERALS.index(tens) if tens else 1) * 10 + (_CJK_NUMERALS.index(units) if units else 0)


def _cjk_marker(stem: str, start: int) -> Marker | None:
    """第二季 第3集 (Chinese), シーズン2 第3話 (Japanese)."""
    found = _CJK.search(stem, start)
    if found is not None:
        season = _cjk_number(found[1] or found[2] or found[3])  # 第二季, シーズン2, 2期
        episode = _cjk_number(found[4]) if found[4] else None
        if season is None:
            return None
        if episode is not None:
            return found.start(), found.end(), season, (episode,)
        alone = _CJK_EPISODE.search(stem, found.end())
        if alone is not None and (episode := _cjk_number(alone[1])) is not None:
            return found.start(), alone.end(), season, (episode,)
        return found.start(), found.end(), season, ()
    alone = _CJK_EPISODE.search(stem, start)
    if alone is not None and (episode := _cjk_number(alone[1])) is not None:
        return alone.start(), alone.end(), None, (episode,)
    return None


# ---------------------------------------------------------------------------------------------
# Reading one name.

def _tag_case(token: str) -> bool:
    """Written as a tag: capitals ("WEB", "DC") or scene case ("LiMiTED", "iNTERNAL", "MULTi")."""
    if token.isupper():
        return True
    if token[0].islower():
        return not token.islower()
    return sum(ch.isupper() for ch in token) >= 2


def _resolution(lower: str) -> str | None:
    """"1080p" -> "1080p", "1080p24" -> "1080p", "1920x1080" -> "1080p"; None if not a resolution."""
    size = len(lower)
    if size in (4, 5) and lower[-1] in "pi" and lower[:-1].isdigit():
        return lower
    if size > 5 and lower[4:5] == "p" and lower[:4].isdigit() and lower[5:].isdigit():
        return lower[:5]
    if "x" in lower:
        width, _, height = lower.partition("x")
        if len(width) >= 3 and len(height) >= 3 and width.isdigit() and height.isdigit():
            return _RESOLUTION_HEIGHTS.get(height, "")
    return None


def _is_year(token: str) -> bool:
    return len(token) == 4 and token.isdigit() and 1890 <= int(token) <= _YEAR_MAX


def _may_be_date(lowered: str, begin: int, end: int) -> bool:
    """Cheap test before _is_date: "2010.11.", "2010-1-", ".01.2008" around the year."""
    after = lowered[end:end + 1] in _DATE_SEPARATORS and lowered[end + 1:end + 2].isdigit() and (
        lowered[end + 2:end + 3] in _DATE_SEPARATORS or lowered[end + 3:end + 4] in _DATE_SEPARATORS)
    return after or (lowered[begin - 1:begin] in _DATE_SEPARATORS and lowered[begin - 2:begin - 1].isdigit())


def _is_date(stem: str, begin: int, end: int) -> bool:
    """Is the year at stem[begin:end] part of a date such as 2010.11.23 or 14-01-2008?"""
    if stem[end:end + 1] in ".-/" and stem[end + 1:end + 2].isdigit() and _DATE_AFTER.match(stem, end):
        return True
    return begin > 3 and stem[begin - 1] in ".-/" and stem[begin - 2].isdigit() and \
        _DATE_BEFORE.search(stem, begin - 6, begin) is not None


def _scan(stem: str, kind_hint: str | None = None, tv_context: bool = False) -> _Scan:
    """Read one name: where its title ends, and the year, marker and tags it carries.

    The title runs from the first word to the first cut: a tag, the year, a bracket or the
    season/episode marker. Soft tags right before a cut are trimmed off its end.
    """
    if " (" in stem or " - " in stem:
        plex = _plex_name(stem)
        if plex is not None:
            return plex
    marker_at_start: Marker | None = None  # a marker searched from the name's start (kept if the title starts there)
    searched_at_start = False
    if "." in stem and stem.isascii():  # the commonest scene names, each in one match
        lowered = stem.lower()
        found = _SCENE_NAME.match(lowered)
        if found is not None:
            if found[2] is None:
                marker_at_start = _strong_marker(stem, 0)
                searched_at_start = True
                scene = _scene_episode(stem, lowered, found, marker_at_start)
            else:
                scene = None if tv_context else _scene_film(stem, lowered, found)
            if scene is not None:
                return scene
    scan = _Scan()
    size = len(stem)
    start = 0
    first = stem[:1]
    if first in "[({" or first in "wWfFvV" and (stem[:4].lower() in ("www.", "from") or stem[2:5] == " - "):
        junk = _LEADING_JUNK.match(stem)
        if junk is not None and junk.end() < size:
            start = junk.end()
    if kind_hint != "tv" and ("-f" in stem or "_f" in stem):
        film = _FILM_NUMBER.search(stem, start)
        if film is not None:
            start = film.end()  # "James_Bond-f21-Casino_Royale": the film's own title follows its number
    absolute = False  # anime numbering: episodes counted from the show's first, no season
    if not tv_context and kind_hint != "movies" and "[" in stem and (
            _CRC32.search(stem) or first == "[" and _names_a_group(stem[1:stem.find("]")].lower())):
        tv_context = absolute = True
    marker = _strong_marker(stem, start) if not searched_at_start or start else marker_at_start
    if marker is None and not stem.isascii() and ("第" in stem or "期" in stem or "シーズン" in stem):
        marker = _cjk_marker(stem, start)  # (each of its forms holds one of these: "Amélie" needs no search)
    scan.strong_marker = marker is not None
    marker_begin, marker_end = (marker[0], marker[1]) if marker else (size, size)

    title_start = -1
    title_cut = marker_begin  # where the title stops
    episode_title_cut = size  # where the episode title stops
    trail_from = -1  # start of the run of soft tags that may end the title
    first_tag = size
    numbers: list[tuple[int, int, str]] = []  # bare numbers: (begin, end, digits)
    lowered = stem.lower()
    if len(lowered) != size:  # "İ" grows when lower-cased: keep the original offsets
        lowered = "".join(ch.lower()[0] for ch in stem)
    skip = 0  # tokens already read as part of a multi-token tag
    token_pattern = _ASCII_TOKEN if lowered.isascii() else _TOKEN
    tokens = token_pattern.finditer(lowered, start)
    for token in tokens:
        if skip:
            skip -= 1
            continue
        lower = token.group()
        entry = _LOOKUP.get(lower)
        if entry is None and lower.isalpha():
            # A title word (or an episode-title word after the marker): the common case.
            if title_start < 0:
                begin = token.start()
                if begin < marker_begin:
                    title_start = begin
            trail_from = -1
            continue
        begin = token.start()
        if marker_begin <= begin < marker_end:
            continue
        if entry is None:
            end = token.end()
            if lower[0] in _DIGITS:
                if lower.isdigit():
                    if len(lower) == 4 and title_start >= 0 and begin < title_cut \
                            and _may_be_date(lowered, begin, end) and _is_date(stem, begin, end):
                        # "Show.Name.2010.11.23", "Date.Show.03-29-2012": a daily show's title ends at the date
                        cut = _date_start(stem, begin)
                        title_cut = trail_from if 0 <= trail_from < cut else cut
                        continue
                    if len(lower) == 4 and scan.year is None and title_start >= 0 \
                            and 1890 <= int(lower) <= _YEAR_MAX and not _year_follows(lowered, end) \
                            and not (marker_end <= begin < episode_title_cut and
                                     (_has_word(stem, marker_end, begin) or _word_follows(lowered, end))) \
                            and not (_may_be_date(lowered, begin, end) and _is_date(stem, begin, end)):
                        # "Blade Runner 2049 2017": of two years in a row the first belongs to the title.
                        scan.year = int(lower)
                        cut = begin - 1 if begin and stem[begin - 1] in "([" else begin
                        if begin < title_cut:
                            title_cut = trail_from if trail_from >= 0 else cut
                        elif marker_end <= begin < episode_title_cut:
                            episode_title_cut = cut
                        continue
                    if title_start < 0 and begin < marker_begin:
                        title_start = begin
                    if end - begin == 1 and lowered[begin:end + 2] in _CHANNELS and not lowered[end + 2:end + 3].isalnum():
                        entry = _VOCABULARY["dd"]  # "5.1": an audio layout
                        skip = 1
                    else:
                        numbers.append((begin, end, lower))
                        continue
                else:
                    resolution = _resolution(lower)
                    versioned = _VERSIONED.fullmatch(lower) if resolution is None else None
                    if versioned is not None:
                        if title_start < 0 and begin < marker_begin:
                            title_start = begin
                        numbers.append((begin, begin + len(versioned[1]), versioned[1]))
                        continue
                    if resolution is None:
                        entry = _suffixed(lower)
                    else:
                        if resolution and scan.resolution is None:
                            scan.resolution = resolution
                        entry = _RESOLUTION_ENTRY
            elif lower[-1] in _DIGITS:
                entry = _suffixed(lower)
                if entry is None:
                    word = lower.rstrip("0123456789")
                    if marker is None and (word in ("e", "s") or _VOCABULARY.get(word, _NOTHING)[0] == _MARKER) \
                            and (word != "s" or kind_hint != "movies"):
                        # "E13", "S03", "Temporada1", "ep13": a marker in one token
                        marker = _token_marker(stem, begin, lower, word)
                        if marker is not None:
                            marker_begin, marker_end = marker[0], marker[1]
                            if begin < title_cut:
                                title_cut = trail_from if trail_from >= 0 and marker[3] else begin
                            continue
                    elif word == "x" and len(lower) <= 3:
                        entry = _EXTRA_ENTRY  # "Moon_(2009)-x02-Making_Of": an extra, numbered
                    elif marker is None and word[0] == "s" and word[-1] == "d" and kind_hint != "movies":
                        disc = _SEASON_DISC.match(stem, begin)  # "Greys.Anatomy.S07D1": a disc of season 7
                        if disc is not None:
                            marker = (begin, disc.end(), int(disc[1]), ())
                            marker_begin, marker_end = begin, disc.end()
                            if begin < title_cut:
                                title_cut = trail_from if trail_from >= 0 else begin
                            continue

            if entry is None:
                if title_start < 0 and begin < marker_begin:
                    title_start = begin
                trail_from = -1
                continue
        field, value, strength = entry
        if field == "resolution":
            if value and scan.resolution is None:
                scan.resolution = value
        elif field == "head":
            entry, skip = _glue(lowered, token.end(), lower, token_pattern)
            if entry is None or entry[2] == _CAPS and not _tag_case(stem[begin:token.end()]):
                if title_start < 0 and begin < marker_begin:
                    title_start = begin
                trail_from = -1
                skip = 0
                continue
            field, value, strength = entry
        elif field == _MARKER:
            if marker is None and kind_hint != "movies":  # "Gilded.Horse.Long.Season.1999" is a film
                marker = _word_marker(stem, begin, lower)
                if marker is not None:
                    marker_begin, marker_end = marker[0], marker[1]
                    if marker_begin < title_cut:
                        title_cut = trail_from if trail_from >= 0 else marker_begin
                    continue
            if title_start < 0 and begin < marker_begin:
                title_start = begin
            trail_from = -1
            continue
        elif strength == _CAPS and not _tag_case(stem[begin:token.end()]):
            if title_start < 0 and begin < marker_begin:
                title_start = begin
            trail_from = -1
            continue
        if field == "edition":
            scan.edition = scan.edition or value
        elif field == "source":
            if scan.source is None or value == "REMUX":
                scan.source = value
        elif field == "codec":
            scan.codec = scan.codec or value
        if strength == _SOFT and not _tag_case(stem[begin:token.end()]):
            if title_start < 0 and begin < marker_begin:
                title_start = begin  # "French.Immersion.2011": a soft tag opening the name is a word
            if begin < title_cut and trail_from < 0:
                trail_from = begin
            continue
        scan.tagged = True
        if title_start < 0:
            continue  # tags before the title: "[h265 - HEVC] Riddick"
        if first_tag > begin:
            first_tag = begin
        if begin < title_cut:
            title_cut = trail_from if trail_from >= 0 else begin
        elif marker_end <= begin < episode_title_cut:
            episode_title_cut = begin
        if begin >= marker_end or (marker is None and not tv_context):
            # Title and episode title are settled: what follows only fills in tags.
            _read_tail(scan, tokens, skip, stem, lowered, token_pattern)
            break

    if title_start < 0:
        title_start = marker_begin
    title_end = title_cut
    if 0 <= trail_from < title_end and title_cut == marker_begin and marker is None:
        title_end = trail_from  # "Alien Unrated" at the very end
    if marker is None and numbers and kind_hint != "movies" and "of" in lowered:
        of = _N_OF_M.search(lowered, title_start + 1, first_tag)  # "FlexGet.14.of.21.Title", "China 1 of 6"
        if of is not None:
            marker = (of.start(), of.end(), None, (int(of[1]),))
            marker_end = of.end()
            episode_title_cut = first_tag
            title_end = min(title_end, of.start())
    if marker is None and numbers and kind_hint != "movies" and "-" in stem:
        dashed = _dashed_episode(stem, start, title_start, title_end, first_tag, absolute)
        if dashed is not None:
            marker, title_start, title_end = dashed
            marker_end = marker[1]
            episode_title_cut = first_tag if marker[0] > title_end else title_end
    if marker is None and numbers and kind_hint != "movies":
        number = _numbered_episode(numbers, lowered, title_start, title_end, first_tag, tv_context)
        if number is not None:
            begin, digits = number
            if len(digits) >= 3 and not absolute and not (tv_context and len(digits) == 3 and digits[0] == "0"):
                season, episodes = int(digits) // 100, (int(digits) % 100,)
            else:
                season, episodes = None, (int(digits),)
            marker = (begin, begin + len(digits), season, episodes)
            episode_title_cut = first_tag if begin > title_end else title_end
            title_end = min(title_end, begin)
            marker_end = begin + len(digits)
    if title_start < title_end:
        if title_start and stem[title_start - 1] in _OPENING_QUOTES:
            title_start -= 1  # '"Quoted" Title': the title opens with its quote, not its first word
        bracket = _OPEN_BRACKET.search(stem, title_start + 1, title_end)
        while bracket is not None:
            country = _COUNTRY_IN_PARENS.match(stem, bracket.start())
            if country is None:
                title_end = bracket.start()
                break
            bracket = _OPEN_BRACKET.search(stem, country.end(), title_end)
        scan.title = stem[title_start:title_end].rstrip(" -._")
        if marker is not None and scan.title[-1:].isdigit() and "-" in scan.title:
            # "Show Name 313-315 s16e03-05": absolute episode numbers before the marker
            scan.title = _TRAILING_RANGE.sub("", scan.title)
    if marker is not None:
        scan.season, scan.episodes = marker[2], marker[3]
        if scan.year is None and scan.season is not None and scan.season >= 1890 and _is_year(str(scan.season)):
            scan.year = scan.season  # "Pawn.Stars.S2014E18": a season named by its year
        elif scan.season is None and scan.year is not None and scan.episodes and lowered[marker_begin:marker_begin + 1] == "e" \
                and stem[marker_begin - 5:marker_begin - 1] == str(scan.year):
            scan.season = scan.year  # "Eyes.Of.Dawn.1991.E01": the year names the season
        end = episode_title_cut
        bracket = _OPEN_BRACKET.search(stem, marker_end + 2, end)
        if bracket is not None:
            end = bracket.start()
        raw = stem[marker_end:end].strip(" .-_])}~")
        if raw and not raw.isdigit():
            scan.episode_title = raw
    return scan


def _scene_film(stem: str, lowered: str, found: re.Match[str]) -> _Scan | None:
    """Read the commonest scene film name, "The.Matrix.1999.1080p.BluRay.x264-GRP", in one match.

    The answer is the one _scan's token loop gives, for the names this accepts: plain words
    (none in the vocabulary) joined by dots, a year, a resolution, then tags read by _read_tail;
    nothing that loop would read otherwise (a marker anywhere, a film number, brackets, junk
    before the title). None for every other name. found is _SCENE_NAME's match of the
    lower-cased name, with a year and a resolution.

    >>> name = "The.Matrix.1999.1080p.BluRay.x264-GRP"
    >>> film = _scene_film(name, name.lower(), _SCENE_NAME.match(name.lower()))
    >>> film.title, film.year, film.resolution, film.source, film.codec
    ('The.Matrix', 1999, '1080p', 'BluRay', 'h264')
    """
    if "[" in stem or "-f" in stem or "_f" in stem or lowered[:4] in ("www.", "from"):
        return None
    words, year, resolution = found.groups()
    if not 1890 <= int(year) <= _YEAR_MAX or resolution not in _RESOLUTION_TOKENS \
            or not _LOOKUP.keys().isdisjoint(words.split(".")) or _strong_marker(stem, 0) is not None:
        return None
    scan = _Scan(stem[:found.end(1)], int(year))
    scan.resolution, scan.tagged = resolution, True
    _read_tail(scan, _ASCII_TOKEN.finditer(lowered, found.end()), 0, stem, lowered, _ASCII_TOKEN)
    return scan


def _scene_episode(stem: str, lowered: str, found: re.Match[str],
                   marker: Marker | None) -> _Scan | None:
    """Read the commonest scene episode name, "Show.Name.S01E02.720p.WEB-DL.x264-GRP", in one match.

    As _scene_film, for plain words, the S01E02 marker (and its further episodes) right after
    them and a resolution right after it: the token loop's answer, without its loop. found is
    _SCENE_NAME's match of the lower-cased name, marker _strong_marker's answer from its start.

    >>> name = "Show.Name.S01E02-E03.720p.WEB-DL.x264-GRP"
    >>> scene = _scene_episode(name, name.lower(), _SCENE_NAME.match(name.lower()), _strong_marker(name, 0))
    >>> scene.title, scene.season, scene.episodes, scene.resolution, scene.source, scene.episode_title
    ('Show.Name', 1, (2, 3), '720p', 'WEB-DL', None)
    """
    if "[" in stem or "-f" in stem or "_f" in stem or lowered[:4] in ("www.", "from"):
        return None
    if marker is None or marker[0] != found.end(1) + 1:
        return None
    tags = _SCENE_RESOLUTION.match(lowered, marker[1])
    if tags is None or tags[1] not in _RESOLUTION_TOKENS or not _LOOKUP.keys().isdisjoint(found[1].split(".")):
        return None
    scan = _Scan(stem[:found.end(1)])
    scan.strong_marker, scan.season, scan.episodes = True, marker[2], marker[3]
    if scan.season is not None and scan.season >= 1890 and _is_year(str(scan.season)):
        return None  # "Show.S2014E18": a season named by its year, for the token loop
    scan.resolution, scan.tagged = tags[1], True
    _read_tail(scan, _ASCII_TOKEN.finditer(lowered, tags.end()), 0, stem, lowered, _ASCII_TOKEN)
    return scan


def _names_a_group(bracketed: str) -> bool:
    """Is "[...]" opening a name a release group ("[HorribleSubs]"), not tags ("[h265 - hevc]")?"""
    return _LOOKUP.keys().isdisjoint(_ASCII_TOKEN.findall(bracketed))


def _date_start(stem: str, begin: int) -> int:
    """Where a date that holds the year at stem[begin:] starts: "03-29-2012" starts at "03"."""
    before = _DATE_BEFORE.search(stem, max(0, begin - 6), begin)
    return before.start() if before is not None else begin


def _has_word(stem: str, begin: int, end: int) -> bool:
    """Does stem[begin:end] hold a word? A year after "S07E22 - 2000 Light Years" belongs to the episode title."""
    return _REAL_WORD.search(stem, begin, end) is not None


def _word_follows(lowered: str, end: int) -> bool:
    """Is the next token a plain word? ("S07E22 - 2000 Light Years": the year opens a title)."""
    following = (_ASCII_TOKEN if lowered.isascii() else _TOKEN).search(lowered, end, end + 24)
    return following is not None and following.group().isalpha() and following.group() not in _LOOKUP


def _year_follows(lowered: str, end: int) -> bool:
    """Is the next token a year? ("Blade Runner 2049 (2017)", "Fahrenheit 451 1966")."""
    following = (_ASCII_TOKEN if lowered.isascii() else _TOKEN).search(lowered, end, end + 8)
    return following is not None and _is_year(following.group())


def _glue(lowered: str, end: int, head: str, token_pattern: re.Pattern[str] = _TOKEN,
          ) -> tuple[tuple[str, str | None, int] | None, int]:
    """Read a multi-token tag opened by head ("web" "dl", "h" "264", "director's" "cut").

    Returns the vocabulary entry and how many tokens after the head it took; tokens must be
    joined by exactly one separator. Falls back to the head alone. token_pattern is the one the
    name was cut with (_ASCII_TOKEN for an ASCII name: the same words, found faster).
    """
    glued = head.replace("'", "").replace("’", "") if "'" in head or "’" in head else head
    entry, width = None, 0
    for ahead in (1, 2):
        following = token_pattern.match(lowered, end + 1)
        if following is None:
            break
        word = following.group()
        glued += word.replace("'", "").replace("’", "") if "'" in word or "’" in word else word
        found = _VOCABULARY.get(glued)
        if found is not None and (ahead > 1 or len(glued) > 2):
            entry, width = found, ahead
        if glued not in _GLUE_PREFIXES:
            break
        end = following.end()
    if entry is None:
        return _VOCABULARY.get(head), 0
    return entry, width


def _read_tail(scan: _Scan, tokens, skip: int, stem: str, lowered: str, token_pattern: re.Pattern[str]) -> None:
    """Read the tags after the first tag that follows the title (or the marker): only fields change now.

    The lean twin of _scan's loop for "....1080p.AMZN.WEB-DL.DDP5.1.H.264-GRP" tails.
    """
    for token in tokens:
        if skip:
            skip -= 1
            continue
        lower = token.group()
        entry = _LOOKUP.get(lower)
        if entry is None:
            if lower.isalpha():
                continue
            if lower[0] in _DIGITS:
                if lower.isdigit():
                    begin, end = token.span()
                    if scan.year is None and len(lower) == 4 and 1890 <= int(lower) <= _YEAR_MAX \
                            and not (_may_be_date(lowered, begin, end) and _is_date(stem, begin, end)):
                        scan.year = int(lower)  # "...(HDiTunes.Ac3.Esp).(2015)"
                    elif end - begin == 1 and lowered[begin:end + 2] in _CHANNELS:
                        skip = 1  # "5.1"
                    continue
                resolution = _resolution(lower)
                if resolution is not None:
                    if resolution and scan.resolution is None:
                        scan.resolution = resolution
                    continue
            entry = _suffixed(lower) if lower[-1] in _DIGITS else None
            if entry is None:
                continue
        field, value, strength = entry
        if field == "head":
            entry, skip = _glue(lowered, token.end(), lower, token_pattern)
            if entry is None:
                skip = 0
                continue
            field, value, strength = entry
        if strength == _CAPS and not _tag_case(stem[token.start():token.end()]):
            continue
        if field == "resolution":
            if value and scan.resolution is None:
                scan.resolution = value
        elif field == "source":
            if scan.source is None or value == "REMUX":
                scan.source = value
        elif field == "codec":
            scan.codec = scan.codec or value
        elif field == "edition":
            scan.edition = scan.edition or value


def _plex_name(stem: str) -> _Scan | None:
    """Read Plex's naming in one match: "Title (Year)", "Title (Year) - 1080p",
    "Show (2005) - S01E02-E03 - Episode Title [HDTV-720p]". None when the name is anything else."""
    episode = _plex_episode_match(stem) if (" - S" in stem or " - s" in stem) else None
    if episode is not None:
        title, found = episode
    else:
        movie = _PLEX_MOVIE_NAME.fullmatch(stem)
        if movie is None:
            return None
        found = movie
        title = found["title"]
    lowered = title.lower()
    if not _VOCABULARY.keys().isdisjoint((_ASCII_TOKEN if lowered.isascii() else _TOKEN).findall(lowered)):
        return None  # "Suicide Squad EXTENDED (2016)": leave the title to the full reading
    year = found["year"]
    if year is not None and not _is_year(year):
        return None
    if year is None and _is_year(title[-4:]) and title[-5:-4] == " ":
        return None  # "DC's Legends of Tomorrow 2016 - S02E02": a year outside brackets, for the full reading
    scan = _Scan(title, int(year) if year else None)
    if episode:
        first = int(found["episode"])
        more = found["more"]
        if not more:
            episodes: tuple[int, ...] = (first,)
        elif "-" in more:  # "E05-E07" is a range
            last = int(more.rsplit("e", 1)[-1].rsplit("E", 1)[-1])
            episodes = tuple(range(first, last + 1)) if first < last <= first + 40 else (first,)
        else:  # "E05E06" lists them
            episodes = (first, *(int(number) for number in _DIGIT_RUNS.findall(more)))
        episode_title = found["episode_title"]
        if episode_title is not None and _SXE.match(episode_title):
            return None  # "Show - S01E02 - S01E03 - Title": more episodes, for the full reading
        scan.season, scan.episodes, scan.strong_marker = int(found["season"]), episodes, True
        scan.episode_title = episode_title
        extra = None
    else:
        extra = found["extra"]
    quality = found["quality"]
    if quality or extra and _may_hold_tags(extra):
        tags = _scan(f"x {extra or ''} {quality or ''}")  # "x" stands in for a title
        scan.resolution, scan.source, scan.codec = tags.resolution, tags.source, tags.codec
        scan.edition, scan.tagged = tags.edition, tags.tagged
    return scan


def _plex_episode_match(stem: str) -> tuple[str, re.Match[str]] | None:
    """(title, match of the rest) for Plex's episode naming, the shortest title that fits.

    >>> title, rest = _plex_episode_match("Mission Impossible - Fallout (US) - S01E02 - Pilot")
    >>> title, rest["season"], rest["episode_title"]
    ('Mission Impossible - Fallout (US)', '01', 'Pilot')
    """
    stop = _PLEX_TITLE_STOP.search(stem)
    limit = stop.start() if stop is not None else len(stem)
    space = stem.find(" ", 1)
    while 0 < space < limit:
        found = _PLEX_EPISODE_REST.fullmatch(stem, space)
        if found is not None:
            return stem[:found.end("country")] if found["country"] else stem[:space], found
        space = stem.find(" ", space + 1)
    return None


def _may_hold_tags(text: str) -> bool:
    """Could a Plex name's trailing words ("- 1080p", "- cut 3") hold a tag worth a full reading?"""
    for word in _TOKEN.findall(text.lower()):
        if word in _LOOKUP or not word.isalpha() and (_resolution(word) is not None or _suffixed(word)):
            return True
    return False


def _suffixed(lower: str) -> tuple[str, str | None, int] | None:
    """"AAC2", "DD5", "HEVC10", "FLAC1": an audio or video tag with a channel or depth suffix."""
    entry = _VOCABULARY.get(lower.rstrip("0123456789"))
    if entry is not None and entry[0] in ("audio", "codec"):
        return entry
    return None


def _token_marker(stem: str, begin: int, lower: str, word: str) -> Marker | None:
    """A marker in one token: "E13" (episode 13), "S03" (season 3, or "S2 - 01" anime style),
    or a marker word glued to its number ("Temporada1", "ep13")."""
    if word == "e":  # "E02", "E02-03", "E02E03"
        episodes, end = _more_episodes(stem, begin + len(lower), -1, int(lower[1:]), _MORE_SXE)
        return begin, end, None, episodes
    if word != "s":
        return _word_marker(stem, begin, word)
    if len(lower) > 3:
        return None
    anime = _S_DASH.match(stem, begin)
    if anime is not None:
        return begin, anime.end(), int(anime[1]), (int(anime[2]),)
    end = begin + len(lower)
    episode = _WORD_EPISODE.search(stem, end, end + 12)  # "Mind Field S2 (Ep 6)"
    if episode is not None and episode[2] and not stem[episode.start() - 1].isalnum():
        return begin, episode.end(), int(lower[1:]), (int(episode[2]),)
    return begin, end, int(lower[1:]), ()


def _numbered_episode(numbers: list[tuple[int, int, str]], lowered: str, title_start: int, title_end: int,
                      first_tag: int, tv_context: bool) -> tuple[int, str] | None:
    """Find "Show.Name.102.HDTV" (season 1, episode 2) or, in a season folder, "Show - 07 - Title".

    The number must follow a title word ("1917", "300" are titles), come before the first tag,
    and must not stand right before a year ("Fahrenheit 451 1966"); after the year it must not
    be a bare resolution ("the.flash.2014.208" but not "Movie.2013.720.x264").
    Of several, the last wins: "the.100.109.hdtv".
    """
    chosen = None
    for begin, end, digits in numbers:
        if begin >= first_tag and not tv_context:
            break
        size = len(digits)
        if begin >= title_end and digits in _RESOLUTION_HEIGHTS:
            continue
        if begin <= title_start and not (tv_context and size <= 3):
            continue
        if size == 3 or (size == 4 and digits[0] == "0") or (tv_context and size <= 2) or (
                size == 2 and begin > title_start and _alone_before_tags(lowered, begin, end, first_tag)):
            if _year_follows(lowered, end):
                continue
            chosen = (begin, digits)
            if tv_context and size <= 2:
                break  # the first small number after the title: "Friends - 07 - The One"
    return chosen


# ---------------------------------------------------------------------------------------------
# Reading a path: the file name, helped by the folders above it.

def _episode_range(first: str, last: str | None) -> tuple[int, ...]:
    start = int(first)
    end = int(last) if last else start
    return tuple(range(start, end + 1)) if start < end <= start + 40 else (start,)


def _dashed_episode(stem: str, start: int, title_start: int, title_end: int, first_tag: int,
                    absolute: bool) -> tuple[Marker, int, int] | None:
    """An episode set apart by a dash: (marker, title start, title end).

    The title is what comes before the first dash, as in anime releases where an alternative
    title follows it ("[HorribleSubs] Garo - Vanishing Line - 01": "Garo", episode 1). Three
    digits are season and episode ("One Piece - 102": 1x02) unless the name is an anime
    release, numbered from the show's first episode ("[Group] One Piece - 679").
    """
    lead = _LEADING_EPISODE.match(stem, start)
    if lead is not None:
        after = lead.end()
        dash = _TITLE_DASH.search(stem, after, title_end)
        return (start, after, None, _episode_range(lead[1], lead[2])), after, dash.start() if dash else title_end
    found = _DASHED_EPISODE.search(stem, title_start, first_tag)
    while found is not None and _is_year(found[1]):
        found = _DASHED_EPISODE.search(stem, found.end(), first_tag)
    if found is None or found.start() <= title_start:
        return None
    dash = _TITLE_DASH.search(stem, title_start, found.start() + 1)
    end = min(title_end, dash.start() if dash else found.start())
    first, last = found[1], found[2]
    if len(first) == 3 and first[0] != "0" and not absolute:
        season = int(first) // 100
        episodes = _episode_range(first[1:], last[-2:] if last and len(last) == 3 else None)
        return (found.start(), found.end(), season, episodes), title_start, end
    return (found.start(), found.end(), None, _episode_range(first, last)), title_start, end


def _alone_before_tags(lowered: str, begin: int, end: int, first_tag: int) -> bool:
    """A two-digit number with nothing but tags after it ("FooBar.07.PDTV", "Dead.Set.02.FRENCH"),
    or set apart by dashes ("Show Name - 01 - Ep Name"): an episode of a show without seasons."""
    rest = lowered[end:first_tag]
    if rest[:1] == "v":  # "FooBar.07v4.PDTV": a second release of episode 7
        rest = rest.lstrip("v0123456789")
    if not rest.strip(" ._-"):
        return True
    return lowered[begin - 3:begin] == " - " and lowered[end:end + 3] in (" - ", "")


def _split_extension(name: str) -> tuple[str, str | None]:
    dot = name.rfind(".")
    if dot > 0:
        extension = name[dot + 1:].lower()
        if extension in _MEDIA_EXTENSIONS:
            return name[:dot], extension
    return name, None


def _is_generic(folder: str) -> bool:
    return folder.lower() in _GENERIC_FOLDERS or (len(folder) == 2 and folder[1] == ":")


def _is_poor(title: str) -> bool:
    """A title without a real word: a hash, a date, a bare number ("c48db7d2...", "160725 02")."""
    return _REAL_WORD.search(title) is None


def _words(text: str) -> str:
    """" word word ": folded words, for testing whether one title appears inside a name."""
    return " " + " ".join(_TOKEN.findall(fold(text).replace("'", "").replace("’", ""))) + " "


def _strip_plex_tags(stem: str) -> tuple[str, str | None]:
    """Remove Plex's {edition-...}, {imdb-...}, [tmdbid-...] tags; return the edition they name."""
    edition = None
    for tag in _PLEX_TAG.finditer(stem):
        if tag[1].lower() == "edition":
            edition = tag[2].strip() or None
    return _PLEX_TAG.sub("", stem), edition


# Folder names repeat for every file inside them: a season of twenty episodes would read its show
# and season folders twenty times over. What a folder name says is therefore remembered; the walk
# parses a folder's files together, so a small cache holds every folder that can come back.
# Only pure functions of the folder's name are cached, and the _Scan objects they return are
# shared between files: nothing may change them. A file's own name is read every time.
# Plain dicts, emptied when full, rather than lru_cache: compiled (mypyc), a dict is read in native
# code, where an lru_cache wrapper is a Python call; and a scan meets a folder's files together.
_FOLDER_CACHE: Final = 512
_SEASONS: Final[dict[str, int]] = {}
_NOT_SEASONS: Final[set[str]] = set()
_FOLDER_SCANS: Final[dict[tuple[str, str | None], _Scan]] = {}
_SHOW_FOLDER_SCANS: Final[dict[str, _Scan]] = {}
_ABOVE_SCANS: Final[dict[str, _Scan]] = {}
_FOLDER_TITLES: Final[dict[str, str]] = {}
_FOLDER_KEYS: Final[dict[str, str]] = {}
_FOLDER_WORDS: Final[dict[str, str]] = {}


def clear_caches() -> None:
    """Forget every folder read so far (benchmarks use it to time parsing without the cache)."""
    _SEASONS.clear()
    _NOT_SEASONS.clear()
    _FOLDER_SCANS.clear()
    _SHOW_FOLDER_SCANS.clear()
    _ABOVE_SCANS.clear()
    _FOLDER_TITLES.clear()
    _FOLDER_KEYS.clear()
    _FOLDER_WORDS.clear()


def _season_of_folder(name: str) -> int | None:
    """The season a plain season folder stands for: "Season 01" -> 1, "Specials" -> 0, "Heat" -> None."""
    season = _SEASONS.get(name)
    if season is not None or name in _NOT_SEASONS:
        return season
    season = _read_season_of_folder(name)
    if season is None:
        if len(_NOT_SEASONS) >= _FOLDER_CACHE:
            _NOT_SEASONS.clear()
        _NOT_SEASONS.add(name)
    else:
        if len(_SEASONS) >= _FOLDER_CACHE:
            _SEASONS.clear()
        _SEASONS[name] = season
    return season


def _read_season_of_folder(name: str) -> int | None:
    if name[:1] not in "SsTt":
        return None
    number = name[7:]
    if name[6:7] == " " and 0 < len(number) <= 4 and number.isdecimal() and name[:6].lower() == "season":
        return int(number)  # "Season 01", as Plex names them: the regex below in a fraction of its time
    plain = _SEASON_FOLDER.match(name)
    if plain is None:
        return None
    return int(plain[1]) if plain[1] else 0


def _scan_folder(name: str, kind_hint: str | None) -> _Scan:
    """Scan a folder name, skipping the work for Plex's plain "Title (Year)"."""
    key = (name, kind_hint)
    scan = _FOLDER_SCANS.get(key)
    if scan is None:
        if len(_FOLDER_SCANS) >= _FOLDER_CACHE:
            _FOLDER_SCANS.clear()
        scan = _FOLDER_SCANS[key] = _read_folder(name, kind_hint)
    return scan


def _read_folder(name: str, kind_hint: str | None) -> _Scan:
    if "{" in name or "id-" in name:
        name = _strip_plex_tags(name)[0]
    plex = _PLEX_MOVIE_FOLDER.match(name)
    if plex is not None and _is_year(plex[2]) and not plex[1][-1:].isdigit():
        return _Scan(plex[1], int(plex[2]))
    return _scan(name, kind_hint)


def _scan_show_folder(name: str) -> _Scan:
    """Scan the folder above a season folder: usually just "Show" or "Show (2005)"."""
    scan = _SHOW_FOLDER_SCANS.get(name)
    if scan is None:
        if len(_SHOW_FOLDER_SCANS) >= _FOLDER_CACHE:
            _SHOW_FOLDER_SCANS.clear()
        scan = _SHOW_FOLDER_SCANS[name] = _read_show_folder(name)
    return scan


def _read_show_folder(name: str) -> _Scan:
    plain = _PLAIN_SHOW_FOLDER.match(name)
    if plain is not None and (plain[2] is None or _is_year(plain[2])):
        return _Scan(plain[1], int(plain[2]) if plain[2] else None)
    return _scan(name, "tv")


def _scan_above(name: str) -> _Scan:
    """Scan the folder above a movie's folder, for a title its own names lack."""
    scan = _ABOVE_SCANS.get(name)
    if scan is None:
        if len(_ABOVE_SCANS) >= _FOLDER_CACHE:
            _ABOVE_SCANS.clear()
        scan = _ABOVE_SCANS[name] = _scan(name, "movies")
    return scan


def _folder_title(raw: str) -> str:
    """_clean for a title read from a folder name."""
    return _remembered(_FOLDER_TITLES, raw, _clean)


def _folder_key(raw: str) -> str:
    """match_key for a title read from a folder name."""
    return _remembered(_FOLDER_KEYS, raw, match_key)


def _folder_words(title: str) -> str:
    """_words of a title read from a folder name."""
    return _remembered(_FOLDER_WORDS, title, _words)


def _remembered(cache: dict[str, str], text: str, read: Callable[[str], str]) -> str:
    said = cache.get(text)
    if said is None:
        if len(cache) >= _FOLDER_CACHE:
            cache.clear()
        said = cache[text] = read(text)
    return said


def _looks_like_release(folder: str) -> bool:
    """"Some.Movie.2019.1080p.BluRay.x264-GRP": dotted or underscored, no spaces."""
    return " " not in folder and ("." in folder or "_" in folder)


def _complete(scan: _Scan) -> bool:
    """Does a file name carry a real title and its year or season/episode marker?"""
    return bool(scan.title) and (scan.strong_marker or scan.year is not None) and not _is_poor(scan.title)


def _clean(raw: str) -> str:
    title = display_title(raw)
    if not title.isascii():
        title = _latin_part(title)
    return title


def _latin_part(title: str) -> str:
    """"超能警探 Memorist" -> "Memorist": a CJK original title followed by a Latin one."""
    words = title.split(" ")
    if len(words) < 2 or not _is_cjk(words[0]):
        return title
    for index, word in enumerate(words):
        if not _is_cjk(word):
            if word.isascii() and any(ch.isalpha() for ch in word):
                return " ".join(words[index:])
            return title
    return title


def _is_cjk(word: str) -> bool:
    """Written in Chinese, Japanese or Korean script (from U+2E80 on), not accented Latin."""
    return any(ord(ch) >= 0x2E80 for ch in word)


def parse_path(path: str, kind_hint: str | None = None) -> ParsedName:
    """Parse a media file's path; only the file name and the two or three folders above it matter.

    kind_hint is "movies" or "tv" for the kind of source folder the path came from, or None to
    let the name decide. A strong marker (S01E02, 1x02) or a season folder makes an episode
    whatever the hint. The folders fill what the file name lacks: a show title above a season
    folder, the clean "Title (Year)" of a Plex movie folder, the release name of an obfuscated file.

    >>> p = parse_path("TV/The Office (US)/Season 02/The.Office.US.S02E01E02.720p.WEB-DL.x264-GRP.mkv")
    >>> p.kind, p.title, p.season, p.episodes, p.resolution, p.source, p.codec, p.container
    ('episode', 'The Office (US)', 2, (1, 2), '720p', 'WEB-DL', 'h264', 'mkv')
    >>> p = parse_path("Movies/Blade Runner 2049 (2017)/Blade.Runner.2049.2017.2160p.UHD.BluRay.REMUX.HEVC-FGT.mkv")
    >>> p.kind, p.title, p.year, p.resolution, p.source, p.codec
    ('movie', 'Blade Runner 2049', 2017, '2160p', 'REMUX', 'hevc')
    >>> parse_path("Movies/Alien (1979) {edition-Director's Cut}/Alien (1979) {edition-Director's Cut}.mkv").edition
    "Director's Cut"
    >>> parse_path("TV/Doctor Who (2005)/Season 02/02x05.mkv").as_dict()["title"]
    'Doctor Who'
    """
    return _new_parsed_name(ParsedName, parse_fields(path, kind_hint))


_new_parsed_name = tuple.__new__  # ParsedName(*fields) without the generated __new__'s call overhead


def parse_fields(path: str, kind_hint: str | None = None) -> tuple:
    """parse_path's answer as a plain tuple in ParsedName's field order, for a scan's 100,000 names.

    >>> parse_fields("TV/Doctor Who (2005)/Season 02/Doctor Who (2005) - S02E05 - Rise of the Cybermen.mkv")
    ('episode', 'Doctor Who', 2005, 2, (5,), 'Rise of the Cybermen', None, None, None, None, 'mkv')
    """
    parts = path.replace("\\", "/").rstrip("/").rsplit("/", 4)
    if "" in parts:
        parts = [part for part in parts if part]
    if not parts:
        return ("movie", "", None, None, (), None, None, None, None, None, None)
    stem, container = _split_extension(parts[-1])
    folders = parts[-4:-1]
    plex_edition = None
    if "{" in stem or "id-" in stem:
        stem, plex_edition = _strip_plex_tags(stem)

    parent_name = folders[-1] if folders else ""
    parent: _Scan | None = None
    show_name = ""  # the folder above a season folder
    season_folder: _Scan | None = None  # a season folder that also names the show: "Mad Men Season 1"
    folder_season = _season_of_folder(parent_name)
    scan = _scan(stem, kind_hint, kind_hint == "tv" or folder_season is not None)
    if folder_season is not None:
        show_name = folders[-2] if len(folders) > 1 else ""
    elif parent_name and not _is_generic(parent_name):
        if parent_name == stem:
            parent = scan  # "Release.Name/Release.Name.mkv"
        elif not (_looks_like_release(parent_name) and _complete(scan)
                  and parent_name[:len(scan.title)].lower() == scan.title.lower()):
            parent = _scan_folder(parent_name, kind_hint)
        # else: a release folder of the same title adds nothing to a file that names its title
        # and its year or episode, and scanning it would double the cost of a scene library
        if parent is not None and parent.season is not None and (kind_hint != "movies" or parent.strong_marker):
            folder_season = parent.season
            if not parent.episodes:  # "Mad Men Season 1", "Friends S03", "庆余年第二季"
                season_folder = parent
                show_name = folders[-2] if len(folders) > 1 else ""
            if kind_hint != "tv" and not scan.strong_marker and parent is not scan:
                scan = _scan(stem, kind_hint, True)  # bare numbers in a season folder are episodes

    if scan.strong_marker or folder_season is not None or kind_hint == "tv":
        is_episode = True
    elif kind_hint == "movies":
        is_episode = False
    else:
        is_episode = scan.season is not None or bool(scan.episodes) or (
            parent is not None and parent.strong_marker and not scan.year)
    if is_episode:
        return _episode(scan, parent, season_folder, show_name, folder_season, plex_edition, container)
    return _movie(scan, stem, parent, folders, plex_edition, container)


def _episode(scan: _Scan, parent: _Scan | None, season_folder: _Scan | None, show_name: str,
             folder_season: int | None, plex_edition: str | None, container: str | None) -> tuple:
    source = scan
    if not scan.strong_marker and parent is not None and parent.strong_marker and parent.episodes:
        source = parent  # an obfuscated or abbreviated file inside its release folder
    season = source.season if source.season is not None else folder_season
    title, year = source.title, source.year
    show = season_folder
    if show is None or not show.title:
        if show_name and not _is_generic(show_name):
            show = _scan_show_folder(show_name)
        elif parent is not None and source is scan:
            show = parent
    if show is not None and show.title and (
            show.title == title or "," not in title and _agrees_with_show(title, show.title)):
        # The show folder is the library's own spelling: preferred when the file agrees with it
        # ("Show/Season 01/Show - S01E01.mkv", "Show/Season 1/Show.S01E01.720p.mkv"), and the
        # file's own title is then never cleaned (a scan meets this case for most episodes).
        title = _folder_title(show.title)
        year = year or show.year
    else:
        title = _clean(title)
        if show is not None and show.title and _agrees_with_show(title, show.title):
            title = _folder_title(show.title)  # the file agrees once cleaned ("Simpsons, The")
            year = year or show.year
    return (
        "episode",  # kind
        title,
        year,
        season,
        source.episodes,
        display_title(source.episode_title) if source.episode_title else None,  # episode_title
        plex_edition or scan.edition,  # edition
        scan.resolution or source.resolution,  # resolution
        scan.source or source.source,  # source
        scan.codec or source.codec,  # codec
        container,
    )


def _agrees_with_show(title: str, show_title: str) -> bool:
    """Does a file's title name the show of the folder above it (or name nothing real)?"""
    file_key, show_key = match_key(title), _folder_key(show_title)
    return not file_key or file_key.startswith(show_key) or show_key.startswith(file_key) or _is_poor(title)


def _movie(scan: _Scan, stem: str, parent: _Scan | None, folders: list[str], plex_edition: str | None,
           container: str | None) -> tuple:
    title, year = scan.title, scan.year
    from_folder = False  # the title is a folder's: cleaned once for all its files
    if parent is not None and parent.title and parent.season is None:
        if parent.year is not None and not parent.tagged:
            title, year = parent.title, parent.year  # Plex's "Title (Year)" folder
            from_folder = True
        elif (
            _is_poor(title)
            or (not scan.tagged and not scan.year and (parent.tagged or parent.year))
            or (not scan.year and parent.year and parent.tagged)
            or _folder_words(parent.title) in _words(stem)
        ):
            title, year = parent.title, year or parent.year  # the release folder of a short file name
            from_folder = True
    if _is_poor(title) and len(folders) > 1 and not _is_generic(folders[-2]):
        above = _scan_above(folders[-2])
        if above.title and not _is_poor(above.title):
            title, year = above.title, year or above.year
            from_folder = True
    return (
        "movie",  # kind
        _folder_title(title) if from_folder else _clean(title),  # title
        year,
        None,  # season
        (),  # episodes
        None,  # episode_title
        plex_edition or scan.edition or (parent.edition if parent is not None else None),  # edition
        scan.resolution,
        scan.source,
        scan.codec,
        container,
    )
