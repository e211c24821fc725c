"""A NAS on this machine: a network namespace with rsyncd and sshd behind a rate-limited veth, and an sshfs mount of it."""

from __future__ import annotations

import fcntl
import ipaddress
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

# Everything a bench creates carries one of these prefixes, so leftovers of a crashed run can be found
# by name alone. Interface names are limited to 15 bytes: "pxh-" + a 10-character name fits.
NETNS_PREFIX = "plexsh-nas-"
HOST_VETH_PREFIX = "pxh-"
NAS_VETH_PREFIX = "pxn-"
FSNAME_PREFIX = "plexsh-nas-"
NAME_RE = re.compile(r"^[a-z0-9]{1,10}$")

# The /30s a bench may take, first the unlikely 10.213/16, then the range reserved for benchmarks.
SUBNET_POOLS = (ipaddress.ip_network("10.213.0.0/16"), ipaddress.ip_network("198.18.0.0/15"))
NAS_PATH = "/srv/media"
RSYNC_PORT = 873
SSH_PORT = 22
# The guard routes carry this routing protocol number, so a crashed run's are found without its state.
ROUTE_PROTO = "213"
COMMANDS = {"ip": "iproute2", "tc": "iproute2", "rsync": "rsync", "ssh": "openssh-client",
            "ssh-keygen": "openssh-client", "sshfs": "sshfs", "/usr/sbin/sshd": "openssh-server"}
FUSECTL = Path("/sys/fs/fuse/connections")
START_TIMEOUT = 15.0


def base_dir() -> Path:
    """Where benches keep their keys, configs, logs and state, one folder per bench name."""
    return Path(tempfile.gettempdir()) / "plexsh-nas"


class BenchUnavailable(RuntimeError):
    """This machine cannot run the bench (not root, a tool or kernel feature missing); the message says which."""


def unavailable_reason() -> str | None:
    """Why the bench cannot run here, or None when it can (network namespaces are tried by up() itself)."""
    if os.geteuid() != 0:
        return "root (network namespaces, veth, tc and mounts need it); run the tests as root"
    missing = sorted({pkg for cmd, pkg in COMMANDS.items() if shutil.which(cmd) is None})
    if missing:
        return f"the packages {', '.join(missing)} (scripts/setup --test installs them)"
    if not os.path.exists("/proc/self/ns/net"):
        return "a kernel with network namespaces (/proc/self/ns/net is missing)"
    if not os.path.exists("/dev/fuse"):
        return "/dev/fuse for the sshfs mount (a container without the fuse device)"
    return None


def run(*args: str, check: bool = True, timeout: float = 20) -> subprocess.CompletedProcess:
    """A short command; its stderr goes into the exception so a failed step says why."""
    result = subprocess.run(args, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} exited {result.returncode}: {result.stderr.strip()}")
    return result


def run_may_hang(argv: list[str], timeout: float) -> subprocess.CompletedProcess | None:
    """Run ARGV, which may touch a dead FUSE mount, in a child; None if it has not finished within
    TIMEOUT. Such a child can sit in uninterruptible sleep where even SIGKILL waits, so it is killed
    and left behind rather than waited for (subprocess.run would wait for it forever)."""
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        for pipe in (proc.stdout, proc.stderr):
            pipe.close()
        return None
    return subprocess.CompletedProcess(argv, proc.returncode, out, err)


def netns_names() -> list[str]:
    out = run("ip", "netns", "list", check=False).stdout
    return [line.split()[0] for line in out.splitlines() if line.strip()]


def link_names() -> list[str]:
    out = run("ip", "-o", "link", "show", check=False).stdout
    return [line.split(":")[1].strip().split("@")[0] for line in out.splitlines() if ":" in line]


def mounts() -> list[tuple[str, str, str, str]]:
    """(device "major:minor", mount point, fs type, source) from mountinfo, which never calls into a
    FUSE server: a stat() of a dead sshfs mount can hang the caller in uninterruptible sleep."""
    def unescape(text: str) -> str:
        return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), text)

    rows = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        left, _, right = line.partition(" - ")
        fields, tail = left.split(), right.split()
        rows.append((fields[2], unescape(fields[4]), tail[0], unescape(tail[1]) if len(tail) > 1 else ""))
    return rows


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry.name}/stat").read_text()
        except OSError:
            continue
        # The command name may contain spaces and parentheses; the fields after its last ')' do not.
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    return children


def _tree(pid: int) -> list[int]:
    """PID and its descendants, gathered before any is killed (a killed parent's children move to init)."""
    children, found, todo = _children_map(), [], [pid]
    while todo:
        p = todo.pop()
        if p not in found:
            found.append(p)
            todo.extend(children.get(p, []))
    return found


def _alive(pid: int) -> bool:
    """True while PID runs; a zombie counts as gone (it holds nothing), and ours is collected."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    if state == "Z":
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
        return False
    return True


def kill_pids(pids: list[int], timeout: float = 5.0) -> list[int]:
    """SIGKILL every pid and wait until they are gone; returns those still there (stuck in D state)."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + timeout
    left = [p for p in pids if _alive(p)]
    while left and time.monotonic() < deadline:
        time.sleep(0.02)
        left = [p for p in left if _alive(p)]
    return left


def _rate_args(rate: str) -> list[str]:
    """tbf arguments for RATE ("200mbit"): a burst of 10 ms of traffic (at least 64 KiB), so the
    limit holds at any rate whatever the kernel's timer tick."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([kmg]?)(bit|bps)", rate.strip().lower())
    if not m:
        raise ValueError(f"rate {rate!r}: expected a number with kbit, mbit, gbit or bps (e.g. 200mbit)")
    bits = float(m.group(1)) * {"": 1, "k": 1e3, "m": 1e6, "g": 1e9}[m.group(2)] * (8 if m.group(3) == "bps" else 1)
    burst = max(65536, int(bits / 8 / 100))
    return ["rate", f"{int(bits)}bit", "burst", str(burst), "latency", "50ms"]


@contextmanager
def _locked():
    """One bench at a time picks a subnet and claims it, so parallel runs never take the same one."""
    base_dir().mkdir(parents=True, exist_ok=True)
    with open(base_dir() / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _free_subnet() -> ipaddress.IPv4Network:
    """A /30 that overlaps no route and no address of the host (the default route aside)."""
    taken = []
    for line in run("ip", "-4", "route", "show", "table", "all", check=False).stdout.splitlines():
        words = line.split()
        if words and words[0] in {"unreachable", "blackhole", "prohibit", "local", "broadcast", "unicast"}:
            words = words[1:]
        if words and words[0] != "default":
            try:
                taken.append(ipaddress.ip_network(words[0], strict=False))
            except ValueError:
                pass
    for line in run("ip", "-4", "-o", "addr", "show", check=False).stdout.splitlines():
        m = re.search(r"inet (\S+)", line)
        if m:
            taken.append(ipaddress.ip_interface(m.group(1)).network)
    for pool in SUBNET_POOLS:
        # Start at a random /30 so two benches rarely even try the same one.
        subnets = list(pool.subnets(new_prefix=30))
        start = secrets.randbelow(len(subnets))
        for net in subnets[start:] + subnets[:start]:
            if not any(net.overlaps(t) for t in taken):
                return net
    raise RuntimeError("no free /30 for the NAS bench: every candidate overlaps a host route")


class NasBench:
    """A NAS serving MEDIA_DIR three ways: `rsync_url` (rsync daemon, read-only module `media`),
    `ssh_source` (sshd, key-only, as root@ADDR:/srv/media) and `mount` (sshfs on the host).

    Both daemons run in the network namespace `plexsh-nas-NAME`, reached over the veth pair
    `pxh-NAME` (host) / `pxn-NAME` (NAS); a tbf qdisc on the NAS side's egress limits downloads to
    RATE. Inside their own mount namespace the daemons see MEDIA_DIR at /srv/media, so a path that
    works only on the host is caught. Every step is written to state.json before it is taken, so
    down() undoes exactly what was done, also after a failed up() and from another process
    (`NasBench.load(name).down()`, scripts/nas-down).
    """

    def __init__(self, media_dir: Path | str, name: str | None = None, rate: str | None = "200mbit",
                 mount: Path | str | None = None, persistent: bool = False):
        self.name = name or secrets.token_hex(4)
        if not NAME_RE.match(self.name):
            raise ValueError(f"bench name {self.name!r}: 1-10 characters of a-z and 0-9")
        self.media_dir = Path(media_dir).resolve()
        self.rate = rate
        self.work = base_dir() / self.name
        self.mount = Path(mount).resolve() if mount else self.work / "mnt"
        self.netns = NETNS_PREFIX + self.name
        self.host_veth = HOST_VETH_PREFIX + self.name
        self.nas_veth = NAS_VETH_PREFIX + self.name
        self.fsname = FSNAME_PREFIX + self.name
        self.ssh_key = self.work / "id_ed25519"
        # A media folder already at /srv/media, or below /srv (which the daemons' tmpfs would hide), is
        # served where it is.
        remap = Path("/srv").is_dir() and not (self.media_dir == Path(NAS_PATH) or
                                               Path("/srv") in self.media_dir.parents)
        self.nas_path = NAS_PATH if remap else str(self.media_dir)
        self._remap = remap
        self.subnet: ipaddress.IPv4Network | None = None
        # Owner: the process whose crash makes this bench a leftover; None for a bench that outlives
        # its creator on purpose (scripts/nas-up).
        self.owner = None if persistent else os.getpid()
        self.state: dict = {"created": []}
        self.pids: dict[str, int] = {}
        # Our own children stay referenced, so they are collected and never reported as leaked.
        self._procs: dict[str, subprocess.Popen] = {}

    # -- addresses -----------------------------------------------------------------------------

    @property
    def address(self) -> str:
        """The NAS's address (the host side of the veth has the one below it)."""
        return str(self.subnet[2])

    @property
    def host_address(self) -> str:
        return str(self.subnet[1])

    @property
    def rsync_url(self) -> str:
        return f"rsync://{self.address}/media"

    @property
    def ssh_source(self) -> str:
        return f"root@{self.address}:{self.nas_path}"

    @property
    def known_hosts(self) -> Path:
        """A known_hosts file with the bench's host key (new for every bench)."""
        return self.work / "known_hosts"

    @property
    def ssh_options(self) -> list[str]:
        """ssh options that reach the bench's sshd without prompts or known_hosts entries."""
        return ["-i", str(self.ssh_key), "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
                "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=5"]

    @property
    def ssh_command(self) -> str:
        """For `rsync -e`: ssh with the bench's key and options."""
        return " ".join(["ssh", *self.ssh_options])

    # -- state ---------------------------------------------------------------------------------

    def _save(self) -> None:
        if not self.work.is_dir():
            return  # down() of a bench whose files are gone already
        state = dict(self.state, name=self.name, media_dir=str(self.media_dir), mount=str(self.mount),
                     rate=self.rate, owner=self.owner, nas_path=self.nas_path, remap=self._remap,
                     subnet=str(self.subnet) if self.subnet else None, pids=self.pids)
        tmp = self.work / "state.json.tmp"
        tmp.write_text(json.dumps(state, indent=1))
        tmp.replace(self.work / "state.json")

    def _record(self, what: str) -> None:
        """Write down WHAT before doing it: a crash in between leaves something down() will look for."""
        if what not in self.state["created"]:
            self.state["created"].append(what)
        self._save()

    @classmethod
    def load(cls, name: str) -> "NasBench":
        """The bench NAME as its state file describes it, or as far as its name alone tells."""
        work = base_dir() / name
        try:
            state = json.loads((work / "state.json").read_text())
        except (OSError, ValueError):
            state = {}
        bench = cls(state.get("media_dir") or work, name=name, rate=state.get("rate"),
                    mount=state.get("mount"))
        bench.owner = state.get("owner")
        bench.nas_path, bench._remap = state.get("nas_path", bench.nas_path), state.get("remap", False)
        bench.subnet = ipaddress.ip_network(state["subnet"]) if state.get("subnet") else None
        bench.pids = state.get("pids", {})
        # Without a state file assume everything may exist: down() checks each before removing it.
        bench.state = {"created": state.get("created") or ["netns", "veth", "route", "rsyncd", "sshd", "sshfs"]}
        return bench

    # -- up ------------------------------------------------------------------------------------

    def __enter__(self) -> "NasBench":
        self.up()
        return self

    def __exit__(self, *exc) -> None:
        self.down()

    def up(self) -> "NasBench":
        """Create the network, start both daemons, mount; on any failure undo what was done and raise."""
        reason = unavailable_reason()
        if reason:
            raise BenchUnavailable(reason)
        if not self.media_dir.is_dir():
            raise FileNotFoundError(f"media folder {self.media_dir} does not exist")
        if (self.work / "state.json").exists() or self.netns in netns_names():
            raise RuntimeError(f"a NAS bench named {self.name} exists already (scripts/nas-down --name {self.name})")
        self.work.mkdir(parents=True, exist_ok=True)
        os.chmod(self.work, 0o700)
        self._save()
        try:
            self._network()
            self._keys()
            self.start_rsyncd()
            self.start_sshd()
            self._mount()
        except BaseException:
            self.down()
            raise
        return self

    def _network(self) -> None:
        self._record("netns")
        result = run("ip", "netns", "add", self.netns, check=False)
        if result.returncode != 0:
            raise BenchUnavailable(f"network namespaces (ip netns add: {result.stderr.strip()})")
        run("ip", "-n", self.netns, "link", "set", "lo", "up")
        with _locked():
            self.subnet = _free_subnet()
            self._record("veth")
            run("ip", "link", "add", self.host_veth, "type", "veth", "peer", "name", self.nas_veth,
                "netns", self.netns)
            run("ip", "addr", "add", f"{self.host_address}/30", "dev", self.host_veth)
        run("ip", "-n", self.netns, "addr", "add", f"{self.address}/30", "dev", self.nas_veth)
        # Should the connected route vanish (the host side taken down by hand), this keeps packets for
        # the bench on this machine instead of following the default route out.
        self._record("route")
        run("ip", "route", "add", "unreachable", str(self.subnet), "metric", "4000", "proto", ROUTE_PROTO)
        run("ip", "link", "set", self.host_veth, "up")
        run("ip", "-n", self.netns, "link", "set", self.nas_veth, "up")
        if self.rate:
            self.set_rate(self.rate)

    def _keys(self) -> None:
        for key in (self.ssh_key, self.work / "ssh_host_ed25519_key"):
            if not key.exists():
                run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"plexsh-nas-{self.name}", "-f", str(key))
        shutil.copy(self.work / "id_ed25519.pub", self.work / "authorized_keys")
        # For clients that check host keys (plexsh's own ssh runs with BatchMode and no policy of its own).
        host_key = (self.work / "ssh_host_ed25519_key.pub").read_text().split()
        self.known_hosts.write_text(f"{self.address} {host_key[0]} {host_key[1]}\n")
        (self.work / "rsyncd.conf").write_text(
            "use chroot = no\nuid = 0\ngid = 0\n"
            f"pid file = {self.work / 'rsyncd.pid'}\n"
            "[media]\n"
            f"path = {self.nas_path}\n"
            "read only = yes\n")
        (self.work / "sshd_config").write_text(
            f"ListenAddress {self.address}\nPort {SSH_PORT}\n"
            f"HostKey {self.work / 'ssh_host_ed25519_key'}\n"
            f"PidFile {self.work / 'sshd.pid'}\n"
            f"AuthorizedKeysFile {self.work / 'authorized_keys'}\n"
            "PermitRootLogin prohibit-password\nPubkeyAuthentication yes\nPasswordAuthentication no\n"
            "KbdInteractiveAuthentication no\nUsePAM no\n"
            # The keys live in a temporary folder that sshd's ownership checks would refuse.
            "StrictModes no\n"
            "PrintMotd no\nSubsystem sftp internal-sftp\n"
            # Dead clients go away soon, so a killed link does not leave sessions behind for long.
            "ClientAliveInterval 5\nClientAliveCountMax 2\n")

    def _in_netns(self, what: str, argv: list[str]) -> int:
        """Start ARGV inside the bench's namespace, detached from us (it outlives scripts/nas-up),
        in a mount namespace of its own where the media folder is at /srv/media."""
        # `ip netns exec` already gives the command a private mount namespace (slave to the host's),
        # so the tmpfs over /srv and the bind mount stay invisible to the host and end with the daemon.
        setup = "mkdir -p /run/sshd; "
        if self._remap:
            setup += (f"mount -t tmpfs -o size=64k,mode=755 {self.fsname} /srv && mkdir /srv/media && "
                      f"mount --bind \"$0\" /srv/media || exit 111; ")
        with open(self.work / f"{what}.log", "ab") as out:
            proc = self._procs[what] = subprocess.Popen(
                ["ip", "netns", "exec", self.netns, "sh", "-c", setup + 'exec "$@"', str(self.media_dir), *argv],
                stdin=subprocess.DEVNULL, stdout=out, stderr=out, start_new_session=True, close_fds=True)
        return proc.pid

    def _wait_listening(self, port: int, pid: int, what: str) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            try:
                socket.create_connection((self.address, port), timeout=1).close()
                return
            except OSError:
                if not _alive(pid):
                    break
                time.sleep(0.02)
        log = (self.work / f"{what}.log").read_text(errors="replace")[-2000:]
        raise RuntimeError(f"{what} did not listen on {self.address}:{port}: {log.strip() or 'no log'}")

    def _mount(self) -> None:
        if not os.path.lexists(self.mount):
            self._record("mountdir")
            self.mount.mkdir(parents=True)
        # fusectl gives the abort switch (abort_fuse, and down() freeing readers of a dead mount).
        if not any(fstype == "fusectl" for _, _, fstype, _ in mounts()) and FUSECTL.is_dir():
            run("mount", "-t", "fusectl", "none", str(FUSECTL), check=False)
        self._record("sshfs")
        opts = ",".join([
            f"fsname={self.fsname}", "reconnect", "ServerAliveInterval=2", "ServerAliveCountMax=2",
            "ConnectTimeout=5", f"IdentityFile={self.ssh_key}", "IdentitiesOnly=yes", "BatchMode=yes",
            "StrictHostKeyChecking=no", "UserKnownHostsFile=/dev/null", "LogLevel=ERROR",
            # Other local users (a plexsh not run as root) may read it; the NAS's modes still apply.
            "allow_other", "default_permissions"])
        with open(self.work / "sshfs.log", "ab") as out:
            # -f: sshfs stays our child, so its pid is known and no daemonizing can hide a failure.
            proc = self._procs["sshfs"] = subprocess.Popen(["sshfs", "-f", "-o", opts, f"root@{self.address}:{self.nas_path}", str(self.mount)],
                                    stdin=subprocess.DEVNULL, stdout=out, stderr=out, start_new_session=True)
        self.pids["sshfs"] = proc.pid
        self._save()
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._mount_entry():
                # The mount shows before sshfs serves it, and an sshd killed in between takes sshfs
                # down with it, reconnect or not (seen with sshfs 3.7): wait for a first answer. In a
                # child, with a timeout, since a reader of a FUSE mount can hang beyond any signal.
                answer = run_may_hang(["ls", str(self.mount)], timeout=max(1.0, deadline - time.monotonic()))
                if answer is not None and answer.returncode == 0:
                    return
                break
            if not _alive(proc.pid):
                break
            time.sleep(0.02)
        log = (self.work / "sshfs.log").read_text(errors="replace")[-2000:]
        raise RuntimeError(f"sshfs did not mount {self.mount}: {log.strip() or 'no log'}")

    def _mount_entry(self) -> tuple[str, str, str, str] | None:
        for row in mounts():
            if row[1] == str(self.mount) and row[3] == self.fsname:
                return row
        return None

    # -- faults ----------------------------------------------------------------------------------

    def link_down(self) -> None:
        """Pull the cable: the NAS side goes down, the host side loses its carrier (and its route
        stays, so nothing is sent anywhere else)."""
        run("ip", "-n", self.netns, "link", "set", self.nas_veth, "down")

    def link_up(self) -> None:
        run("ip", "-n", self.netns, "link", "set", self.nas_veth, "up")
        # Wait for the carrier on the host side, so the caller's next connection does not race it.
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and "NO-CARRIER" in run("ip", "link", "show", self.host_veth).stdout:
            time.sleep(0.02)
        # Connections tried while the cable was out left the NAS's neighbour entry FAILED, and the
        # kernel answers "No route to host" until it expires (seconds, longer on a busy machine):
        # forget it, then wait until the NAS answers, as a NAS whose link came back would.
        run("ip", "neigh", "flush", "dev", self.host_veth, check=False)
        self._wait_answering(SSH_PORT)

    def _wait_answering(self, port: int) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                socket.create_connection((self.address, port), timeout=1).close()
                return
            except OSError as error:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the NAS did not answer on port {port} after the link came back: {error}")
                time.sleep(0.05)

    def _kill_daemon(self, what: str) -> None:
        pid = self.pids.pop(what, None)
        if pid and _alive(pid) and self._is_ours(pid, what):
            kill_pids(_tree(pid))
        self._save()

    def _is_ours(self, pid: int, what: str) -> bool:
        """Guards against a recycled pid: ours carry the bench's config or fsname on their command line."""
        cmd = _cmdline(pid)
        marker = {"rsyncd": str(self.work / "rsyncd.conf"), "sshd": str(self.work / "sshd_config"),
                  "sshfs": f"fsname={self.fsname}"}[what]
        return marker in cmd

    def kill_rsyncd(self) -> None:
        """The rsync daemon dies, with the transfers it serves."""
        self._kill_daemon("rsyncd")

    def start_rsyncd(self) -> None:
        if self.pids.get("rsyncd") and _alive(self.pids["rsyncd"]):
            return
        self._record("rsyncd")
        (self.work / "rsyncd.pid").unlink(missing_ok=True)
        pid = self._in_netns("rsyncd", ["rsync", "--daemon", "--no-detach", f"--config={self.work / 'rsyncd.conf'}",
                              f"--address={self.address}", f"--port={RSYNC_PORT}",
                              f"--log-file={self.work / 'rsyncd.log'}"])
        self.pids["rsyncd"] = pid
        self._save()
        self._wait_listening(RSYNC_PORT, pid, "rsyncd")

    def kill_sshd(self) -> None:
        """sshd dies, with every session it serves (an rsync over ssh, the sshfs connection)."""
        self._kill_daemon("sshd")

    def start_sshd(self) -> None:
        if self.pids.get("sshd") and _alive(self.pids["sshd"]):
            return
        self._record("sshd")
        # sshd re-executes itself, so it must be started by its absolute path.
        pid = self._in_netns("sshd", ["/usr/sbin/sshd", "-D", "-e", "-f", str(self.work / "sshd_config")])
        self.pids["sshd"] = pid
        self._save()
        self._wait_listening(SSH_PORT, pid, "sshd")

    def fuse_connection(self) -> Path | None:
        """/sys/fs/fuse/connections/N of the mount: N is the minor of its device number."""
        row = self._mount_entry()
        if row is None:
            return None
        return FUSECTL / row[0].split(":")[1]

    def abort_fuse(self) -> None:
        """Abort the FUSE connection: every pending and later request fails (ENOTCONN), which also
        frees readers stuck in uninterruptible sleep on a dead mount."""
        conn = self.fuse_connection()
        if conn is None:
            raise RuntimeError(f"{self.mount} is not mounted")
        if not conn.exists():
            raise RuntimeError(f"{conn} does not exist (is fusectl mounted at {FUSECTL}?)")
        (conn / "abort").write_text("1")

    def _unmount(self) -> None:
        # Abort first: neither umount nor killing sshfs can hang on a connection that is already dead.
        for row in mounts():
            if row[3] == self.fsname or (row[1] == str(self.mount) and row[2].startswith("fuse")):
                abort = FUSECTL / row[0].split(":")[1] / "abort"
                if abort.exists():
                    try:
                        abort.write_text("1")
                    except OSError:
                        pass
                run("umount", "-l", row[1], check=False)
        pid = self.pids.pop("sshfs", None)
        targets = [pid] if pid and _alive(pid) and self._is_ours(pid, "sshfs") else []
        # A crashed run's sshfs is found by the fsname on its command line.
        marker = f"fsname={self.fsname},"
        for entry in os.scandir("/proc"):
            if entry.name.isdigit() and int(entry.name) not in targets and marker in _cmdline(int(entry.name)):
                targets.append(int(entry.name))
        kill_pids([p for t in targets for p in _tree(t)])

    def remount(self) -> None:
        """A fresh sshfs mount at the same place (after abort_fuse, or a dead connection)."""
        self._unmount()
        self._save()
        self._mount()

    def set_rate(self, rate: str | None) -> None:
        """Limit NAS-to-host traffic to RATE ("200mbit"), or remove the limit (None)."""
        if rate:
            run("tc", "-n", self.netns, "qdisc", "replace", "dev", self.nas_veth, "root", "tbf", *_rate_args(rate))
        else:
            run("tc", "-n", self.netns, "qdisc", "del", "dev", self.nas_veth, "root", check=False)
        self.rate = rate
        self._save()

    # -- down ------------------------------------------------------------------------------------

    def down(self) -> list[str]:
        """Undo everything up() did, in reverse, each step whether or not the others worked.
        Safe to call again. Returns what could not be removed (empty when all is gone)."""
        problems: list[str] = []
        created = self.state.get("created", [])

        def step(what: str, fn) -> None:
            try:
                fn()
            except Exception as exc:  # every later step still runs
                problems.append(f"{what}: {exc}")

        if "sshfs" in created or self._mount_entry():
            step("sshfs", self._unmount)
        if self.netns in netns_names():
            # Every process in the namespace: both daemons, their sessions and transfers.
            pids = [int(p) for p in run("ip", "netns", "pids", self.netns, check=False).stdout.split()]
            stuck = kill_pids(pids)
            if stuck:
                problems.append(f"processes {stuck} in {self.netns} did not die")
        for what in ("rsyncd", "sshd"):
            step(what, lambda w=what: self._kill_daemon(w) if w in self.pids else None)
        if self.subnet is None and self.host_veth in link_names():
            # No state file: the veth's own address tells which guard route is ours.
            m = re.search(r"inet (\S+)", run("ip", "-4", "-o", "addr", "show", "dev", self.host_veth, check=False).stdout)
            if m:
                self.subnet = ipaddress.ip_interface(m.group(1)).network
        if self.host_veth in link_names():
            # Deleting the namespace also removes the veth, but asynchronously: remove it ourselves.
            step("veth", lambda: run("ip", "link", "del", self.host_veth))
        if "route" in created:
            subnets = [str(self.subnet)] if self.subnet else []
            for net in subnets:
                run("ip", "route", "del", "unreachable", net, "metric", "4000", "proto", ROUTE_PROTO, check=False)
        if self.netns in netns_names():
            step("netns", lambda: run("ip", "netns", "del", self.netns))
        if "mountdir" in created and self.mount != self.work / "mnt":
            step("mount point", self._remove_mount_point)
        self.state["created"] = []
        step("files", self._remove_files)
        return problems

    def _remove_mount_point(self) -> None:
        if not any(row[1] == str(self.mount) for row in mounts()) and self.mount.is_dir():
            self.mount.rmdir()  # only when empty: it is the folder up() made

    def _remove_files(self) -> None:
        """Remove the bench's own files one by one: never a recursive delete, which through a mount
        that is still there would delete the NAS's media."""
        if not self.work.is_dir():
            return
        for row in mounts():
            if row[1] == str(self.work) or row[1].startswith(str(self.work) + "/"):
                raise RuntimeError(f"{row[1]} is still mounted; leaving {self.work}")
        for entry in os.scandir(self.work):
            if entry.is_file(follow_symlinks=False) or entry.is_symlink():
                os.unlink(entry.path)
        mnt = self.work / "mnt"
        if mnt.is_dir() and not os.path.ismount(mnt):
            mnt.rmdir()
        self.work.rmdir()


def orphan_routes() -> list[str]:
    """Guard routes of benches whose veth is gone (a crashed run without its state file)."""
    used = set()
    for line in run("ip", "-4", "-o", "addr", "show", check=False).stdout.splitlines():
        m = re.search(r"^\d+: (\S+?)(?:@\S+)?\s+inet (\S+)", line)
        if m and m.group(1).startswith(HOST_VETH_PREFIX):
            used.add(str(ipaddress.ip_interface(m.group(2)).network))
    routes = run("ip", "-4", "route", "show", "proto", ROUTE_PROTO, check=False).stdout.split("\n")
    return [r.split()[1] for r in routes if r.startswith("unreachable ") and r.split()[1] not in used]


def remove_orphan_routes() -> None:
    for net in orphan_routes():
        run("ip", "route", "del", "unreachable", net, "metric", "4000", "proto", ROUTE_PROTO, check=False)


def leftovers(include_live: bool = False) -> list[str]:
    """Names of benches on this machine found by their names (netns, veth, mounts, state folders).
    Benches whose owning process is alive (another test run) are left out unless INCLUDE_LIVE;
    so are those made by scripts/nas-up (no owner), which only --all or their name removes."""
    names = {n[len(NETNS_PREFIX):] for n in netns_names() if n.startswith(NETNS_PREFIX)}
    names |= {n[len(HOST_VETH_PREFIX):] for n in link_names() if n.startswith(HOST_VETH_PREFIX)}
    names |= {src[len(FSNAME_PREFIX):] for _, _, _, src in mounts() if src.startswith(FSNAME_PREFIX)}
    if base_dir().is_dir():
        names |= {e.name for e in os.scandir(base_dir()) if e.is_dir() and NAME_RE.match(e.name)}
    found = []
    for name in sorted(n for n in names if NAME_RE.match(n)):
        if include_live:
            found.append(name)
            continue
        try:
            owner = json.loads((base_dir() / name / "state.json").read_text()).get("owner", 0)
        except (OSError, ValueError):
            owner = 0  # no state: nobody can be using it as a bench
        if owner is not None and (owner == 0 or not _alive(owner)):
            found.append(name)
    return found
