"""The NAS bench serves one library three ways, its fault switches do what they claim, and down() leaves nothing."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO
from nasbench import NasBench, base_dir, link_names, mounts, netns_names, orphan_routes, run, run_may_hang

MOVIE = "Movies/Nas Bench (2024)/Nas Bench (2024).mkv"


@pytest.fixture
def movie(nas_bench) -> tuple[str, str]:
    """A 3 MiB file of random bytes on the NAS (so a wrong byte anywhere shows), and its SHA-256."""
    data = os.urandom(3 << 20)
    path = nas_bench.media_dir / MOVIE
    path.parent.mkdir(parents=True)
    path.write_bytes(data)
    return MOVIE, hashlib.sha256(data).hexdigest()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def rsync(source: str, dest: Path, *extra: str) -> subprocess.CompletedProcess:
    """Real rsync with small timeouts, so a dead NAS ends it within seconds."""
    return subprocess.run(["rsync", "--timeout=5", *extra, source, str(dest)], capture_output=True, text=True,
                          timeout=60, stdin=subprocess.DEVNULL)


def rsync_daemon(bench: NasBench, rel: str, dest: Path) -> subprocess.CompletedProcess:
    return rsync(f"{bench.rsync_url}/{rel}", dest, "--contimeout=3")


def rsync_ssh(bench: NasBench, rel: str, dest: Path) -> subprocess.CompletedProcess:
    return rsync(f"{bench.ssh_source}/{rel}", dest, "-e", bench.ssh_command)


def read_mount(bench: NasBench, rel: str, timeout: float = 20) -> subprocess.CompletedProcess | None:
    """Read through the sshfs mount in a child: a reader of a dead mount can hang beyond SIGKILL."""
    return run_may_hang(["sha256sum", str(bench.mount / rel)], timeout=timeout)


def eventually(check, timeout: float = 15.0):
    """CHECK's first truthy result within TIMEOUT (a link or a daemon takes a moment to come back)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.2)


def test_the_same_file_three_ways(nas_bench, movie, tmp_path):
    rel, digest = movie
    assert nas_bench.rsync_url == f"rsync://{nas_bench.address}/media"
    assert nas_bench.ssh_source == f"root@{nas_bench.address}:/srv/media"
    by_daemon = rsync_daemon(nas_bench, rel, tmp_path / "daemon.mkv")
    assert by_daemon.returncode == 0, by_daemon.stderr
    by_ssh = rsync_ssh(nas_bench, rel, tmp_path / "ssh.mkv")
    assert by_ssh.returncode == 0, by_ssh.stderr
    by_mount = read_mount(nas_bench, rel)
    assert by_mount is not None and by_mount.returncode == 0, by_mount and by_mount.stderr
    assert sha256(tmp_path / "daemon.mkv") == sha256(tmp_path / "ssh.mkv") == digest
    assert by_mount.stdout.split()[0].decode() == digest


def test_the_ssh_source_is_the_nas_path_not_the_hosts(nas_bench, tmp_path):
    """The daemons see the media at /srv/media; the host's path of the folder means nothing there."""
    result = rsync(f"root@{nas_bench.address}:{nas_bench.media_dir}/{MOVIE}", tmp_path / "x", "-e", nas_bench.ssh_command)
    assert result.returncode != 0
    assert "No such file or directory" in result.stderr


def test_a_pulled_cable_fails_an_rsync_daemon_fetch_and_plugging_it_back_heals_it(nas_bench, movie, tmp_path):
    rel, digest = movie
    nas_bench.link_down()
    failed = rsync_daemon(nas_bench, rel, tmp_path / "a.mkv")
    assert failed.returncode in {10, 12, 30, 35}, failed.stderr
    nas_bench.link_up()
    healed = eventually(lambda: rsync_daemon(nas_bench, rel, tmp_path / "a.mkv").returncode == 0)
    assert healed
    assert sha256(tmp_path / "a.mkv") == digest


def test_a_pulled_cable_does_not_route_the_nas_address_anywhere_else(nas_bench):
    nas_bench.link_down()
    route = run("ip", "-4", "route", "get", nas_bench.address, check=False)
    # Either the veth (no carrier: packets dropped here) or the guard route: never the default route.
    assert f"dev {nas_bench.host_veth}" in route.stdout or "unreachable" in route.stdout + route.stderr


def test_killing_rsyncd_refuses_connections_and_starting_it_serves_again(nas_bench, movie, tmp_path):
    rel, digest = movie
    nas_bench.kill_rsyncd()
    refused = rsync_daemon(nas_bench, rel, tmp_path / "a.mkv")
    assert refused.returncode == 10 and "Connection refused" in refused.stderr, refused.stderr
    nas_bench.start_rsyncd()
    served = rsync_daemon(nas_bench, rel, tmp_path / "a.mkv")
    assert served.returncode == 0, served.stderr
    assert sha256(tmp_path / "a.mkv") == digest


def test_killing_sshd_refuses_connections_and_starting_it_serves_again(nas_bench, movie, tmp_path):
    rel, digest = movie
    nas_bench.kill_sshd()
    refused = rsync_ssh(nas_bench, rel, tmp_path / "a.mkv")
    assert refused.returncode != 0 and "Connection refused" in refused.stderr, refused.stderr
    nas_bench.start_sshd()
    served = rsync_ssh(nas_bench, rel, tmp_path / "a.mkv")
    assert served.returncode == 0, served.stderr
    assert sha256(tmp_path / "a.mkv") == digest


def test_the_rate_limit_is_a_tbf_on_the_nas_side_and_can_change_or_go(nas_bench):
    def qdisc() -> str:
        return run("tc", "-n", nas_bench.netns, "qdisc", "show", "dev", nas_bench.nas_veth).stdout

    assert "tbf" in qdisc() and "rate 200Mbit" in qdisc()
    nas_bench.set_rate("50mbit")
    assert "rate 50Mbit" in qdisc()
    nas_bench.set_rate(None)
    assert "tbf" not in qdisc()


def test_aborting_the_fuse_connection_fails_reads_and_remount_heals(nas_bench, movie):
    rel, digest = movie
    nas_bench.abort_fuse()
    failed = read_mount(nas_bench, rel, timeout=15)
    assert failed is not None, "a read of the aborted mount hung"
    assert failed.returncode != 0 and b"Transport endpoint is not connected" in failed.stderr, failed.stderr
    nas_bench.remount()
    healed = read_mount(nas_bench, rel)
    assert healed is not None and healed.returncode == 0, healed and healed.stderr
    assert healed.stdout.split()[0].decode() == digest


def test_the_fuse_connection_is_the_minor_of_the_mounts_device(nas_bench):
    # stat() here is safe: the mount is healthy, and it is the check the abort switch relies on.
    assert nas_bench.fuse_connection().name == str(os.minor(os.stat(nas_bench.mount).st_dev))
    assert (nas_bench.fuse_connection() / "abort").exists()


def gone(bench: NasBench, pids: list[int]) -> list[str]:
    """What of BENCH is still there: namespace, veths, mount, processes, guard route, files."""
    left = []
    if bench.netns in netns_names():
        left.append(f"netns {bench.netns}")
    left += [f"link {n}" for n in link_names() if n in {bench.host_veth, bench.nas_veth}]
    left += [f"mount {m}" for _, m, _, src in mounts() if m == str(bench.mount) or src == bench.fsname]
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":  # a zombie holds nothing; init collects it
            left.append(f"process {pid}")
    routes = run("ip", "-4", "route", "show", "table", "all", check=False).stdout
    if bench.subnet and str(bench.subnet) in routes:
        left.append(f"route {bench.subnet}")
    if bench.work.exists():
        left.append(f"folder {bench.work}")
    return left


def test_down_leaves_nothing_behind_and_can_run_again(nas_bench, movie):
    rel, _ = movie
    assert read_mount(nas_bench, rel).returncode == 0
    pids = [int(p) for p in run("ip", "netns", "pids", nas_bench.netns).stdout.split()] + list(nas_bench.pids.values())
    assert len(pids) >= 3
    assert {item.split()[0] for item in gone(nas_bench, pids)} == {"netns", "link", "mount", "process", "route", "folder"}
    assert nas_bench.down() == []
    assert gone(nas_bench, pids) == []
    assert nas_bench.down() == []  # the fixture's down() after this one finds nothing to do


def test_down_frees_a_reader_stuck_on_a_dead_mount(nas_bench, movie):
    """The field notes' hang: the sshfs server stops answering under a reader. down() aborts the
    connection first, so it neither hangs itself nor leaves the reader stuck."""
    rel, _ = movie
    os.kill(nas_bench.pids["sshfs"], signal.SIGSTOP)  # a server that never answers
    reader = subprocess.Popen(["cat", str(nas_bench.mount / rel)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        with pytest.raises(subprocess.TimeoutExpired):
            reader.wait(timeout=1)
        assert nas_bench.down() == []
        assert reader.wait(timeout=10) != 0
    finally:
        reader.kill()


def test_a_failed_up_removes_what_it_made(tmp_path, nas_bench):
    """sshd cannot start (a broken config): up() raises and takes the namespace, veth and rsyncd down."""
    bench = NasBench(tmp_path / "media2")
    (tmp_path / "media2").mkdir()
    original = bench._keys

    def broken_keys():
        original()
        (bench.work / "sshd_config").write_text("NoSuchOption yes\n")

    bench._keys = broken_keys
    with pytest.raises(RuntimeError, match="sshd did not listen"):
        bench.up()
    assert gone(bench, []) == []


def test_nas_up_and_nas_down_scripts(tmp_path, nas_bench):
    """The scripts use the same code; nas-down finds a crashed run's bench by its name alone."""
    name = "s" + os.urandom(4).hex()
    (tmp_path / "lib").mkdir()
    up = subprocess.run([str(REPO / "scripts" / "nas-up"), str(tmp_path / "lib"), "--name", name,
                         "--mount", str(tmp_path / "mnt")], capture_output=True, text=True, timeout=60)
    assert up.returncode == 0, up.stderr
    bench = NasBench.load(name)
    for path in (bench.rsync_url, bench.ssh_source, str(tmp_path / "mnt"), "ssh_key_path:"):
        assert path in up.stdout
    assert json.loads((bench.work / "state.json").read_text())["owner"] is None  # outlives nas-up
    # A crash: the state file is lost, only names are left to go by.
    (bench.work / "state.json").unlink()
    down = subprocess.run([str(REPO / "scripts" / "nas-down"), "--name", name], capture_output=True, text=True, timeout=60)
    assert down.returncode == 0, down.stderr
    assert gone(bench, []) == []
    assert bench.subnet is None or str(bench.subnet) not in orphan_routes()
    again = subprocess.run([str(REPO / "scripts" / "nas-down"), "--name", name], capture_output=True, text=True, timeout=60)
    assert again.returncode == 0, again.stderr


def test_a_crashed_owner_makes_its_bench_a_leftover(tmp_path, nas_bench):
    """A test run killed mid-test leaves its bench; leftovers() names it, a live run's bench it does not."""
    from nasbench import leftovers
    (tmp_path / "lib").mkdir()
    name = "c" + os.urandom(4).hex()
    code = (f"import os, signal, sys; sys.path.insert(0, {str(REPO / 'tests')!r}); from nasbench import NasBench; "
            f"NasBench({str(tmp_path / 'lib')!r}, name={name!r}).up(); os.kill(os.getpid(), signal.SIGKILL)")
    crashed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    try:
        found = leftovers()
        assert name in found and nas_bench.name not in found
    finally:
        assert NasBench.load(name).down() == []
    assert gone(NasBench.load(name), []) == []
