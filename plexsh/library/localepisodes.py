"""Which episodes of a show are already local: the recorded copies still on disk at their size."""

from __future__ import annotations

from plexsh.library.local import local_files


def local_episodes(catalog, item_id: int) -> set[tuple[int, int]]:
    """(season, episode) pairs of the show `item_id` whose recorded copies are still present (for `new-only`)."""
    files = {f.id: f for f in catalog.files(item_id)}
    have = set()
    for copy in local_files(catalog).copies(item_id=item_id, present=True):
        f = files.get(copy.file_id)
        if f is not None:
            have.update((f.season, e) for e in f.episodes)
    return have
