"""Sizes mean one thing everywhere: 4G, 4GB, 4GiB and 4g are 4 * 2**30 bytes, as `ls -h` prints them."""

import pytest

from conftest import ONE_EACH, run_plexsh, write_config, write_tree
from plexsh.config import load_config
from plexsh.engine import copier
from plexsh.lang.parser import parse
from plexsh.sizes import format_size, parse_size

GIB = 2**30


@pytest.mark.parametrize("spellings, value", [
    (("4G", "4GB", "4GiB", "4g", "4gb", "4gib", "4 GB"), 4 * GIB),
    (("64K", "64KB", "64KiB", "64k"), 64 * 2**10),
    (("700M", "700MB", "700MiB", "700m"), 700 * 2**20),
    (("2T", "2TB", "2TiB"), 2 * 2**40),
    (("4096", "4096b", "4096B"), 4096),
])
def test_every_spelling_of_a_unit_means_the_same_power_of_1024(spellings, value):
    assert {parse_size(s) for s in spellings} == {value}


def test_a_size_in_a_command_a_config_and_the_copier_means_the_same_bytes(tmp_path):
    assert parse("ls size<4GB").commands[0].filters[0].value == 4 * GIB
    assert parse("get heat bwlimit 4GB").commands[0].bwlimit == 4 * GIB
    config = tmp_path / "config.yaml"
    config.write_text("sync: {bandwidth_limit: 4GB}\nlogging: {max_size: 10MB}\n")
    loaded = load_config(config)
    assert (loaded.sync.bandwidth_limit, loaded.logging.max_size) == (4 * GIB, 10 * 2**20)
    assert copier.parse_args(["--bwlimit", "4GB", "a", "b"]).bwlimit == 4 * GIB


def test_what_format_size_prints_reads_back_as_the_same_amount():
    for size in (1536, 700 * 2**20, int(3.9 * GIB), 2 * 2**40):
        number, unit = format_size(size).split()
        assert abs(parse_size(number + unit) - size) <= 0.05 * 2 ** (10 * ("B KiB MiB GiB TiB".split().index(unit)))


@pytest.mark.parametrize("bad, says", [
    ("5 parsecs", "not a size: '5 parsecs' (try 700M, 4G or 1.5GiB)"),
    ("9999999T", "too large (at most 8 EiB)"),
])
def test_a_bad_size_says_what_sizes_look_like(bad, says):
    with pytest.raises(ValueError) as error:
        parse_size(bad)
    assert says in str(error.value)


def test_a_film_listed_as_3_9_gib_passes_size_below_4gb(home, tmp_path):
    nas = tmp_path / "nas"
    write_tree(nas, {"Movies/Big (1988)/Big (1988).mkv": int(3.9 * GIB),
                     "Movies/Huge (2001)/Huge (2001).mkv": int(4.1 * GIB),
                     "TV/Fargo/Season 01/Fargo - S01E01.mkv": 1000})
    write_config(home, nas, folders=ONE_EACH)
    assert run_plexsh("-c", "scan").returncode == 0
    listed = run_plexsh("-c", "ls movies")
    assert "3.9 GiB" in listed.stdout and "4.1 GiB" in listed.stdout
    small = run_plexsh("-c", "ls movies size<4GB")
    assert small.returncode == 0, small.stderr
    assert "Big" in small.stdout and "Huge" not in small.stdout
    assert run_plexsh("-c", "ls movies size<4G").stdout == small.stdout
    assert run_plexsh("-c", "ls movies size<4GiB").stdout == small.stdout
