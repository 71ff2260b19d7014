"""Hybrid logical clocks: "<ms since epoch, 15 digits>:<counter, 5 digits>:<node>".

Fixed widths make string order equal time order, and the node (a device id, or "server") breaks
ties, so any two distinct clocks compare the same way on every replica.
"""
import re
import time
from dataclasses import dataclass

# [0-9], not \d: \d matches any Unicode digit, which would parse but sort after every clock.
PATTERN = re.compile(r"([0-9]{15}):([0-9]{5}):([0-9a-z-]{1,64})\Z")
MAX_COUNTER = 99_999
SERVER_NODE = "server"


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def format_hlc(ms: int, counter: int, node: str) -> str:
    return f"{ms:015d}:{counter:05d}:{node}"


def parse(hlc: str) -> tuple[int, int, str]:
    """(physical ms, counter, node); ValueError unless `hlc` is well formed."""
    match = PATTERN.match(hlc) if isinstance(hlc, str) else None
    if match is None:
        raise ValueError("Not a hybrid logical clock: expected '<15 digits>:<5 digits>:<node>'.")
    return int(match[1]), int(match[2]), match[3]


def clamp(hlc: str, server_ms: int, max_ahead_ms: int = 5 * 60 * 1000) -> tuple[str, bool]:
    """Return `hlc` with a physical part more than `max_ahead_ms` ahead of `server_ms` pulled
    back to `server_ms`, and whether it was changed. A device whose clock runs a year ahead must
    not win every conflict for a year."""
    ms, counter, node = parse(hlc)
    if ms > server_ms + max_ahead_ms:
        return format_hlc(server_ms, counter, node), True
    return hlc, False


@dataclass
class Clock:
    """A replica's clock: `tick()` stamps a local event, `observe()` takes in a remote clock.

    `physical` returns the wall clock in ms; tests give a fake one.
    """

    node: str
    physical: callable = now_ms
    ms: int = 0
    counter: int = 0

    def tick(self) -> str:
        wall = self.physical()
        if wall > self.ms:
            self.ms, self.counter = wall, 0
        else:
            self._advance_counter()
        return format_hlc(self.ms, self.counter, self.node)

    def observe(self, remote: str) -> None:
        """Keep max(local, remote) so that later local events sort after what was seen."""
        ms, counter, _node = parse(remote)
        if (ms, counter) > (self.ms, self.counter):
            self.ms, self.counter = ms, counter

    def _advance_counter(self) -> None:
        if self.counter < MAX_COUNTER:
            self.counter += 1
        else:
            # Counter exhausted within one millisecond: borrow the next millisecond.
            self.ms, self.counter = self.ms + 1, 0
