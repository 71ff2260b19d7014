"""Distributions from grouped counts: the pure arithmetic behind every report, no database.

Reports never give a lone mean: a categorical answer is shown as counts per level, a number as
its quartiles and a histogram. The database groups observations by value (`{value: count}`);
these functions turn those counts into the figures, so no report walks observations one by one.
"""
from math import floor

# Histogram bin widths to choose from: whole numbers a reader takes in at a glance (for timers,
# they are also round numbers of seconds: 1, 2, 5, 10, 15, 30 s, 1, 2, 5, 10, 15, 30 min, 1 h...).
NICE_WIDTHS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 18000, 36000, 86400)
MAX_BINS = 12


def quantile(counts: dict, p: float) -> float | None:
    """The `p` quantile (0..1) of the values counted in `counts` ({value: how many}), by linear
    interpolation between the two nearest ranks (the "inclusive" method of Python's statistics
    module and R's type 7); None when nothing was counted."""
    n = sum(counts.values())
    if n == 0:
        return None
    position = p * (n - 1)
    below, fraction = int(floor(position)), position - floor(position)
    lower, upper = _value_at(counts, below), _value_at(counts, min(below + 1, n - 1))
    result = lower + (upper - lower) * fraction
    return int(result) if float(result).is_integer() else round(result, 2)


def _value_at(counts: dict, rank: int):
    """The value at 0-based `rank` of the counted values in ascending order."""
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        if seen > rank:
            return value
    raise IndexError(rank)


def quartiles(counts: dict) -> dict | None:
    """{min, q1, median, q3, max} of the counted values; None when there are none."""
    if not any(counts.values()):
        return None
    present = [value for value, count in counts.items() if count]
    return {"min": min(present), "q1": quantile(counts, 0.25), "median": quantile(counts, 0.5),
            "q3": quantile(counts, 0.75), "max": max(present)}


def bin_width(low: int, high: int) -> int:
    """The smallest NICE_WIDTHS width that covers low..high (whole numbers) in at most MAX_BINS bins."""
    for width in NICE_WIDTHS:
        if high // width - low // width + 1 <= MAX_BINS:
            return width
    return NICE_WIDTHS[-1] * (((high - low) // (NICE_WIDTHS[-1] * MAX_BINS)) + 1)


def histogram(counts: dict, width: int, low: int, high: int) -> list[dict]:
    """Bins [from, to) of `width` covering low..high, each with how many counted values fall in it.
    Every group of a report gets the same bins (from the overall low and high), so bars compare."""
    first = (low // width) * width
    bins = [{"from": start, "to": start + width, "count": 0} for start in range(first, high + 1, width)]
    for value, count in counts.items():
        bins[(value - first) // width]["count"] += count
    return bins


def level_counts(counts: dict, levels: list) -> list[dict]:
    """Counts for each of `levels` ([(value, label)]), in the levels' order, zero where none."""
    return [{"level": label, "count": counts.get(value, 0)} for value, label in levels]
