"""Media duplicates: copies of the same film or episode in other releases or qualities, by parsed identity, then fuzzy name.

Tiers, surest first:

- **very high**: every member holds the same bytes (one SHA-256), and they name the same film or episode;
- **high**: the same parsed identity: a film's title (its match key: letters and digits) and year, and
  its edition (a Director's Cut is another film for this purpose: removing it for the theatrical cut
  would lose what only it holds); an episode's show, season and episode. A multi-episode file
  (`S01E01-E02`) holds each episode it covers, so it is grouped with `S01E01` and `S01E02`, and it is
  then the copy kept: a group keeps a copy that holds every episode of the group, so removing the
  others never loses an episode;
- **medium** / **low**: names alike but not the same identity (`The Matrix` and `Matrix`, a typo,
  words the parser left in a title), of the same kind, year (and season and episode), with sizes within
  5% of each other: medium from a rapidfuzz ratio of FUZZY_MEDIUM, low from FUZZY_LOW. Two names of
  which one is the other plus more (`Alien` and `Aliens`, `Heat` and `Heat 2`) or with other numbers
  are never alike: those are sequels. Names of as many words are alike only word by word, each a typo
  of the other (`Autumn in Riga` is not `Autumn in Zurich`); a word more or less needs FUZZY_MEDIUM.

Quality, codec, source and release-group words never reach a comparison: titles are what
plexsh.library.names leaves after taking them out (its vocabulary is the only one). Local copies and NAS
files use the identity the catalog parsed at scan time (an item's title and year, merged across its
spellings); only folder files are parsed here.

Scale: candidates are put in buckets by identity (a dict); fuzzy names are compared as distinct titles
(a show's name once, not per episode), each only with the titles of its kind and year whose first or
last word starts with the same two letters, in rapidfuzz's C loop with a cut-off; then only the files of two
alike titles that hold the same film or episodes are compared by size: never every pair of the set.
"""

from __future__ import annotations

import re
from collections import defaultdict
from functools import lru_cache, partial
from typing import Callable, Iterable, Mapping, NamedTuple

from rapidfuzz import process
from rapidfuzz.distance import Indel

from plexsh.library.catalog import no_gc
from plexsh.library.names import ParsedName, parse_path
from plexsh.library.pathtext import readable, stored
from plexsh.library.titles import fold, match_key

from .candidates import catalog_names
# plexsh.dupes.scope takes the candidates from here
from .candidates import folder_candidates, local_candidates, nas_candidates  # noqa: F401
from .candidates import title_key as _key
from .groups import CONFIDENCES, Candidate, Group
from .keep import choose_keep

# rapidfuzz ratios (0-100) of two plain titles: from FUZZY_MEDIUM a pair is "medium", from FUZZY_LOW
# "low". "Spider Man Homecoming" / "Spiderman Home Coming" scores 100, "Inception" / "Inceptoin" 89,
# "Matrix" / "Matirx" 83, "Star Wars" / "Star Trek" 67 (not alike).
FUZZY_MEDIUM = 90.0
FUZZY_LOW = 80.0
# Two names of as many words are alike only when each word is this alike to its counterpart, or the same
# with two neighbouring letters swapped ("Matirx"): "Godfater" 94, "Inceptiom" 89; not "Amelia" /
# "Amelie" 83, "Dusty" / "Rusty" and "Door" / "Doctor" 80, "Empire" / "Empress" 77, "Eleven" / "Twelve" 67.
FUZZY_WORD = 85.0
# Sizes of a fuzzy pair differ by at most this share of the larger one.
SIZE_TOLERANCE = 0.05

_ARTICLE = re.compile(r"^(?:the|a|an) ")
_NOT_WORD = re.compile(r"[\W_]+")
_DIGITS = re.compile(r"\d+")


# --- grouping --------------------------------------------------------------------------------


def media_groups(candidates: list[Candidate], catalog=None) -> list[Group]:
    """Groups of candidates holding the same film or episode, surest first, then by identity.

    Catalog files (a candidate's `file_id`) take the identity the catalog parsed; others are parsed
    from their paths. `catalog` may be None for folder candidates.
    """
    with no_gc():  # 100,000s of small objects, none cyclic: the collector's passes would double the time
        return _media_groups(candidates, catalog)


def _media_groups(candidates: list[Candidate], catalog) -> list[Group]:
    ids = [c.file_id for c in candidates if c.file_id is not None]
    names = catalog_names(catalog, ids if len(ids) < 5000 else None) if catalog is not None and ids else {}
    parsed: dict[str, ParsedName] = {}
    for candidate in candidates:
        name = names.get(candidate.file_id) if candidate.file_id is not None else None
        parsed[candidate.path] = name or parse_path(candidate.path)
    verified_at = _verified_at(catalog, candidates)
    years = _only_years(parsed.values())

    movies: dict[tuple, list[Candidate]] = defaultdict(list)
    seasons: dict[tuple, list[Candidate]] = defaultdict(list)
    for candidate in candidates:
        name = parsed[candidate.path]
        key = _key(name.title)
        if not key:
            continue  # a name with no title says nothing of what it holds
        year = name.year if name.year is not None else years.get((name.kind, key))
        if name.kind == "movie":
            movies[(key, year, match_key(name.edition or ""))].append(candidate)
        elif name.episodes:
            seasons[(key, year, name.season)].append(candidate)

    groups: list[Group] = []
    alone: list[Candidate] = []
    for members in movies.values():
        if len(members) > 1:
            groups.append(_group("high", _film_label, members, parsed, verified_at))
        else:
            alone.extend(members)
    for members in seasons.values():
        made, left = _episode_groups(members, parsed, verified_at)
        groups.extend(made)
        alone.extend(left)
    groups.extend(_fuzzy_groups(alone, parsed, years, verified_at))
    groups.sort(key=lambda g: (CONFIDENCES.index(g.confidence), fold(g.identity), g.identity))
    return groups


def _only_years(names: Iterable[ParsedName]) -> dict[tuple[str, str], int]:
    """For each (kind, title key) named with exactly one year, that year: an undated name of it is that
    title, as the catalog dates an undated file of a title it knows with one year."""
    seen: dict[tuple[str, str], set[int]] = defaultdict(set)
    for name in names:
        if name.year is not None:
            seen[(name.kind, _key(name.title))].add(name.year)
    return {key: next(iter(found)) for key, found in seen.items() if len(found) == 1}


def _verified_at(catalog, candidates: list[Candidate]) -> dict[str, float]:
    """When plexsh verified each local candidate (its copy's time), for the keep's reason."""
    local = {stored(c.path): c.path for c in candidates if c.verified and c.where == "local"}
    if catalog is None or not local:
        return {}
    return {local[path]: synced_at for path, synced_at in catalog.conn.execute("SELECT path, synced_at FROM local_files")
            if path in local and synced_at}


def _group(confidence: str, label: Callable[[ParsedName], str], members: list[Candidate],
           parsed: Mapping[str, ParsedName], verified_at: Mapping[str, float],
           holders: list[Candidate] | None = None, whole: str = "") -> Group:
    """A group whose keep is chosen among `holders` (default: every member), the copies holding all of
    `whole` (its episodes), named by `label` of a copy's name; the same bytes in every member make it
    very high."""
    hashes = {m.sha256 for m in members}
    if confidence == "high" and len(hashes) == 1 and None not in hashes:
        confidence = "very high"
    members = sorted(members, key=lambda m: m.path)
    keep, reason = choose_keep(holders or members, parsed, verified_at=verified_at)
    if holders is not None and len(holders) < len(members):
        holds = f"holds all of {whole}, the others only part of it"
        reason = holds if len(holders) == 1 else f"{reason}; {holds}"
    # Named as the kept copy names it, unless another copy lies in the Plex layout: that name is the clean one
    named = keep if keep.in_plex_layout else next((m for m in members if m.in_plex_layout), keep)
    return Group("media", confidence, label(parsed[named.path]), members, keep, reason)


def _episode_groups(members: list[Candidate], parsed: Mapping[str, ParsedName],
                    verified_at: Mapping[str, float]) -> tuple[list[Group], list[Candidate]]:
    """One show's season: groups of files holding the same episodes, and the files left alone.

    The widest episode set first: its files and every file whose episodes it covers make one group,
    kept among the files holding the whole set. `S01E01E02` with `S01E02` is a group keeping the
    double episode; `S01E01E02` with `S01E02E03` is none (neither holds the other's episodes).
    """
    by_episodes: dict[tuple[int, ...], list[Candidate]] = defaultdict(list)
    widest = 1
    for member in members:
        episodes = _episodes(parsed[member.path])
        by_episodes[episodes].append(member)
        widest = max(widest, len(episodes))
    if widest == 1 and len(by_episodes) == len(members):
        return [], members  # the common case: one file per episode
    holding: dict[int, list[tuple[int, ...]]] = defaultdict(list)
    for episodes in by_episodes:
        for episode in episodes:
            holding[episode].append(episodes)
    used: set[tuple[int, ...]] = set()
    groups, alone = [], []
    for episodes in sorted(by_episodes, key=lambda e: (-len(e), e)):
        if episodes in used:
            continue
        used.add(episodes)
        wide = set(episodes)
        covered = {other for episode in episodes for other in holding[episode]
                   if other not in used and set(other) <= wide}
        used |= covered
        holders = by_episodes[episodes]
        everyone = holders + [m for other in sorted(covered) for m in by_episodes[other]]
        if len(everyone) < 2:
            alone.extend(everyone)
            continue
        label = partial(_episode_label, episodes=episodes)
        groups.append(_group("high", label, everyone, parsed, verified_at, holders if covered else None,
                             _episode_marks(parsed[holders[0].path].season, episodes)))
    return groups, alone


def _film_label(name: ParsedName) -> str:
    """ "Heat (1995)", "Alien (1979) Director's Cut": the words a person would use."""
    label = readable(name.title) + (f" ({name.year})" if name.year else "")
    return f"{label} {readable(name.edition)}" if name.edition else label


def _episode_label(name: ParsedName, episodes: tuple[int, ...] | None = None) -> str:
    """ "Fargo S01E03", "Fargo S01E01-E02" (a run), "Fargo S01E01E03"; no season: "Show E05"."""
    show = readable(name.title) + (f" ({name.year})" if name.year else "")
    return f"{show} {_episode_marks(name.season, episodes or _episodes(name))}"


def _episode_marks(season: int | None, episodes: tuple[int, ...]) -> str:
    """ "S01E03", "S01E01-E02", "S01E01E03", "E05"."""
    if len(episodes) > 1 and list(episodes) == list(range(episodes[0], episodes[-1] + 1)):
        marks = f"E{episodes[0]:02d}-E{episodes[-1]:02d}"
    else:
        marks = "".join(f"E{e:02d}" for e in episodes)
    return (f"S{season:02d}" if season is not None else "") + marks


def _episodes(name: ParsedName) -> tuple[int, ...]:
    episodes = name.episodes
    return episodes if len(episodes) < 2 else tuple(sorted(set(episodes)))


def _label(name: ParsedName) -> str:
    return _film_label(name) if name.kind == "movie" else _episode_label(name)


# --- fuzzy names ------------------------------------------------------------------------------


@lru_cache(maxsize=1 << 16)
def _whole(title: str) -> str:
    """A title's words, folded (case, accents)."""
    return _NOT_WORD.sub(" ", fold(readable(title))).strip()


def _plain(title: str) -> str:
    """A title for fuzzy comparison: folded (case, accents), words only, no leading article.

    >>> _plain("The.Matrix"), _plain("Amélie"), _plain("A Beautiful Mind")
    ('matrix', 'amelie', 'beautiful mind')
    """
    return _ARTICLE.sub("", _whole(title))


class _Plain(NamedTuple):
    """A plain title with what every comparison of it needs, worked out once."""

    words: str
    tight: str  # without spaces
    numbers: tuple[str, ...]
    whole: str  # with its article

    @classmethod
    def of(cls, plain: str, whole: str | None = None) -> _Plain:
        return cls(plain, plain.replace(" ", ""), tuple(_DIGITS.findall(plain)), whole or plain)


def alike(a: str, b: str) -> float:
    """How alike two titles are (0-100), or 0 when one is a sequel's name of the other.

    >>> alike("Matrix", "Matirx") >= FUZZY_LOW, alike("Alien", "Aliens"), alike("Heat", "Heat 2")
    (True, 0.0, 0.0)
    >>> alike("Rocky II", "Rocky III"), alike("Star Wars", "Star Trek"), alike("Autumn in Riga", "Autumn in Zurich")
    (0.0, 0.0, 0.0)
    >>> alike("Secret Doctor", "Secret Door"), alike("Dusty Hunter", "Rusty Hunter")
    (0.0, 0.0)
    >>> alike("The Invisible Silence", "Teh Invisible Silence") >= FUZZY_MEDIUM
    True
    """
    return _alike(_Plain.of(_plain(a), _whole(a)), _Plain.of(_plain(b), _whole(b)))


def _alike(a: _Plain, b: _Plain) -> float:
    if a.tight == b.tight:
        return 100.0
    if a.tight.startswith(b.tight) or b.tight.startswith(a.tight):
        return 0.0  # "Aliens", "Heat 2", "Rocky III": one title plus more is another film
    if a.numbers != b.numbers:
        return 0.0
    score = _word_score(a.words, b.words)
    if not score and (a.whole != a.words or b.whole != b.words):
        score = _word_score(a.whole, b.whole)  # a misspelt article ("Teh") is a word, not an article
    return score


def _word_score(a: str, b: str) -> float:
    score = Indel.normalized_similarity(a, b, score_cutoff=FUZZY_LOW / 100) * 100
    if not score:
        return 0.0
    words_a, words_b = a.split(), b.split()
    if len(words_a) != len(words_b):
        # A word more or less ("Heat Remastered"): only names alike as a whole
        return score if score >= FUZZY_MEDIUM else 0.0
    for word_a, word_b in zip(words_a, words_b):
        # Word by word, each a typo at most: "Autumn in Riga" is not "Autumn in Zurich" (80 as a whole)
        if (word_a != word_b and not _swapped(word_a, word_b)
                and Indel.normalized_similarity(word_a, word_b) < FUZZY_WORD / 100):
            return 0.0
    return score


def _swapped(a: str, b: str) -> bool:
    """Whether two words differ by two neighbouring letters swapped, the commonest typo ("ni" for "in").

    >>> _swapped("ni", "in"), _swapped("huor", "hour"), _swapped("dog", "god")
    (True, True, False)
    """
    if len(a) != len(b):
        return False
    differ = [i for i, (x, y) in enumerate(zip(a, b)) if x != y]
    return len(differ) == 2 and differ[1] == differ[0] + 1 and a[differ[0]] == b[differ[1]] and a[differ[1]] == b[differ[0]]


def _fuzzy_groups(alone: list[Candidate], parsed: Mapping[str, ParsedName], years: Mapping,
                  verified_at: Mapping[str, float]) -> list[Group]:
    """Medium and low groups among the candidates no identity grouped, by alike names and sizes.

    Titles are compared, not files: a show's name once, not once per episode. Each distinct plain
    title is matched against the others of its bucket by rapidfuzz's C loop (`process.extract` with
    a cut-off), then the pairs it finds by the sequel rules of `_alike`; only then are the two
    titles' files of the same season and episodes compared by size.
    """
    # bucket -> plain title -> (season, episodes) -> files
    blocks: dict[tuple, dict[str, dict[tuple, list[Candidate]]]] = defaultdict(dict)
    wholes: dict[str, str] = {}  # plain title -> its words with the article (of the first file seen)
    seen: dict[tuple, tuple] = {}  # (kind, title, year) -> (plain title, year, buckets): a show's episodes share it
    for candidate in alone:
        name = parsed[candidate.path]
        title = (name.kind, name.title, name.year)
        known = seen.get(title)
        if known is None:
            plain = _plain(name.title)
            wholes.setdefault(plain, _whole(name.title))
            year = name.year if name.year is not None else years.get((name.kind, _key(name.title)))
            known = seen[title] = (plain, year, [(name.kind, year, start) for start in _starts(plain)] if plain else [])
        plain, year, buckets = known
        unit = (name.season, _episodes(name)) if name.kind == "episode" else ()
        for bucket in buckets:
            blocks[bucket].setdefault(plain, {}).setdefault(unit, []).append(candidate)
    links = _Links()
    cutoff = FUZZY_LOW / 100
    for titles in blocks.values():
        listed = list(titles)
        plains = [_Plain.of(title, wholes[title]) for title in listed]
        for i, plain in enumerate(plains):
            links.sizes(titles[listed[i]], titles[listed[i]], 100.0)  # one plain title, other spellings
            if len(listed) == 1:
                continue
            for _, _, j in process.extract(plain.words, listed, scorer=Indel.normalized_similarity,
                                           score_cutoff=cutoff, limit=None):
                if j > i:
                    score = _alike(plain, plains[j])
                    if score >= FUZZY_LOW:
                        links.sizes(titles[listed[i]], titles[listed[j]], score)
    return [_group("medium" if weakest >= FUZZY_MEDIUM else "low", _label, found, parsed, verified_at)
            for found, weakest in links.groups(alone)]


def _starts(plain: str) -> set[str]:
    """The buckets a plain title is compared in: the first two letters of its first word and of its
    last, so that a typo in one of them still meets the other.

    >>> sorted(_starts("crooked key")), sorted(_starts("inception"))
    (['cr', 'ke'], ['in'])
    """
    return {plain[:2], plain[plain.rfind(" ") + 1:][:2]}


class _Links:
    """Files linked by alike names and sizes, as sets (union-find) remembering their weakest link."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}
        self.weakest: dict[str, float] = {}

    def root(self, path: str) -> str:
        parent = self.parent
        while parent[path] != path:
            parent[path] = parent[parent[path]]
            path = parent[path]
        return path

    def link(self, a: str, b: str, score: float) -> None:
        self.parent.setdefault(a, a)
        self.parent.setdefault(b, b)
        a, b = self.root(a), self.root(b)
        self.weakest[a] = min(score, self.weakest.get(a, 100.0), self.weakest.get(b, 100.0))
        self.parent[b] = a

    def sizes(self, ours: dict[tuple, list[Candidate]], theirs: dict[tuple, list[Candidate]], score: float) -> None:
        """Link the files of two alike titles that hold the same film or episodes, sizes within 5%."""
        for unit, files in ours.items():
            for a in files:
                for b in theirs.get(unit, ()):
                    if a.path < b.path and abs(a.size - b.size) <= SIZE_TOLERANCE * max(a.size, b.size):
                        self.link(a.path, b.path, score)

    def groups(self, alone: list[Candidate]) -> list[tuple[list[Candidate], float]]:
        members: dict[str, list[Candidate]] = defaultdict(list)
        for candidate in alone:
            if candidate.path in self.parent:
                members[self.root(candidate.path)].append(candidate)
        return [(found, self.weakest.get(top, 100.0)) for top, found in members.items()]
