"""Two plexsh at once on one home: a second one never takes the first one's running copies for orphans."""

from __future__ import annotations

import json
import subprocess
import sys
import time

from conftest import REPO, plexsh_env, run_plexsh


def test_a_second_plexsh_leaves_a_running_copy_of_the_first_alone(scanned):
    first = subprocess.Popen([sys.executable, "-m", "plexsh", "--json", "-c", 'get "Blade Runner 2049" bwlimit 200K'],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=plexsh_env(), cwd=REPO)
    try:
        deadline = time.monotonic() + 60
        while True:  # until the first plexsh's copy is under way
            (jobs,) = [json.loads(line) for line in run_plexsh("--json", "-c", "jobs").stdout.splitlines()]
            assert "jobs" in jobs, jobs  # `jobs` must answer while another plexsh copies
            if any(j["state"] == "running" and j["bytes_done"] > 0 for j in jobs["jobs"]):
                break
            assert time.monotonic() < deadline and first.poll() is None, first.communicate()
            time.sleep(0.2)
        second = run_plexsh("-c", "jobs", "-c", "status")  # opening the job store again, as any command does
        assert second.returncode == 0, second.stderr
        out, err = first.communicate(timeout=120)
    finally:
        if first.poll() is None:
            first.kill()

    assert first.returncode == 0, out + err
    (reply,) = [json.loads(line) for line in out.splitlines()]
    (job,) = reply["jobs"]
    assert job["state"] == "done" and job["attempts"] == 1, job  # never killed and retried
