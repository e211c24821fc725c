"""display_title, sort_key and match_key."""

from __future__ import annotations

import pytest

from plexsh.library.titles import display_title, fold, match_key, sort_key


@pytest.mark.parametrize("raw, shown", [
    ("The.Office.US", "The Office (US)"),
    ("The Office (US)", "The Office (US)"),
    ("the.matrix", "The Matrix"),
    ("the.lord.of.the.rings", "The Lord of the Rings"),
    ("Blade.Runner.2049", "Blade Runner 2049"),
    ("Blade_Runner_2049", "Blade Runner 2049"),
    ("2001.A.Space.Odyssey", "2001 A Space Odyssey"),
    ("Marvels.Agents.of.S.H.I.E.L.D", "Marvels Agents of S.H.I.E.L.D."),
    ("S.W.A.T.", "S.W.A.T."),
    ("Marvel's Agents of S.H.I.E.L.D.", "Marvel's Agents of S.H.I.E.L.D."),
    ("Dr. Strangelove", "Dr. Strangelove"),
    ("Michael J. Fox", "Michael J. Fox"),
    ("Simpsons,.The", "The Simpsons"),
    ("Office, The", "The Office"),
    ("X-Men.Apocalypse", "X-Men Apocalypse"),
    ("Mad.M", "Mad M"),
    ("Elle.s.en.va", "Elle s en va"),
    ("gossip girl", "Gossip Girl"),
    ("REDLINE", "REDLINE"),
    ("Rush.._Beyond_The_Lighted_Stage", "Rush Beyond The Lighted Stage"),
    ("Howl's_Moving_Castle_", "Howl's Moving Castle"),
    ("Amélie", "Amélie"),
    ("  - Trimmed -  ", "Trimmed"),
])
def test_display_title(raw, shown):
    assert display_title(raw) == shown


@pytest.mark.parametrize("title, key", [
    ("The Matrix", "matrix"),
    ("A Quiet Place", "quiet place"),
    ("An American Werewolf in London", "american werewolf in london"),
    ("Amélie", "amelie"),
    ("Theodore Rex", "theodore rex"),
    ("The", "the"),
    ("Æon Flux", "aeon flux"),
])
def test_sort_key(title, key):
    assert sort_key(title) == key


def test_sort_key_orders_like_a_library():
    titles = ["The Zodiac", "Amélie", "an Affair", "Zulu", "Être et avoir", "The Abyss"]
    assert sorted(titles, key=sort_key) == ["The Abyss", "an Affair", "Amélie", "Être et avoir", "The Zodiac", "Zulu"]


@pytest.mark.parametrize("one, other", [
    ("Marvel's Agents of S.H.I.E.L.D.", "Marvels Agents of SHIELD"),
    ("Law & Order", "Law and Order"),
    ("Amélie", "AMELIE"),
    ("Léon: The Professional", "Leon The Professional"),
    ("Tromsø", "Tromso"),
    ("The Office (US)", "the.office.us"),
    ("Spider-Man: Into the Spider-Verse", "Spider Man Into The Spider Verse"),
])
def test_match_key_merges_spellings(one, other):
    assert match_key(one) == match_key(other)


@pytest.mark.parametrize("one, other", [
    ("The Office (US)", "The Office"),
    ("Alien", "Aliens"),
    ("Doctor Who", "Doctor Who 2005"),
])
def test_match_key_keeps_different_titles_apart(one, other):
    assert match_key(one) != match_key(other)


def test_fold():
    assert fold("Straße Łódź Hôtel") == "strasse lodz hotel"
