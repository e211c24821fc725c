"""The fuzzy title index on its own: prefixes, single words and misspellings, over a few titles
and over 100,000. Behaviour only; how fast it answers is for scripts/bench/scan to measure."""

from __future__ import annotations

import random

import pytest

from plexsh.library.titleindex import TitleEntry, TitleIndex

TITLES = ["The Matrix", "The Matrix Reloaded", "Heat", "Amélie", "A Quiet Place", "Breaking Bad",
          "The Office (US)", "Law & Order: SVU", "Night of the Living Dead"]


@pytest.fixture(scope="module")
def small() -> TitleIndex:
    return TitleIndex([TitleEntry(i, title, None, "movie", "") for i, title in enumerate(TITLES)])


def first(index: TitleIndex, typed: str) -> str | None:
    found = index.search(typed, 5)
    return TITLES[found[0][0]] if found else None


@pytest.mark.parametrize("typed, expected", [
    ("brekin bad", "Breaking Bad"),
    ("brea", "Breaking Bad"),
    ("matrx", "The Matrix"),
    ("matrix relaoded", "The Matrix Reloaded"),
    ("AMELIE", "Amélie"),
    ("law and order svu", "Law & Order: SVU"),
    ("the nigt of", "Night of the Living Dead"),
])
def test_search_takes_prefixes_accents_and_misspellings(small, typed, expected):
    assert first(small, typed) == expected


def test_scores_and_limits(small):
    assert small.search("the matrix", 5)[0] == (0, 100.0)  # the whole title as typed
    assert all(0 < score < 100 for _, score in small.search("matrix", 5))
    assert small.search("zzqxv", 5) == [] and small.search("", 5) == [] and small.search("matrix", 0) == []
    assert len(small.search("e", 2)) <= 2


def test_whole_title_is_the_last_resort(small):
    assert small.search("amelia heat", 5) == []  # no title holds both words
    assert [TITLES[i] for i, _ in small.whole_title("amelia", 1)] == ["Amélie"]
    assert small.whole_title("", 5) == []


@pytest.fixture(scope="module")
def big() -> tuple[TitleIndex, list[TitleEntry]]:
    """100,001 titles: 100,000 of made-up words (many repeated, a few very common) and Breaking Bad."""
    rng = random.Random(7)
    words = ["".join(rng.choice("bcdfghklmnprstvz") + rng.choice("aeiou") for _ in range(rng.randint(1, 4)))
             for _ in range(6000)] + ["the", "of", "a", "and", "night", "love"] * 300
    entries = [TitleEntry(i, " ".join(rng.choice(words).capitalize() for _ in range(rng.randint(1, 5))),
                          rng.randint(1950, 2025), "movie", "") for i in range(100_000)]
    entries.append(TitleEntry(100_000, "Breaking Bad", 2008, "show", ""))
    return TitleIndex(entries), entries


def found_titles(big, typed: str, limit: int = 20) -> list[str]:
    index, entries = big
    return [entries[item_id].title for item_id, _ in index.search(typed, limit)]


def sampled(big) -> list[str]:
    return [entry.title for entry in random.Random(5).sample(big[1], 60)] + ["Breaking Bad"]


def test_typing_finds_the_title_among_100k(big):
    """Keystroke by keystroke: once the last word has three letters typed, the title is among
    the first 20 and stays there; typed in full, it comes first."""
    for title in sampled(big):
        from_length = min(len(title), title.rfind(" ") + 1 + 3)
        for length in range(from_length, len(title) + 1):
            assert title in found_titles(big, title[:length]), (title, title[:length])
        assert found_titles(big, title)[0] == title


def test_misspelled_titles_are_found_among_100k(big):
    """A letter dropped from a title's longest word still finds the title, near the top."""
    rng = random.Random(3)
    tried = 0
    for title in sampled(big):
        words = title.split()
        longest = max(range(len(words)), key=lambda i: len(words[i]))
        word = words[longest]
        if len(word) < 5:
            continue
        cut = rng.randrange(1, len(word))
        words[longest] = word[:cut] + word[cut + 1:]
        typed = " ".join(words)
        assert title in found_titles(big, typed, 3), (title, typed)
        tried += 1
    assert tried >= 30
    assert found_titles(big, "brekin bad", 5)[0] == "Breaking Bad"
    assert found_titles(big, "breakng bad", 5)[0] == "Breaking Bad"
    assert found_titles(big, "brea")[0] == "Breaking Bad"
    best = found_titles(big, "the nigt of", 5)
    assert best and all(set(title.lower().split()) == {"the", "night", "of"} for title in best)


@pytest.mark.parametrize("typed", ["The", "the ", "the n", "Of ", "Night of ", "love a", "the of", "a"])
def test_common_words_give_the_shortest_matching_titles_first(big, typed):
    """Queries of very common words (each in thousands of titles) gather the shortest titles that
    hold every word, shortest first, by walking the rarest word's titles in order: the same
    candidates a scan of every title finds, however many titles hold the words."""
    index, _ = big
    words = typed.lower().split()
    candidates = index._candidates(words, 0)
    assert len(candidates) == index.MAX_CANDIDATES

    def holds(position: int) -> bool:
        held = index.words[position]
        return (all(w in held for w in words[:-1])
                and any(h == words[-1] or h.startswith(words[-1]) for h in held))

    best = {int(score // 5) for score in index._matches(words[-1], True).values()}
    if len(best) == 1:  # otherwise titles with better word matches may come before shorter ones
        expected = [p for p in range(len(index.texts)) if holds(p)][: index.MAX_CANDIDATES]
        assert candidates == expected
    assert all(holds(p) for p in candidates)
    shortest = min(len(index.texts[p]) for p in candidates)
    assert all(len(index.texts[p]) >= shortest for p in range(len(index.texts)) if holds(p))
    found = index.search(typed, 10)
    assert len(found) == 10 and all(score >= 50 for _, score in found)


def test_common_words_walk_no_further_than_the_answer(big, monkeypatch):
    """Gathering candidates for common words stops once enough are found: it no longer goes
    through every title holding "the" or "of" on each keystroke."""
    index, _ = big
    walked = [0]

    class Counting(list):
        def __iter__(self):
            for position in list.__iter__(self):
                walked[0] += 1
                yield position

    for query in (["the"], ["the", "of"], ["of", "t"], ["the", "o"]):
        index._candidates(query, 0)  # the words' look-ups are cached, as when typing
        monkeypatch.setattr(index, "postings", {w: Counting(p) for w, p in index.postings.items()})
        walked[0] = 0
        assert len(index._candidates(query, 0)) == index.MAX_CANDIDATES
        assert walked[0] < 5_000 < len(index.postings["the"]), (query, walked[0])
        monkeypatch.undo()
