"""The evidence-not-judgment matcher (pwa/judgment.js), run by Node.js as the tablet runs it: what
it flags and what it leaves alone, its pattern language (which the server's check of a district's
list must agree with), and its precision and recall on the labelled notes of tests/data."""
import csv
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from server.rounds.judgment_words import default_list, phrase_errors

ROOT = Path(__file__).resolve().parent.parent
NOTES = ROOT / "tests" / "data" / "evidence_notes.csv"
NODE = shutil.which("node") or "/usr/bin/node"
# Reads {list, texts, phrases} on stdin; answers what the matcher found in each text and, for
# each phrase, the error compiling it alone (null when it compiles).
RUNNER = """
import { compileList, findJudgment } from %s;
let input = '';
for await (const chunk of process.stdin) input += chunk;
const { list, texts, phrases } = JSON.parse(input);
const matcher = compileList(list);
const found = texts.map((text) => findJudgment(matcher, text));
const errors = phrases.map((phrase) => {
  try { compileList({ patterns: [{ match: phrase }] }); return null; } catch (error) { return error.message; }
});
console.log(JSON.stringify({ found, errors }));
""" % json.dumps((ROOT / "pwa" / "judgment.js").as_uri())

pytestmark = pytest.mark.skipif(not Path(NODE).exists(), reason="Node.js runs the tablet's matcher")


def run(texts=(), phrases=(), words=None) -> dict:
    request = {"list": words or default_list(), "texts": list(texts), "phrases": list(phrases)}
    done = subprocess.run([NODE, "--input-type=module", "-e", RUNNER], input=json.dumps(request),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def flagged(*texts, words=None) -> list:
    return [None if hit is None else hit["text"] for hit in run(texts, words=words)["found"]]


def test_judgment_words_are_found_whole_and_in_any_case():
    assert flagged("Students were engaged.", "SHE SEEMED CONFUSED", "The lesson was Good") == [
        "engaged", "SEEMED", "Good"]
    assert flagged("Goodman Middle School, room 12", "She seemingly paused", "Toad was goodness itself") == [
        None, "seemingly", None]


def test_negation_is_still_a_judgment():
    assert flagged("Students were not engaged.", "He didn't care about the task.", "No one understood") == [
        "engaged", "care", "understood"]


def test_words_that_were_said_are_evidence():
    assert flagged('T said "good job, table 3" and moved on.', "T: Great work everyone, line up.",
                   "S2: I think it seems too easy", "Teacher said 'you all did awesome, didn't you'.",
                   "T said “Clearly, we need to review.”") == [None, None, None, None, None]
    assert flagged('T said "good job" and students seemed relieved.', "T: Line up.\nKids were excited.") == [
        "seemed", "excited"]
    # While the closing quote is not typed yet, the words typed so far are speech.
    assert flagged('S asked "is this a good') == [None]
    # An apostrophe is not a quote.
    assert flagged("The students' work was excellent.") == ["excellent"]


def test_phrases_alternatives_and_exceptions():
    words = {"language": "en", "patterns": [
        {"match": "great job"}, {"match": "didn't care"}, {"match": "did|does not care"}, {"match": "too fast|slow"},
        {"match": "understanding", "unless": ["check|checks for understanding"]}]}
    assert flagged("What a great  job", "great jobs board", "They didn’t care", "They did not care",
                   "She went too slow", "Shows understanding", "T checks for understanding with cards",
                   "Check for understanding showed shaky understanding", words=words) == [
        "great  job", None, "didn’t care", "did not care", "too slow", "understanding", None, "understanding"]


def test_an_empty_list_flags_nothing():
    assert flagged("Students were engaged", words={"language": "en", "patterns": []}) == [None]


@pytest.mark.parametrize("phrase", ["seem*", "did|didn't care", "well-*", "great job", "parec*", "très bien",
                                    "a*", "(good)", "good||bad", "*", "one two three four five six seven",
                                    "good.", "ok*", "  ", "x-*"])
def test_the_server_accepts_exactly_the_phrases_the_tablet_compiles(phrase):
    tablet_error = run(phrases=[phrase])["errors"][0]
    assert (tablet_error is None) == (phrase_errors(phrase) == []), (tablet_error, phrase_errors(phrase))


def labelled_notes() -> list[dict]:
    with NOTES.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_the_labelled_set_is_large_balanced_and_varied():
    notes = labelled_notes()
    labels = [note["label"] for note in notes]
    assert len(notes) >= 300 and set(labels) == {"evidence", "judgment"}
    assert 0.4 <= labels.count("evidence") / len(notes) <= 0.6
    assert len({note["subject"] for note in notes}) >= 9
    assert {note["grade"] for note in notes} >= {"K", *map(str, range(1, 13))}
    assert len({note["text"] for note in notes}) == len(notes)


def test_the_hint_is_precise_and_finds_most_judgments():
    notes = labelled_notes()
    found = run([note["text"] for note in notes])["found"]
    hits = [(note["label"] == "judgment", hit is not None) for note, hit in zip(notes, found)]
    true_pos = hits.count((True, True))
    precision = true_pos / (true_pos + hits.count((False, True)))
    recall = true_pos / (true_pos + hits.count((True, False)))
    assert precision >= 0.85, precision
    assert recall >= 0.75, recall
