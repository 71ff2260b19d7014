"""The judgment-word lists of the evidence-not-judgment hint: the default, and their rules.

A list is `{"language": "en", "patterns": [{"match": "seem*", "unless": ["..."]}, ...]}`; the
tablet's matcher (pwa/judgment.js) reads it and docs/judgment-hint.md explains it to districts.
`pattern_errors(patterns)` checks a list against the matcher's language, so that every list a
district saves compiles on every tablet: it answers field messages keyed by pattern number
(0-based, as the body sent them), empty when all is well. `default_list()` is the list shipped in
English (judgment_words_en.json), used by a district that has not saved its own.
"""
import json
from functools import cache
from pathlib import Path

MAX_PHRASE_CHARS = 100
MAX_WORDS = 6
STEM_LETTERS = 3
DEFAULT_FILE = Path(__file__).with_name("judgment_words_en.json")


@cache
def _default() -> str:
    return DEFAULT_FILE.read_text(encoding="utf-8")


def default_list() -> dict:
    """The list shipped in English, as a fresh dict the caller may change."""
    return json.loads(_default())


def _word_error(word: str) -> str | None:
    stem = word[:-1] if word.endswith("*") else word
    if not stem or not all(char.isalnum() or char in "'-" for char in stem):
        return f'"{word}" is not a word of letters, digits, \' or -.'
    if word.endswith("*") and sum(char.isalnum() for char in stem) < STEM_LETTERS:
        return f'"{word}": a word ending in * needs at least {STEM_LETTERS} letters before it.'
    return None


def phrase_errors(phrase: str) -> list[str]:
    """What is wrong with one phrase of the matcher's language (a `match` or an `unless`)."""
    if not phrase.strip():
        return ["Write at least one word."]
    if len(phrase) > MAX_PHRASE_CHARS:
        return [f"At most {MAX_PHRASE_CHARS} characters."]
    words = phrase.lower().replace("\u2019", "'").split()
    if len(words) > MAX_WORDS:
        return [f"At most {MAX_WORDS} words; write a shorter phrase."]
    return [error for word in words for alternative in word.split("|")
            if (error := _word_error(alternative)) is not None]


def pattern_errors(patterns: list[dict]) -> dict:
    """Field messages for the patterns that break the matcher's language or repeat another."""
    errors: dict = {}
    seen: dict[str, int] = {}
    for index, pattern in enumerate(patterns):
        found = {}
        if match_errors := phrase_errors(pattern["match"]):
            found["match"] = match_errors
        else:
            key = " ".join(pattern["match"].lower().split())
            if key in seen:
                found["match"] = [f"The same as pattern {seen[key] + 1}."]
            seen.setdefault(key, index)
        unless = {position: messages for position, phrase in enumerate(pattern.get("unless", []))
                  if (messages := phrase_errors(phrase))}
        if unless:
            found["unless"] = unless
        if found:
            errors[index] = found
    return errors


def cleaned(patterns: list[dict]) -> list[dict]:
    """The patterns as stored: spaces evened out, `unless` only when there is one."""
    tidy = lambda phrase: " ".join(phrase.split())  # noqa: E731
    return [{"match": tidy(p["match"]), **({"unless": [tidy(u) for u in p["unless"]]} if p.get("unless") else {})}
            for p in patterns]
