"""The fuzzy title index: finds titles as they are typed, by prefix, single word or misspelling."""

from __future__ import annotations

import bisect
import heapq
import re
from collections import defaultdict
from functools import lru_cache
from typing import Iterable, NamedTuple

from plexsh.library.titles import fold


class TitleEntry(NamedTuple):
    """One title for completion and search; a tuple because there are 100,000 of them to build."""

    id: int
    title: str
    year: int | None
    kind: str
    match_key: str


_ASCII_PUNCTUATION = str.maketrans({chr(c): " " for c in range(128) if not chr(c).isalnum()})
_NON_WORD = re.compile(r"[\W_]+")


def search_words(titles: Iterable[str]) -> list[list[str]]:
    """Titles as the search compares them: folded words, punctuation gone.

    >>> search_words(["Amélie", "  Law & Order: SVU ", "x_y"])
    [['amelie'], ['law', 'order', 'svu'], ['x', 'y']]
    """
    table, sub = _ASCII_PUNCTUATION, _NON_WORD.sub
    return [(t.lower().translate(table) if t.isascii() else sub(" ", fold(t))).split() for t in titles]


def _search_text(title: str) -> str:
    return " ".join(search_words([title])[0])


class TitleIndex:
    """An in-memory word index over all titles, answering a keystroke in a few milliseconds.

    Scoring every title with rapidfuzz's WRatio costs ~175 ms per 100,000 titles here, so the
    work is narrowed first. Each query word is looked up in the vocabulary of title words:
    exactly, as a prefix, or (when neither finds it) misspelled, via fuzz.ratio over the
    vocabulary, which is far smaller than the title list. Titles are numbered shortest first,
    so walking the titles of the rarest query word in order, keeping those whose words match
    the other query words too, gives the shortest matching titles, best-matching words first,
    however common the words ("the", "of"): the walk stops when enough are found. At most
    MAX_CANDIDATES of them are scored, with WRatio and by how well the words cover the title.
    """

    MAX_CANDIDATES = 120
    MAX_PREFIX_WORDS = 200  # vocabulary words one typed prefix may stand for
    ARTICLES = frozenset(("the", "a", "an"))

    def __init__(self, entries: list[TitleEntry], texts: list[str] | None = None, shortest_first: bool = False):
        """`texts` are the entries' search words joined by spaces, when known; `shortest_first`
        says the entries already come ordered by (len(text), text), as the database sorts them."""
        if texts is None:
            texts = [" ".join(words) for words in search_words(e.title for e in entries)]
        if not shortest_first:
            order = [i for _, _, i in sorted(zip(map(len, texts), texts, range(len(texts))))]
            entries, texts = [entries[i] for i in order], [texts[i] for i in order]
        self.entries = entries  # position -> entry
        self.ids = [entry.id for entry in entries]
        self.texts = texts
        self.words = [text.split() for text in texts]
        postings: dict[str, list[int]] = {}
        for position, words in enumerate(self.words):
            for word in words:
                listed = postings.get(word)
                if listed is None:
                    postings[word] = [position]
                elif listed[-1] != position:  # a word twice in one title counts once
                    listed.append(position)
        self.postings = postings
        self.vocabulary = sorted(postings)
        # Typing repeats the same words keystroke after keystroke; the index never changes.
        self._matches = lru_cache(maxsize=256)(self._word_matches)
        self._posting_set = lru_cache(maxsize=64)(self._posting_set)

    def _word_matches(self, word: str, is_last: bool) -> dict[str, float]:
        """Vocabulary words the query word may mean, with how sure we are (0-100); see _matches."""
        from rapidfuzz import fuzz, process

        matches: dict[str, float] = {}
        if word in self.postings:
            matches[word] = 100.0
        if is_last or not matches:  # the word being typed may be unfinished
            start = bisect.bisect_left(self.vocabulary, word)
            for candidate in self.vocabulary[start:start + self.MAX_PREFIX_WORDS]:
                if not candidate.startswith(word):
                    break
                matches.setdefault(candidate, 90.0 + 10.0 * len(word) / len(candidate))
        if not matches and len(word) >= 4:  # nothing like it as typed: a misspelling?
            cutoff = 75 if len(word) >= 6 else 70
            for candidate, score, _ in process.extract(
                word, self.vocabulary, scorer=fuzz.ratio, processor=None, limit=20, score_cutoff=cutoff
            ):
                matches[candidate] = score
        return matches

    def _candidates(self, words: list[str], misses: int) -> list[int]:
        """Shortest titles holding a match for every query word but at most `misses` of them.

        The work is proportional to the answer, not to how common the words are: the query word
        matching the fewest titles drives, its titles are walked shortest first (a lazy merge of
        the sorted postings of the vocabulary words it may mean), each is kept when its words
        match the other query words too (a few dict look-ups), and the walk stops at
        MAX_CANDIDATES."""
        last = len(words) - 1
        matches = [self._matches(w, n == last) for n, w in enumerate(words)]
        sizes = [sum(len(self.postings[w]) for w in m) for m in matches]
        if not words or sorted(sizes)[misses] == 0:
            return []
        driver = min(range(len(words)), key=lambda i: sizes[i] or len(self.texts) + 1)
        others = [matches[n] for n in range(len(words)) if n != driver]
        if misses == 0:
            # A word that means one vocabulary word filters in C, by its titles (a set built
            # once per word); the others by whether the title holds one of the words they mean.
            exact = [self._posting_set(next(iter(m))) for m in others if len(m) == 1]
            checks = [m.keys() for m in others if len(m) > 1]
        else:
            exact, checks = [], [m.keys() for m in others]
        # Better word matches first ("matrx": titles with "matrix" before those with "max"),
        # then, within a band of similar scores, shortest titles first.
        bands: dict[int, list[str]] = defaultdict(list)
        for word, score in matches[driver].items():
            bands[int(score // 5)].append(word)
        title_words = self.words
        found: list[int] = []
        earlier: set[str] = set()  # driver matches of the better bands, whose titles are taken
        for band in sorted(bands, reverse=True):
            band_words = bands[band]
            lists = [self.postings[w] for w in band_words]
            walk: Iterable[int] = lists[0] if len(lists) == 1 else heapq.merge(*lists)
            for positions in exact:
                walk = filter(positions.__contains__, walk)
            previous = -1
            for position in walk:
                if position == previous:  # in the postings of two of the band's words
                    continue
                previous = position
                held = title_words[position]
                if earlier and not earlier.isdisjoint(held):
                    continue
                if misses == 0:
                    if any(check.isdisjoint(held) for check in checks):
                        continue
                elif sum(1 for check in checks if check.isdisjoint(held)) > misses:
                    continue
                found.append(position)
                if len(found) >= self.MAX_CANDIDATES:
                    return found
            earlier.update(band_words)
        return found

    def _posting_set(self, word: str) -> frozenset[int]:
        """The titles holding one vocabulary word, as a set (cached: keystrokes repeat words)."""
        return frozenset(self.postings[word])

    def _word_score(self, position: int, word_matches: list[dict[str, float]]) -> float:
        """How well the query's words match and cover the title's words (articles aside), 0-100."""
        words = self.words[position]
        total = 0.0
        for matches in word_matches:
            best = max(matches.get(w, 0.0) for w in words)
            if best == 0.0:
                return 0.0
            total += best
        wanted = [w for w in words if w not in self.ARTICLES] or words
        covered = sum(1 for w in wanted if any(w in m for m in word_matches))
        return total / len(word_matches) * (0.6 + 0.4 * covered / len(wanted))

    def search(self, text: str, limit: int) -> list[tuple[int, float]]:
        """(item id, score 0-100) best first."""
        from rapidfuzz import fuzz

        query = _search_text(text)
        if not query or limit <= 0:
            return []
        words = query.split()
        word_matches = [self._matches(w, n == len(words) - 1) for n, w in enumerate(words)]
        candidates = self._candidates(words, 0)
        if not candidates and len(words) > 2:  # one word may be noise: "the matrx 1999"
            candidates = self._candidates(words, 1)
        ranked = []
        for position in candidates:
            title = self.texts[position]
            if title == query:
                score = 100.0
            else:
                score = max(fuzz.WRatio(query, title, processor=None), self._word_score(position, word_matches))
                if title.startswith(query):
                    score = max(score, 95.0 - 5.0 * (1 - len(query) / len(title)))
                score = min(score, 99.9)
            ranked.append((-score, position))
        ranked.sort()
        return [(self.ids[p], round(-s, 1)) for s, p in ranked[:limit] if -s >= 50]

    def whole_title(self, text: str, limit: int) -> list[tuple[int, float]]:
        """Whole-title similarity over every title (~10 ms per 100,000): the last resort."""
        from rapidfuzz import fuzz, process

        query = _search_text(text)
        if not query:
            return []
        found = process.extract(query, self.texts, scorer=fuzz.QRatio, processor=None,
                                limit=limit, score_cutoff=50)
        return [(self.ids[p], round(score, 1)) for _, score, p in found]
