"""Test-only stand-in for `python -m plexsh.engine.copier`: same arguments, same JSON lines, real copying.

Faults for the supervisor's tests, from the environment: STANDIN_HANG_AFTER=N stops producing
output (sleeps forever) after N bytes; with STANDIN_HANG_ONCE=FILE only while FILE does not exist
yet (the hanging run creates it); STANDIN_IGNORE_TERM=1 ignores SIGTERM.
"""

from __future__ import annotations


def main(argv: list[str]) -> int:
    import argparse
    import errno
    import hashlib
    import json
    import os
    import signal
    import sys
    import time

    parser = argparse.ArgumentParser()
    parser.add_argument("source")
    parser.add_argument("partial")
    parser.add_argument("--chunk-size", default="65536")
    parser.add_argument("--bwlimit", type=int, default=0)
    parser.add_argument("--fresh", action="store_true")
    args = parser.parse_args(argv)
    chunk = int(args.chunk_size.rstrip("MmKk")) * {"m": 1 << 20, "k": 1 << 10}.get(args.chunk_size[-1].lower(), 1)
    hang_after = int(os.environ.get("STANDIN_HANG_AFTER", "-1"))
    once = os.environ.get("STANDIN_HANG_ONCE")
    if once and hang_after >= 0:
        if os.path.exists(once):
            hang_after = -1
        else:
            open(once, "w").close()
    stopped = []

    def emit(**event) -> None:
        sys.stdout.write(json.dumps(event) + "\n")
        sys.stdout.flush()

    def on_term(*_):
        stopped.append(True)

    signal.signal(signal.SIGTERM, signal.SIG_IGN if os.environ.get("STANDIN_IGNORE_TERM") else on_term)
    state_path = args.partial + ".state"
    started = time.monotonic()
    try:
        st = os.stat(args.source)
        src = open(args.source, "rb")
    except OSError as error:
        emit(event="error", kind="source_unreadable", message=f"{args.source}: {error.strerror}")
        return 1
    ident = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "chunk": chunk}
    hashes: list[str] = []
    resume = 0
    try:
        out = open(args.partial, "r+b" if os.path.exists(args.partial) else "w+b")
    except OSError as error:
        emit(event="error", kind="dest_unwritable", message=str(error))
        return 1
    if not args.fresh and os.path.exists(state_path):
        with open(state_path) as f:
            state = json.load(f)
        if {k: state.get(k) for k in ident} == ident:
            for expected in state["hashes"]:
                block = out.read(chunk)
                if hashlib.sha256(block).hexdigest() != expected:
                    break
                hashes.append(expected)
                resume += len(block)
    out.truncate(resume)
    source_hash = hashlib.sha256()
    out.seek(0)
    remaining = resume
    while remaining:
        block = out.read(min(remaining, 1 << 20))
        source_hash.update(block)
        remaining -= len(block)
    out.seek(resume)
    src.seek(resume)
    done = resume
    emit(event="progress", bytes=done, total=st.st_size, resumed_from=resume)
    while True:
        if stopped:
            out.flush()
            emit(event="cancelled")
            return 20
        if 0 <= hang_after <= done:
            while True:
                time.sleep(3600)
        now = os.stat(args.source)
        if (now.st_size, now.st_mtime_ns) != (st.st_size, st.st_mtime_ns):
            emit(event="error", kind="source_changed", message="the source changed during the copy")
            return 1
        block = src.read(chunk)
        if not block:
            break
        try:
            out.write(block)
            out.flush()
            os.fsync(out.fileno())
        except OSError as error:
            kind = "no_space" if error.errno == errno.ENOSPC else "dest_unwritable"
            emit(event="error", kind=kind, message=str(error))
            return 1
        source_hash.update(block)
        hashes.append(hashlib.sha256(block).hexdigest())
        done += len(block)
        with open(state_path + ".tmp", "w") as f:
            json.dump({**ident, "hashes": hashes}, f)
        os.replace(state_path + ".tmp", state_path)
        emit(event="progress", bytes=done, total=st.st_size, resumed_from=resume)
        if args.bwlimit:
            ahead = (done - resume) / args.bwlimit - (time.monotonic() - started)
            if ahead > 0:
                time.sleep(ahead)
    out.close()
    dest = hashlib.sha256()
    with open(args.partial, "rb") as f:
        while block := f.read(1 << 20):
            dest.update(block)
    emit(event="done", bytes=done, sha256=source_hash.hexdigest(), dest_sha256=dest.hexdigest(),
         resumed_from=resume, seconds=round(time.monotonic() - started, 3))
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
