"""Inter-rater agreement on look-fors: how alike observers who watched the same lessons scored them.

Pure functions on plain data; no database. A *unit* is one co-observed lesson; its ratings are
the values the lesson's observers gave one look-for (None where an observer left it blank).

- `code(lookfor, value)`: a look-for value as a number the statistics use, or None.
- `exact_agreement`, `adjacent_agreement`, `cohen_kappa` take pairs of coded values (one pair
  per lesson both observers rated); `krippendorff_alpha` takes units of any number of ratings.
- `lookfor_agreement(lookfor, units)` and `pair_agreement(lookfor, pairs)` give every figure
  that applies to the look-for's kind, each with its n, and a reading in plain words.

Levels of measurement: yes/no is nominal, a scale ordinal (its levels in order), counts and
timers interval. Free-text look-fors have no agreement figures. A figure that cannot be computed
(no lesson rated by two observers; every rating the same, so chance agreement is already
complete) is None, and the reading says why.
"""
import math
from collections import Counter
from itertools import combinations

import krippendorff
import numpy as np

LEVEL_OF_MEASUREMENT = {"yes_no": "nominal", "scale": "ordinal", "count": "interval", "timer": "interval"}
# Krippendorff's own guide: rely on alpha >= .800, draw tentative conclusions from .667 up.
RELIABLE, TENTATIVE = 0.800, 0.667
# Below this many lessons the figures are shown but read as a first impression.
FEW_LESSONS = 5


def rated(lookfor: dict) -> bool:
    """True if the look-for's kind has agreement figures (every kind but free text)."""
    return lookfor["kind"] in LEVEL_OF_MEASUREMENT


def code(lookfor: dict, value):
    """The number a value stands for: yes 1 / no 0; a scale's level by its position; a count or a
    timer's seconds as they are. None for a blank, or a value that does not fit the kind."""
    kind = lookfor["kind"]
    if value is None:
        return None
    if kind == "yes_no":
        return int(value) if isinstance(value, bool) else None
    if kind == "scale":
        levels = lookfor.get("levels") or []
        return levels.index(value) if value in levels else None
    if kind in ("count", "timer"):
        return value if isinstance(value, int) and not isinstance(value, bool) else None
    return None


def _share(hits: int, n: int) -> float | None:
    return hits / n if n else None


def exact_agreement(pairs) -> float | None:
    """Share of pairs with the same value."""
    pairs = list(pairs)
    return _share(sum(a == b for a, b in pairs), len(pairs))


def adjacent_agreement(pairs) -> float | None:
    """Share of pairs at most one scale level apart (exact agreement included)."""
    pairs = list(pairs)
    return _share(sum(abs(a - b) <= 1 for a, b in pairs), len(pairs))


def cohen_kappa(pairs) -> float | None:
    """Cohen's (1960) kappa for two raters: (p_o - p_e) / (1 - p_e), p_e from each rater's own
    marginal shares. None with no pairs, or when p_e is 1 (both always gave the one same value)."""
    pairs = list(pairs)
    n = len(pairs)
    if not n:
        return None
    observed = sum(a == b for a, b in pairs) / n
    first, second = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    expected = sum(first[value] * second[value] for value in first) / (n * n)
    if math.isclose(expected, 1.0):
        return None
    return (observed - expected) / (1 - expected)


def pairable(units) -> list[list]:
    """The units with at least two ratings, blanks left out: the only ones alpha can use."""
    kept = [[value for value in unit if value is not None] for unit in units]
    return [unit for unit in kept if len(unit) >= 2]


def krippendorff_alpha(units, level: str, domain=None) -> float | None:
    """Krippendorff's alpha over `units` (lists of coded ratings, any number each, None for a
    blank), by the `krippendorff` package. `domain`: every value the variable can take, in order
    (a scale's level positions; needed for ordinal). None when fewer than two ratings pair up or
    every paired rating is the same value (alpha is 0/0 there)."""
    units = pairable(units)
    seen = sorted({value for unit in units for value in unit})
    if len(seen) < 2:
        return None
    values = list(domain) if domain is not None else seen
    position = {value: index for index, value in enumerate(values)}
    counts = np.zeros((len(units), len(values)), dtype=int)
    for row, unit in enumerate(units):
        for value in unit:
            counts[row, position[value]] += 1
    return float(krippendorff.alpha(value_counts=counts, value_domain=values, level_of_measurement=level))


def _rounded(value):
    return None if value is None else round(value, 3)


def _figure(value, n: int) -> dict:
    return {"value": _rounded(value), "n": n}


def pairs_within(units) -> list[tuple]:
    """Every pair of ratings given to one lesson, across lessons (for agreement among many)."""
    return [pair for unit in pairable(units) for pair in combinations(unit, 2)]


def lookfor_agreement(lookfor: dict, units) -> dict:
    """Agreement on one look-for over `units` (lists of raw values, one list per lesson):
    lessons with two or more ratings (`n`), exact (and, for scales, adjacent) agreement over every
    pair of ratings within a lesson, Krippendorff's alpha, and a reading."""
    coded = [[code(lookfor, value) for value in unit] for unit in units]
    level = LEVEL_OF_MEASUREMENT[lookfor["kind"]]
    n = len(pairable(coded))
    pairs = pairs_within(coded)
    domain = range(len(lookfor["levels"])) if lookfor["kind"] == "scale" else ([0, 1] if level == "nominal" else None)
    figures = {
        "level_of_measurement": level, "n": n,
        "exact": _figure(exact_agreement(pairs), len(pairs)),
        "alpha": _figure(krippendorff_alpha(coded, level, domain), n),
    }
    if lookfor["kind"] == "scale":
        figures["adjacent"] = _figure(adjacent_agreement(pairs), len(pairs))
    figures["reading"] = reading(lookfor, figures["alpha"]["value"], figures["exact"]["value"], n, pairs)
    return figures


def pair_agreement(lookfor: dict, pairs) -> dict:
    """Agreement of two observers on one look-for over `pairs` of raw values (one per lesson
    both rated; a pair with a blank is left out): exact, adjacent for scales, Cohen's kappa."""
    coded = [(code(lookfor, a), code(lookfor, b)) for a, b in pairs]
    coded = [(a, b) for a, b in coded if a is not None and b is not None]
    n = len(coded)
    figures = {"n": n, "exact": _figure(exact_agreement(coded), n), "kappa": _figure(cohen_kappa(coded), n)}
    if lookfor["kind"] == "scale":
        figures["adjacent"] = _figure(adjacent_agreement(coded), n)
    figures["reading"] = reading(lookfor, figures["kappa"]["value"], figures["exact"]["value"], n, coded)
    return figures


def _most_disputed_levels(lookfor: dict, pairs) -> list[str]:
    """The scale levels that appear most often in pairs that disagree, in scale order."""
    involved = Counter(value for a, b in pairs if a != b for value in (a, b))
    most = max(involved.values(), default=0)
    return [lookfor["levels"][position] for position in sorted(involved) if involved[position] == most]


def _talk_about(lookfor: dict, pairs) -> str:
    kind = lookfor["kind"]
    if kind == "scale":
        levels = _most_disputed_levels(lookfor, pairs)
        if len(levels) == 1:
            return f"talk about what '{levels[0]}' means before the next visit"
        if len(levels) == 2:
            return f"talk about what '{levels[0]}' and '{levels[1]}' mean before the next visit"
        return "talk about what each level means before the next visit"
    if kind == "yes_no":
        return "talk about what counts as a 'yes' before the next visit"
    if kind == "count":
        return "talk about what counts as one before the next visit"
    return "agree on when to start and stop the timer before the next visit"


def reading(lookfor: dict, statistic, exact, n: int, pairs) -> str:
    """Plain words for a figure: `statistic` is alpha (or kappa for a pair), on the scale of
    Krippendorff's guide; with no statistic (no variety in the answers) exact agreement speaks."""
    if n == 0:
        return "Not yet rated by two observers in the same lesson."
    few = f"Only {n} lesson{'s' if n != 1 else ''} so far: a first impression. " if n < FEW_LESSONS else ""
    if statistic is None:
        if exact == 1:
            return few + "Every rating was the same; too little variety to say more than that you agreed."
        return few + f"Ratings differ; {_talk_about(lookfor, pairs)}."
    if statistic >= RELIABLE:
        return few + "High agreement: you read this look-for the same way."
    if statistic >= TENTATIVE:
        return few + f"Some agreement: look again at the lessons where you differed, and {_talk_about(lookfor, pairs)}."
    return few + f"Low agreement: {_talk_about(lookfor, pairs)}."
