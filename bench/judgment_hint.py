"""The evidence-not-judgment hint: how well it reads notes, and what it costs per keystroke.

Rounds runs in this process on a temporary demo database (bench/pwa_budget.py's `demo_server`),
and Debian's Chromium is driven by Playwright. It prints:

a. The matcher (pwa/judgment.js, as the tablet loads it) over the labelled notes of
   tests/data/evidence_notes.csv with the default English list: counts (true and false
   positives, false negatives, true negatives), precision and recall, against 0.85 and 0.75.
b. Per keystroke: the demo principal types a long note into Capture one key at a time, with
   Chromium's CPU throttled 4x (CDP Emulation.setCPUThrottlingRate); each keystroke's
   `judgment-check` measure (the match and the hint) is collected: median and p95, against 5 ms.

It exits 1 when a target fails (2 when something is broken). From the repo root:

    nice -n 10 python bench/judgment_hint.py
    nice -n 10 python bench/judgment_hint.py --repeat 3
"""
import argparse
import csv
import os
import statistics
import sys
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.pwa_budget import CHROMIUM, CHROMIUM_ARGS, THROTTLE, demo_server  # noqa: E402
from bench.pwa_tablet import PRINCIPAL, Tablet, sign_in, start_draft  # noqa: E402

NOTES = ROOT / "tests" / "data" / "evidence_notes.csv"
PRECISION_TARGET, RECALL_TARGET, KEYSTROKE_TARGET_MS = 0.85, 0.75, 5.0
# A long note as an observer types it: counts, quotes, times, and some judgment words.
LONG_NOTE = (
    "10:04 T: 'Eyes up here, friends.' 22 of 26 students looked at the board within 5 seconds. "
    "T wrote 3/4 + 1/8 on the board and asked \"Who can tell me a common denominator?\" 7 hands went up; "
    "T waited about 4 seconds and called on S3 who said \"eight\". Table 2 seemed unsure: two students "
    "copied from a partner's whiteboard and one drew a fraction bar with 4 parts. T circulated to 5 of 6 "
    "tables in 6 minutes asking 'How do you know?' and 'Show me with the strips.' At 10:12 the students "
    "at the back were clearly not engaged; one put his head down for 2 minutes. T said 'great job, table 4' "
    "and held up their board: 7/8 with fraction strips taped beside it. Exit ticket: 2 problems, collected "
    "at 10:21; 19 turned in before the bell. Anchor chart on the wall lists three steps for adding fractions."
)
MATCH_SET = """async (notes) => {
    const { compileList, findJudgment } = await import('/judgment.js');
    const { getReference } = await import('/records.js');
    const matcher = compileList((await getReference()).judgment_words);
    return notes.map((text) => findJudgment(matcher, text) !== null);
}"""


def read_notes() -> list[dict]:
    with NOTES.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def report_quality(notes: list[dict], flagged: list[bool]) -> bool:
    pairs = [(note["label"] == "judgment", hit) for note, hit in zip(notes, flagged)]
    tp, fp = pairs.count((True, True)), pairs.count((False, True))
    fn, tn = pairs.count((True, False)), pairs.count((False, False))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    print(f"\n== a. The default list over {len(notes)} labelled notes "
          f"({tp + fn} judgments, {fp + tn} descriptions)")
    print(f"flagged judgments (true positives) {tp:>5}    flagged descriptions (false positives) {fp:>5}")
    print(f"missed judgments (false negatives) {fn:>5}    quiet descriptions (true negatives)    {tn:>5}")
    met_precision, met_recall = precision >= PRECISION_TARGET, recall >= RECALL_TARGET
    print(f"precision {precision:.3f} (target >= {PRECISION_TARGET}): {'PASS' if met_precision else 'FAIL'}")
    print(f"recall    {recall:.3f} (target >= {RECALL_TARGET}): {'PASS' if met_recall else 'FAIL'}")
    by_subject = {}
    for note, (judgment, hit) in zip(notes, pairs):
        seen = by_subject.setdefault(note["subject"], [0, 0])
        seen[0] += judgment and hit
        seen[1] += judgment
    print("recall by subject: " + ", ".join(f"{subject} {hit}/{total}" for subject, (hit, total)
                                            in sorted(by_subject.items()) if total))
    return met_precision and met_recall


def keystroke_costs(tablet: Tablet, repeat: int) -> list[float]:
    """ms of every keystroke's `judgment-check` on Capture, typing LONG_NOTE `repeat` times, 4x CPU."""
    context, page = tablet.open()
    sign_in(page, PRINCIPAL)
    page.evaluate(f"location.hash = '#/capture/{start_draft(page)}'")
    page.wait_for_function("() => performance.getEntriesByName('capture-ready').length > 0", timeout=30_000)
    box = page.get_by_label("What the teacher says or does")
    cdp = context.new_cdp_session(page)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": THROTTLE})
    costs = []
    try:
        for _ in range(repeat):
            box.fill("")
            page.evaluate("performance.clearMeasures('judgment-check')")
            box.press_sequentially(LONG_NOTE)
            costs.extend(page.evaluate("performance.getEntriesByName('judgment-check').map((e) => e.duration)"))
        shown = page.locator(".judgment-text").first.inner_text()
    finally:
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
        context.close()
    if not shown:
        raise RuntimeError("The long note has judgment words, yet no hint was shown.")
    return costs


def report_keystrokes(costs: list[float]) -> bool:
    p95 = statistics.quantiles(costs, n=20, method="inclusive")[-1]
    median = statistics.median(costs)
    print(f"\n== b. Per keystroke on Capture, CPU throttled {THROTTLE}x: {len(costs)} keystrokes "
          f"typing a {len(LONG_NOTE)}-character note")
    slowest = max(range(len(costs)), key=costs.__getitem__)
    over = sum(cost >= KEYSTROKE_TARGET_MS for cost in costs)
    print(f"judgment-check median {median:.3f} ms, p95 {p95:.3f} ms, max {costs[slowest]:.3f} ms "
          f"(keystroke {slowest + 1}); {over} of {len(costs)} at or over {KEYSTROKE_TARGET_MS} ms")
    # Chromium rounds performance.now() to 0.1 ms, and on a busy machine a keystroke can be
    # descheduled mid-check: the median and p95 are the budget, the slowest is said too.
    met = median < KEYSTROKE_TARGET_MS and p95 < KEYSTROKE_TARGET_MS
    print(f"target median and p95 < {KEYSTROKE_TARGET_MS} ms: {'PASS' if met else 'FAIL'}")
    return met


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=1, help="times the long note is typed")
    args = parser.parse_args(argv)
    from playwright.sync_api import Error as PlaywrightError, sync_playwright

    print(f"load average before: {os.getloadavg()[0]:.2f}", flush=True)
    notes = read_notes()
    try:
        with demo_server() as (url, _log), sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            tablet = Tablet(browser, url)
            context, page = tablet.open()
            sign_in(page, PRINCIPAL)
            flagged = page.evaluate(MATCH_SET, [note["text"] for note in notes])
            context.close()
            passed = report_quality(notes, flagged)
            passed &= report_keystrokes(keystroke_costs(tablet, max(1, args.repeat)))
            browser.close()
    except (PlaywrightError, RuntimeError) as error:
        where = "".join(traceback.format_tb(error.__traceback__)[:4])
        print(f"BROKEN: {error}\n{where}", file=sys.stderr)
        return 2
    print(f"\nload average after: {os.getloadavg()[0]:.2f}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
