"""`usage [TITLE] [since 30d]`, `usage top|never|shows`, `usage scan`, `usage export json FILE`: what is watched."""

from __future__ import annotations

import json
import time
from pathlib import Path

from plexsh.commands import command
from plexsh.commands._usage import analytics
from plexsh.commands.log import write_export
from plexsh.lang import ast
from plexsh.library.resolve import label, resolve_title
from plexsh.redact import redact_value, source_replacements
from plexsh.render import format_size
from plexsh.reply import Reply
from plexsh.usage.atimes import scan_atimes
from plexsh.usage.records import current_totals, prune, records
from plexsh.usage.reports import monthly, summaries, title_usage, when_text, window, with_all_episodes_of

DAY = 86400.0
SHOWN = 20   # titles listed by `usage` (the JSON has them all)
TOP = 10


@command("usage", ast.Usage,
         usage="usage [TITLE] [since 30d] | usage top|never|shows | usage scan | usage export json FILE",
         summary="what is watched: plays, looks, a usage score per title and file",
         details='usage                      the most used titles, and plays per month\n'
                 'usage "Breaking Bad"       per file: plays, last played, looks, score\n'
                 "usage since 30d            only what happened in the last 30 days (d, w, m, y)\n"
                 "usage top | never | shows  most used titles, local copies never played, shows in progress\n"
                 "usage scan                 record reads by other players (access times; also after `scan`)\n"
                 "usage export json FILE     the records and the summaries, for other programs\n"
                 "The score adds 1 per play, halved every analytics.half_life_days (30) since the play.")
def usage(session, node: ast.Usage) -> Reply:
    settings = analytics(session)
    now = time.time()
    since = now - node.since_days * DAY if node.since_days else None
    view = {"titles": _titles, "top": _titles, "title": _title, "never": _never, "shows": _shows,
            "scan": _scan, "export": _export}[node.view]
    return view(session, node, settings, now, since)


def _since_text(node) -> str:
    return f" in the last {node.since_days} day{'s' if node.since_days != 1 else ''}" if node.since_days else ""


def _titles(session, node, settings, now, since) -> Reply:
    catalog = session.catalog
    top = node.view == "top"
    if since is None:
        # Summed per title in SQL; only the rows shown are read into Python.
        total, rows = summaries(catalog, settings, now=now, limit=TOP if top else SHOWN, used_only=top)
    else:
        recent = window(catalog, since)
        _, rows = summaries(catalog, settings, now=now, used_only=top)
        rows = [{**e, **recent[e["item_id"]]} for e in rows if e["item_id"] in recent]
        rows = [e for e in rows if e["plays"] or (e["looks"] and not top)]
        total, rows = sum(1 for e in rows if e["plays"]), rows[:TOP if top else SHOWN]
    months = monthly(catalog, now=now)
    reply = Reply("usage", data={"view": node.view, "since_days": node.since_days, "total": total, "titles": rows,
                                 "months": [{"month": m, "plays": n} for m, n in months]})
    if not rows:
        reply.say(f"nothing played or looked at{_since_text(node)} yet: `play TITLE` plays a local copy, "
                  "`usage scan` counts what other players read", "dim")
    else:
        reply.table(["title", "plays", "last played", "looks", "score", "use", "local"],
                    [[_label(e), str(e["plays"]), when_text(e["last_played"], now), str(e["looks"]),
                      f"{e['score']:.2f}", e["category"], "✅" if e["local_bytes"] else ""] for e in rows],
                    align=["left", "right", "right", "right", "right", "left", "left"],
                    caption=(f"{total} title{'s' if total != 1 else ''} played{_since_text(node)}"
                             + (f", the first {len(rows)} shown" if total > len(rows) else "")))
    _activity(session, reply, months)
    return reply


def _label(entry: dict) -> str:
    return f"{entry['title']} ({entry['year']})" if entry.get("year") else entry["title"]


def _activity(session, reply: Reply, months) -> None:
    """Plays per month: bars on a terminal, `2026-05 12` words in a pipe."""
    most = max((n for _, n in months), default=0)
    if session.renderer.mode == "rich" and most:
        reply.say("plays per month", "title")
        for month, n in months:
            reply.say(f"{month} {'█' * max(1 if n else 0, round(24 * n / most)):<24} {n}", "note")
    else:
        reply.say("plays per month: " + ", ".join(f"{m} {n}" for m, n in months), "dim")


def _title(session, node, settings, now, since) -> Reply:
    catalog = session.catalog
    item = resolve_title(catalog, node.title, node.kind, "usage")
    title = title_usage(catalog, settings, now=now, item_ids=[item.id]).get(item.id)
    files = title.files if title else []
    recent = None
    if since is not None:
        paths = [p for f in files for p in f.paths]
        recent = {}
        for entry in records(catalog, since=since, paths=paths):
            recent.setdefault(entry["file_path"], []).append(entry)
    data_files = []
    rows = []
    for f in files:
        entry = f.as_dict()
        if recent is not None:
            mine = [r for p in f.paths for r in recent.get(p, [])]
            entry["uses"] = sum(1 for r in mine if r["access_type"] in ("play", "read"))
            entry["looks"] = sum(1 for r in mine if r["access_type"] == "look")
            entry["last_use"] = max((r["timestamp"] for r in mine if r["access_type"] in ("play", "read")), default=None)
        data_files.append(entry)
        what = f.code or (f.local_path.rsplit("/", 1)[-1] if f.local_path else f"file {f.file_id}")
        rows.append([what, str(entry["uses"]), when_text(entry["last_use"], now), str(entry["looks"]),
                     f"{f.score:.2f}", entry["category"], "✅" if f.local else "", f.local_path or ""])
    summary = title.as_dict() if title else {"item_id": item.id, "title": item.title, "plays": 0, "looks": 0}
    reply = Reply("usage", data={"view": "title", "since_days": node.since_days, "item": item.as_dict(),
                                 "usage": summary, "files": data_files})
    if title is None or not files:
        return reply.say(f"{label(item)}: never played, never looked at", "dim")
    reply.say(f"{label(item)} · {title.uses} play{'s' if title.uses != 1 else ''} · last {when_text(title.last_use, now)} · "
              f"{title.looks} look{'s' if title.looks != 1 else ''} · score {title.score:.2f} ({title.category})", "title")
    return reply.table(["", "plays", "last played", "looks", "score", "use", "local", "path"], rows,
                       align=["left", "right", "right", "right", "right", "left", "left", "left"],
                       caption=f"per file{_since_text(node)}" if since is not None else None)


def _never(session, node, settings, now, since) -> Reply:
    titles = title_usage(session.catalog, settings, now=now, local_only=True)
    found = []
    for title in sorted(titles.values(), key=lambda t: t.title.lower()):
        for f in title.files:
            if f.local and not f.uses and (since is None or (f.synced_at or now) >= since):
                found.append({"item_id": title.item_id, "title": title.title, "year": title.year, "code": f.code,
                              "path": f.local_path, "size": f.local_size, "synced_at": f.synced_at})
    reply = Reply("usage", data={"view": "never", "since_days": node.since_days, "files": found})
    if not found:
        return reply.say("every local copy has been played", "good")
    total = sum(e["size"] for e in found)
    return reply.table(["title", "", "size", "copied", "path"],
                       [[_label(e), e["code"] or "", format_size(e["size"]), when_text(e["synced_at"], now), e["path"]]
                        for e in found], align=["left", "left", "right", "right", "left"],
                       caption=f"{len(found)} local cop{'ies' if len(found) != 1 else 'y'} never played · "
                               f"{format_size(total)}")


def _shows(session, node, settings, now, since) -> Reply:
    catalog = session.catalog
    shows = []
    titles = [t for t in title_usage(catalog, settings, now=now).values() if t.kind == "show"]
    if since is not None:  # the shows watched in the window (the counts stay whole: where each one stands)
        titles = [t for t in titles if any(f.last_use is not None and f.last_use >= since for f in t.files)]
    with_all_episodes_of(catalog, titles)
    for title in sorted(titles, key=lambda t: t.title.lower()):
        episodes = [f for f in title.files if f.season not in (None, 0) and f.episodes]
        watched = [f for f in episodes if f.uses]
        last = max(watched, key=lambda f: (f.season, max(f.episodes)), default=None)
        after = [f for f in episodes if last is None or (f.season, max(f.episodes)) > (last.season, max(last.episodes))]
        following = after[0] if after else None
        shows.append({"item_id": title.item_id, "title": title.title, "year": title.year,
                      "episodes": sum(len(f.episodes) for f in episodes),
                      "local": sum(len(f.episodes) for f in episodes if f.local),
                      "watched": sum(len(f.episodes) for f in watched),
                      "last_watched": last.code if last else None,
                      "next": following.code if following else None,
                      "next_local": bool(following and following.local)})
    reply = Reply("usage", data={"view": "shows", "since_days": node.since_days, "shows": shows})
    if not shows:
        return reply.say(f"no show was watched{_since_text(node)}" if since is not None
                         else "no show has a local episode or a play yet", "dim")
    return reply.table(["show", "episodes", "local", "watched", "last watched", "next unwatched"],
                       [[_label(s), str(s["episodes"]), str(s["local"]), str(s["watched"]), s["last_watched"] or "",
                         (s["next"] or "all watched") + (" ✅" if s["next_local"] else "")] for s in shows],
                       align=["left", "right", "right", "right", "left", "left"])


def _scan(session, node, settings, now, since) -> Reply:
    found = atime_scan(session, settings)
    reply = Reply("usage", data={"view": "scan", **found})
    return reply.say(scan_line(found), "note")


def atime_scan(session, settings=None) -> dict:
    """Reads by other programs recorded, and records older than the retention pruned (`usage scan`, and after `scan`)."""
    settings = settings or analytics(session)
    catalog = session.catalog
    found = scan_atimes(catalog, settings).as_dict()
    found["pruned"] = prune(catalog, settings.retention_days)
    current_totals(catalog, settings)  # after a scan: the titles' ids, so the next `usage` need not
    return found


def scan_line(found: dict) -> str:
    """`usage scan` in one line.

    >>> scan_line({"copies": 3, "reads": 1, "new": 2, "missing": 0, "explained": 0, "pruned": 0})
    'looked at 3 local copies: 1 read by another program recorded, 2 seen for the first time'
    """
    parts = [f"{found['reads']} read{'s' if found['reads'] != 1 else ''} by another program recorded"]
    if found["explained"]:
        parts.append(f"{found['explained']} already counted as plays")
    if found["new"]:
        parts.append(f"{found['new']} seen for the first time")
    if found["missing"]:
        parts.append(f"{found['missing']} missing")
    if found["pruned"]:
        parts.append(f"{found['pruned']} records past analytics.retention_days deleted")
    copies = found["copies"]
    return f"looked at {copies} local cop{'ies' if copies != 1 else 'y'}: " + ", ".join(parts)


def _export(session, node, settings, now, since) -> Reply:
    catalog = session.catalog
    titles = title_usage(catalog, settings, now=now)
    export = {"exported_at": now, "half_life_days": settings.half_life_days,
              "records": records(catalog, since=since),
              "titles": [t.as_dict(with_files=True) for t in sorted(titles.values(), key=lambda t: -t.score)],
              "months": [{"month": m, "plays": n} for m, n in monthly(catalog, now=now)]}
    # A broken config raises here: better no export than one showing paths the user asked to hide.
    if session.config.security.path_redaction:
        export = redact_value(export, _replacements(catalog, session.config))
    path = Path(node.path).expanduser()
    write_export(path, json.dumps(export, indent=2, ensure_ascii=False))
    reply = Reply("usage", data={"view": "export", "path": str(path), "records": len(export["records"]),
                                 "titles": len(export["titles"])})
    return reply.say(f"wrote {len(export['records'])} records and {len(export['titles'])} titles to {path}", "note")


def _replacements(catalog, config) -> dict[str, str]:
    """NAS paths the records name (looks) as their titles, and every source root as `<name>`."""
    from plexsh.library.pathtext import loaded

    found = dict(source_replacements(config))
    for path, title, year in catalog.conn.execute(
            "SELECT t.file_path, i.title, i.year FROM access_totals t JOIN files f ON f.source = t.source "
            "AND f.dir = t.dir AND f.relpath = t.relpath AND f.path = t.file_path JOIN items i ON i.id = f.item_id"):
        found[loaded(path)] = f"{title} ({year})" if year else title
    return found
