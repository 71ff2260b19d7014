"""Comments out of the web app's JavaScript as it is served: the files keep their explanations
for the people who read them, the tablet does not download them.

`without_comments(source)` removes every `//` and `/* */` comment and keeps every newline, so
that a line number in an error on a tablet is the line in the file. It knows strings, template
literals (with `${}` inside), regular expression literals (a `/` where a value cannot end) and
comments; a file it cannot read to its end in a known state (an unterminated string or comment)
comes back unchanged.
"""
import re

# After one of these (or at the start), a `/` begins a regular expression, not a division.
_BEFORE_REGEX = set("(,=:[!&|?{};+-*%<>~^")
_KEYWORDS_BEFORE_REGEX = {"return", "typeof", "instanceof", "in", "of", "new", "delete", "void", "throw",
                          "case", "do", "else", "yield", "await"}
_WORD = re.compile(r"[A-Za-z_$][\w$]*$")


def _regex_allowed(code: list[str]) -> bool:
    """Whether a `/` after the code kept so far starts a regular expression literal."""
    text = "".join(code[-40:]).rstrip()
    if not text:
        return True
    if text[-1] in _BEFORE_REGEX:
        return True
    word = _WORD.search(text)
    return bool(word) and word.group() in _KEYWORDS_BEFORE_REGEX


def without_comments(source: str) -> str:
    out: list[str] = []
    i, n = 0, len(source)
    braces: list[str] = []  # per open `{`: "code", or "template" for a `${` inside a template literal
    while i < n:
        c = source[i]
        two = source[i:i + 2]
        if two == "//":
            end = source.find("\n", i)
            i = n if end < 0 else end
            continue
        if two == "/*":
            end = source.find("*/", i + 2)
            if end < 0:
                return source
            out.append("\n" * source.count("\n", i, end))
            i = end + 2
            continue
        if c in "'\"":
            end = _string_end(source, i, c)
            if end < 0:
                return source
            out.append(source[i:end])
            i = end
            continue
        if c == "`" or (c == "}" and braces and braces[-1] == "template"):
            if c == "}":
                braces.pop()
            end, opened = _template_part_end(source, i + 1)
            if end < 0:
                return source
            out.append(source[i:end])
            if opened:
                braces.append("template")
            i = end
            continue
        if c == "/" and _regex_allowed(out):
            end = _regex_end(source, i)
            if end < 0:
                return source
            out.append(source[i:end])
            i = end
            continue
        if c == "{":
            braces.append("code")
        elif c == "}" and braces:
            braces.pop()
        out.append(c)
        i += 1
    if braces:
        return source
    return "".join(out)


def _string_end(source: str, start: int, quote: str) -> int:
    i = start + 1
    while i < len(source):
        if source[i] == "\\":
            i += 2
            continue
        if source[i] == quote:
            return i + 1
        if source[i] == "\n":
            return -1
        i += 1
    return -1


def _template_part_end(source: str, i: int) -> tuple[int, bool]:
    """From inside a template literal: the index after its closing backtick (False), or after the
    next `${` (True)."""
    while i < len(source):
        if source[i] == "\\":
            i += 2
            continue
        if source[i] == "`":
            return i + 1, False
        if source.startswith("${", i):
            return i + 2, True
        i += 1
    return -1, False


def _regex_end(source: str, start: int) -> int:
    i, in_class = start + 1, False
    while i < len(source):
        c = source[i]
        if c == "\\":
            i += 2
            continue
        if c == "\n":
            return -1
        if c == "[":
            in_class = True
        elif c == "]":
            in_class = False
        elif c == "/" and not in_class:
            i += 1
            while i < len(source) and (source[i].isalnum() or source[i] == "_"):
                i += 1
            return i
        i += 1
    return -1
