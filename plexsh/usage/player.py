"""The media player: which one (`player:` in the config, else the first of mpv, vlc, xdg-open/open found) and starting it detached."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import threading

from plexsh.errors import PlexError

# Tried in this order when the config names none; xdg-open (Linux) and open (macOS) hand the file
# to the desktop's default application.
DEFAULT_PLAYERS = ("mpv", "vlc", "xdg-open", "open")


def player_command(configured: str | None) -> list[str]:
    """The player's argv (the file is appended); PlexError when none can be found.

    >>> player_command("cat --show-ends")
    ['cat', '--show-ends']
    """
    if configured:
        argv = shlex.split(configured)
        if not shutil.which(argv[0]):
            raise PlexError(f"the player {argv[0]!r} (player: in the config) is not installed or not on the PATH",
                            "install it, or set `player:` to a program that opens a video file")
        return argv
    for name in DEFAULT_PLAYERS:
        if shutil.which(name):
            return [name]
    raise PlexError("no media player found (tried " + ", ".join(DEFAULT_PLAYERS) + ")",
                    "install mpv, or set `player: COMMAND` in the config")


def start_player(argv: list[str], path: str) -> int:
    """Start the player on `path` in a session of its own and return its pid at once: plexsh never waits
    for it (a player runs for hours), and a thread reaps it when it exits, so no zombie is left."""
    try:
        child = subprocess.Popen([*argv, path], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL, start_new_session=True)
    except OSError as error:
        raise PlexError(f"cannot start the player {argv[0]}: {error.strerror or error}") from None
    threading.Thread(target=child.wait, name=f"player-{child.pid}", daemon=True).start()
    return child.pid


__all__ = ["DEFAULT_PLAYERS", "player_command", "start_player"]
