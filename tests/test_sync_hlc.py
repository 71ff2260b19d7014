"""Hybrid logical clocks (sync.hlc): the string form, its order, the server's clamp, and a
replica's clock. No database."""
import pytest
from hypothesis import given, strategies as st

from sync.hlc import MAX_COUNTER, Clock, clamp, format_hlc, parse

FIVE_MINUTES = 5 * 60 * 1000
DEVICE = "0b6e0f4c-8f2a-4a6e-9d1c-2f7a1e5b3c9d"

milliseconds = st.integers(0, 10**15 - 1)
counters = st.integers(0, MAX_COUNTER)
nodes = st.text("0123456789abcdefghijklmnopqrstuvwxyz-", min_size=1, max_size=64)
# Realistic wall clocks: far from the 15-digit limit, so borrowing a millisecond stays in range.
wall_clocks = st.integers(1_600_000_000_000, 2_000_000_000_000)


class FakeWallClock:
    """A wall clock the test sets by hand (it may stand still or go backwards)."""

    def __init__(self, ms: int):
        self.ms = ms

    def __call__(self) -> int:
        return self.ms


@given(milliseconds, counters, nodes)
def test_format_and_parse_round_trip(ms, counter, node):
    assert parse(format_hlc(ms, counter, node)) == (ms, counter, node)


def test_the_wire_form_has_fixed_widths():
    assert format_hlc(1_700_000_000_000, 7, DEVICE) == f"001700000000000:00007:{DEVICE}"


@pytest.mark.parametrize("malformed", [
    "01700000000000:00007:abc",       # 14-digit physical part
    "0017000000000000:00007:abc",     # 16-digit physical part
    "001700000000000:0007:abc",       # 4-digit counter
    "001700000000000:000007:abc",     # 6-digit counter
    "001700000000000:00007",          # no node
    "001700000000000:00007:",         # empty node
    "001700000000000::abc",           # no counter
    ":00007:abc",                     # no physical part
    "001700000000000-00007-abc",      # wrong separators
    "001700000000000:00007:ABC",      # uppercase node
    "001700000000000:00007:" + DEVICE.upper(),
    "001700000000000:00007:abc\n",    # trailing newline
    " 001700000000000:00007:abc",     # leading space
    "001700000000000:00007:abc def",  # space in node
    "001700000000000:00007:" + "a" * 65,  # node too long
    "",
])
def test_malformed_clock_strings_are_refused(malformed):
    with pytest.raises(ValueError, match="Not a hybrid logical clock"):
        parse(malformed)


@pytest.mark.parametrize("not_a_string", [None, 1_700_000_000_000, b"001700000000000:00007:abc",
                                          ["001700000000000:00007:abc"], {"hlc": "x"}])
def test_non_strings_are_refused(not_a_string):
    with pytest.raises(ValueError):
        parse(not_a_string)


@pytest.mark.parametrize("non_ascii", [
    "\u0660" * 15 + ":00000:abc",                  # Arabic-Indic zeros
    "000000000000000:" + "\uff10" * 5 + ":abc",    # fullwidth zeros in the counter
], ids=["arabic-indic-ms", "fullwidth-counter"])
def test_only_ascii_digits_are_accepted(non_ascii):
    with pytest.raises(ValueError):
        parse(non_ascii)


@given(st.tuples(milliseconds, counters, nodes), st.tuples(milliseconds, counters, nodes))
def test_string_order_is_time_order_then_node(a, b):
    assert (format_hlc(*a) < format_hlc(*b)) == (a < b)
    assert (format_hlc(*a) == format_hlc(*b)) == (a == b)


def test_clamp_pulls_a_clock_more_than_five_minutes_ahead_back_to_server_time():
    server = 1_700_000_000_000
    ahead = format_hlc(server + FIVE_MINUTES + 1, 3, DEVICE)
    assert clamp(ahead, server) == (format_hlc(server, 3, DEVICE), True)


def test_clamp_pulls_back_a_clock_a_year_ahead():
    server = 1_700_000_000_000
    year_ahead = format_hlc(server + 365 * 24 * 3600 * 1000, 0, DEVICE)
    assert clamp(year_ahead, server) == (format_hlc(server, 0, DEVICE), True)


@pytest.mark.parametrize("offset", [FIVE_MINUTES, FIVE_MINUTES - 1, 0, -1, -10 * FIVE_MINUTES])
def test_clamp_leaves_clocks_at_most_five_minutes_ahead_alone(offset):
    server = 1_700_000_000_000
    clock = format_hlc(server + offset, 42, DEVICE)
    assert clamp(clock, server) == (clock, False)


def test_clamp_refuses_a_malformed_clock():
    with pytest.raises(ValueError):
        clamp("tomorrow", 1_700_000_000_000)


@given(wall_clocks, st.lists(st.integers(-5_000, 5_000), min_size=1, max_size=50))
def test_tick_is_strictly_increasing_whatever_the_wall_clock_does(start, steps):
    wall = FakeWallClock(start)
    clock = Clock(DEVICE, physical=wall)
    stamps = [clock.tick()]
    for step in steps:
        wall.ms += step  # forwards, standing still (0) or backwards
        stamps.append(clock.tick())
    assert all(earlier < later for earlier, later in zip(stamps, stamps[1:]))
    assert all(parse(stamp)[2] == DEVICE for stamp in stamps)


def test_tick_follows_the_wall_clock_when_it_moves_forward():
    wall = FakeWallClock(1_700_000_000_000)
    clock = Clock(DEVICE, physical=wall)
    assert clock.tick() == format_hlc(1_700_000_000_000, 0, DEVICE)
    wall.ms += 1
    assert clock.tick() == format_hlc(1_700_000_000_001, 0, DEVICE)


def test_tick_counts_when_the_wall_clock_stands_still_or_goes_back():
    wall = FakeWallClock(1_700_000_000_000)
    clock = Clock(DEVICE, physical=wall)
    clock.tick()
    assert clock.tick() == format_hlc(1_700_000_000_000, 1, DEVICE)
    wall.ms -= 60_000
    assert clock.tick() == format_hlc(1_700_000_000_000, 2, DEVICE)


def test_counter_overflow_borrows_the_next_millisecond():
    wall = FakeWallClock(1_700_000_000_000)
    clock = Clock(DEVICE, physical=wall, ms=1_700_000_000_000, counter=MAX_COUNTER - 1)
    assert clock.tick() == format_hlc(1_700_000_000_000, MAX_COUNTER, DEVICE)
    assert clock.tick() == format_hlc(1_700_000_000_001, 0, DEVICE)
    assert clock.tick() == format_hlc(1_700_000_000_001, 1, DEVICE)


def test_the_default_clock_reads_the_real_wall_clock():
    before = Clock(DEVICE).tick()
    assert parse(before)[0] > 1_600_000_000_000
    assert parse(before)[2] == DEVICE


@given(wall_clocks, st.integers(-10**7, 10**7), counters, st.sampled_from(["a", "server", "z" * 64]))
def test_the_tick_after_observing_a_remote_clock_sorts_after_it(wall_ms, skew, remote_counter, remote_node):
    clock = Clock(DEVICE, physical=FakeWallClock(wall_ms))
    clock.tick()
    remote = format_hlc(wall_ms + skew, remote_counter, remote_node)
    clock.observe(remote)
    assert clock.tick() > remote


def test_observing_an_older_clock_changes_nothing():
    clock = Clock(DEVICE, physical=FakeWallClock(1_700_000_000_000))
    clock.tick()
    clock.observe(format_hlc(1_600_000_000_000, 9, "server"))
    assert clock.tick() == format_hlc(1_700_000_000_000, 1, DEVICE)


def test_observe_refuses_a_malformed_clock():
    with pytest.raises(ValueError):
        Clock(DEVICE).observe("later")
