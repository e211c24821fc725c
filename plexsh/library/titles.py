"""Title cleanup for display, and the keys titles are sorted and matched by."""

from __future__ import annotations

import re
import unicodedata
from typing import Final

__all__ = ["display_title", "sort_key", "match_key", "fold"]

# Words kept lower-case inside a title when we have to invent the capitalisation
# of an all-lowercase scene name ("the.lord.of.the.rings" -> "The Lord of the Rings").
_SMALL_WORDS: Final = frozenset(
    "a an and as at but by de del der des di du en et for from in into la le les "
    "nor of on or per the to via vs with von".split()
)
# Country qualifiers that scene names append to a show title ("The.Office.US").
_COUNTRIES: Final = frozenset("US UK AU NZ CA IE".split())
_LEADING_ARTICLE: Final = re.compile(r"^(?:the|an|a)\s+(?=\S)")
_TRAILING_ARTICLE: Final = re.compile(r"^(?P<rest>.+?),\s*(?P<article>The|A|An)$", re.IGNORECASE)
_WHITESPACE: Final = re.compile(r"\s+")
_NOT_ALNUM: Final = re.compile(r"[\W_]+")
_NEEDS_WORK: Final = re.compile(r"[._,]|\b(?:US|UK|AU|NZ|CA|IE)\s*$|\s\s")
_EDGE_JUNK: Final = " \t-_.,:;~+=*/|#&"
_EDGE_JUNK_KEEP_DOTS: Final = _EDGE_JUNK.replace(".", "")  # "S.W.A.T." keeps its last dot


# Letters that Unicode does not decompose into a base letter and an accent.
_UNDECOMPOSED: Final = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ı": "i", "þ": "th", "ð": "d",
                               "æ": "ae", "œ": "oe"})


def fold(text: str) -> str:
    """Case-fold and strip accents: "Hôtel" -> "hotel", "Straße" -> "strasse", "Tromsø" -> "tromso"."""
    text = text.casefold()
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text.translate(_UNDECOMPOSED))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _split_dotted(word: str) -> list[str]:
    """Turn one dotted chunk into words, keeping runs of single letters as an acronym.

    "Show.Name" -> ["Show", "Name"]; "S.H.I.E.L.D" -> ["S.H.I.E.L.D."];
    "Agents.of.S.H.I.E.L.D" -> ["Agents", "of", "S.H.I.E.L.D."].
    """
    segments = word.split(".")
    words: list[str] = []
    letters: list[str] = []
    for segment in segments:
        if len(segment) == 1 and segment.isalpha():
            letters.append(segment)
            continue
        if letters:
            words.append(".".join(letters) + "." if len(letters) > 1 else letters[0])
            letters = []
        if segment:
            words.append(segment)
    if letters:
        words.append(".".join(letters) + "." if len(letters) > 1 else letters[0])
    return words


def _capitalise(words: list[str]) -> list[str]:
    out = []
    last = len(words) - 1
    for i, word in enumerate(words):
        if 0 < i < last and word in _SMALL_WORDS:
            out.append(word)
        else:
            out.append(word[:1].upper() + word[1:])
    return out


def _strip_edges(raw: str) -> str:
    """Separators and junk off both ends, but a dash that starts the title itself stays.

    >>> _strip_edges(" - The Matrix. "), _strip_edges("-30-"), _strip_edges("-Dash First")
    ('The Matrix', '-30-', '-Dash First')
    """
    text = raw.strip(_EDGE_JUNK)
    edge = raw.strip(" \t")
    if text and len(edge) > 1 and edge[0] == "-" and edge[1].isalnum():
        text = "-" + text  # "-30- (1959)", "-Dash First": a dash glued to a word is part of the title
        if edge[-1] == "-" and edge[-2].isalnum():
            text += "-"
    return text


def display_title(raw: str) -> str:
    """A title fit to show: separators become spaces, acronyms and qualifiers survive.

    >>> display_title("The.Office.US")
    'The Office (US)'
    >>> display_title("the.matrix")
    'The Matrix'
    >>> display_title("Marvels.Agents.of.S.H.I.E.L.D")
    'Marvels Agents of S.H.I.E.L.D.'
    >>> display_title("Simpsons, The")
    'The Simpsons'
    >>> display_title("Blade_Runner_2049")
    'Blade Runner 2049'
    """
    text = _strip_edges(raw)
    if _NEEDS_WORK.search(text) is None:
        # Already spaced and punctuated as a title: only the capitalisation may need work.
        if text.islower():
            return " ".join(_capitalise(text.split(" ")))
        return text
    if "_" in text:
        text = text.replace("_", " ").strip(_EDGE_JUNK)
    words = text.split(".") if " " not in text else []
    if words and 1 not in map(len, words):
        words = [word for word in words if word]  # "The.Grand.Budapest.Hotel"
    else:
        words = []
        for chunk in text.split():
            bare = chunk.rstrip(".")
            if "." in bare:
                words.extend(_split_dotted(chunk))
            elif bare and len(bare) <= 3 and chunk == bare + "." and bare[0].isupper():
                words.append(chunk)  # an abbreviation or initial: "Dr.", "Mr.", "J."
            elif bare:
                words.append(bare)
    if not words:
        return ""
    if len(words) > 1 and words[-1] in _COUNTRIES:
        words[-1] = f"({words[-1]})"
    title = " ".join(words).strip(_EDGE_JUNK_KEEP_DOTS)
    if "," in title:
        moved = _TRAILING_ARTICLE.match(title)
        if moved:
            title = f"{moved['article'].capitalize()} {moved['rest']}"
    if title.islower():
        title = " ".join(_capitalise(title.split(" ")))
    return _WHITESPACE.sub(" ", title) if "  " in title else title


def sort_key(title: str) -> str:
    """Key to sort titles by: case- and accent-blind, ignoring a leading article.

    >>> sorted(["The Matrix", "Zodiac", "Amélie"], key=sort_key)
    ['Amélie', 'The Matrix', 'Zodiac']
    """
    return _LEADING_ARTICLE.sub("", fold(title).strip())


def match_key(title: str) -> str:
    """Key under which spellings of one title meet: only letters and digits survive.

    >>> match_key("Marvel's Agents of S.H.I.E.L.D.") == match_key("Marvels Agents of SHIELD")
    True
    >>> match_key("Law & Order")
    'lawandorder'
    """
    return _NOT_ALNUM.sub("", fold(title).replace("&", "and"))
