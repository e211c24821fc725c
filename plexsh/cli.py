"""The `plexsh` command line: -c commands, a .plexsh file, piped stdin, or the interactive shell."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from plexsh import __version__

USAGE_EXAMPLES = """examples:
  plexsh                         open the interactive shell
  plexsh --demo                  try plexsh on a generated demo library
  plexsh -c 'scan; ls movies'    run commands and exit
  plexsh nightly.plexsh          run a script file
  echo 'find matrix' | plexsh    read commands from stdin

exit status: 0 all commands succeeded, 1 a command failed, 2 a syntax error (nothing ran)"""


def argument_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="plexsh", description="A chat-style shell for your NAS media library.",
                                     epilog=USAGE_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("script", nargs="?", metavar="FILE", help="a .plexsh script to run")
    parser.add_argument("-c", dest="commands", action="append", metavar="CMD",
                        help="run CMD (repeatable; ; or new lines separate commands)")
    parser.add_argument("--json", action="store_true", help="print one JSON object per command")
    parser.add_argument("--demo", action="store_true", help="use the demo library (created on first use)")
    parser.add_argument("--config", type=Path, metavar="PATH", help="the config file to use")
    parser.add_argument("--profile", metavar="NAME", help="a profile of the config file")
    parser.add_argument("--verbose", "-v", action="store_true", help="log more detail")
    parser.add_argument("--version", action="version", version=f"plexsh {__version__}")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = argument_parser().parse_args(argv)
    try:
        return _run(args)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
    except BrokenPipeError:
        # `plexsh -c 'ls' | head` closes the pipe early: not an error worth a word.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _run(args) -> int:
    from plexsh.errors import PlexError
    from plexsh.logs import setup_logging
    from plexsh.render import Renderer, choose_mode
    from plexsh.session import EXIT_FAILED, Session

    setup_logging(verbose=args.verbose)
    text = _script_text(args)
    interactive = text is None
    mode = choose_mode(args.json)
    renderer = Renderer(mode, interactive=interactive)
    config_path, database = args.config, None
    if args.demo:
        from plexsh.demo.demo import prepare_demo

        try:
            demo = prepare_demo(say=(lambda text: sys.stderr.write(text + "\n")) if mode != "json" else None)
        except (PlexError, OSError) as error:
            renderer.error(f"cannot create the demo library: {error}")
            return EXIT_FAILED
        config_path, database = demo.config, demo.database
    session = Session(renderer, config_path=config_path, profile=args.profile, database=database,
                      interactive=interactive)
    try:
        session.config  # loading it applies the configured log sizes and redaction before anything is logged
    except PlexError as error:
        # A broken config: the log keeps its defaults and the first command needing the config says why.
        # But a config or profile named on the command line fails now: a typo there must not let a
        # script run on other settings (and exit 0).
        if args.config is not None or args.profile is not None:
            from plexsh.reply import Reply

            renderer.render(Reply("config", ok=False, error=error.message, hint=error.hint))  # JSON under --json
            return EXIT_FAILED
    try:
        if interactive:
            from plexsh.shell.repl import run_repl

            return run_repl(session, first_commands="scan" if args.demo else None)
        if args.demo:
            _quiet_scan(session)
        return session.run(text)
    finally:
        session.close()


def _quiet_scan(session) -> None:
    """Brings the demo catalog up to date before a script runs; speaks only if that fails."""
    from plexsh.lang import ast

    reply = session.execute(ast.Scan())
    if not reply.ok:
        session.renderer.error(reply.error or "scan failed", reply.hint)


def _script_text(args) -> str | None:
    """The commands to run, or None for the interactive shell."""
    if args.commands:
        return "\n".join(args.commands)
    if args.script:
        try:
            return Path(args.script).read_text(encoding="utf-8")
        except OSError as error:
            sys.stderr.write(f"error: cannot read {args.script}: {error.strerror}\n")
            raise SystemExit(1)
        except UnicodeDecodeError as error:
            line, byte = error.object[:error.start].count(b"\n") + 1, error.object[error.start]
            sys.stderr.write(f"error: {args.script} is not UTF-8 text: line {line} has the byte 0x{byte:02x}\n")
            raise SystemExit(1)
    if not sys.stdin.isatty():
        # As the file system does: bytes that are not UTF-8 are kept (surrogateescape), whatever the locale.
        return sys.stdin.buffer.read().decode("utf-8", "surrogateescape")
    return None
