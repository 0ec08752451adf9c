"""Every user-facing string in the templates is marked for translation.

Each template is read with Django's own template lexer. Text inside `{% translate %}` and
`{% blocktranslate %}…{% endblocktranslate %}` counts as marked; variables are data. What is
left is parsed as HTML: any words in text nodes, or in attributes people read or hear (alt,
title, aria-label, placeholder, value of buttons), are unmarked strings, and the test lists
them with their template and line.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.template.base import Lexer, TokenType

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE_DIRS = [ROOT / "templates"]

# Words that are the same in every language: the product's name and file formats.
ALLOWED = {"Attune", "CSV", "XLSX", "PDF"}
READ_ATTRIBUTES = {"alt", "title", "aria-label", "placeholder", "aria-roledescription"}
VAR = "\u2400"  # a variable's output: data, not interface text
MARKED = "\u2401"  # a translated string
WORD = re.compile(r"[^\W\d_]{2,}")


def _templates():
    for folder in TEMPLATE_DIRS:
        yield from sorted(folder.rglob("*.html"))


def _unmarked_source(text: str) -> list[tuple[int, str]]:
    """The template with every translated string and variable replaced by a marker, as
    (line number, source piece) pairs."""
    pieces: list[tuple[int, str]] = []
    skipping: list[str] = []  # the closing tags of blocktranslate, comment, verbatim, …
    blocks: list[bool] = []  # for each open {% block %}: does it hold class names?
    for token in Lexer(text).tokenize():
        content = token.contents
        if token.token_type == TokenType.BLOCK:
            name = content.split()[0] if content else ""
            if name in ("blocktranslate", "blocktrans", "comment", "verbatim"):
                skipping.append("end" + name)
                pieces.append((token.lineno, MARKED))
            elif skipping and name == skipping[-1]:
                skipping.pop()
                if name == "endblock":
                    blocks.pop()
            elif name == "block":
                # {% block body_class %}…: an attribute value, not words for people.
                blocks.append(content.split()[-1].endswith("class"))
                if blocks[-1]:
                    skipping.append("endblock")
            elif name == "endblock" and blocks:
                blocks.pop()
            elif not skipping and name in ("translate", "trans"):
                pieces.append((token.lineno, MARKED if " as " not in content else ""))
            continue
        if skipping:
            continue
        if token.token_type == TokenType.VAR:
            pieces.append((token.lineno, VAR))
        elif token.token_type == TokenType.TEXT:
            pieces.append((token.lineno, content))
    return pieces


class _Finder(HTMLParser):
    def __init__(self, line_of):
        super().__init__(convert_charrefs=True)
        self.line_of = line_of
        self.found: list[tuple[int, str]] = []
        self._skip = 0

    def _check(self, value: str | None):
        if not value:
            return
        words = [w for w in WORD.findall(value) if w not in ALLOWED]
        if words:
            leading = value[: len(value) - len(value.lstrip())].count("\n")
            line = self.line_of(self.getpos()[0] + leading)
            self.found.append((line, value.strip()[:80]))

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        attributes = dict(attrs)
        for name, value in attrs:
            if name in READ_ATTRIBUTES:
                self._check(value)
        if tag == "input" and attributes.get("type") in ("submit", "button", "reset"):
            self._check(attributes.get("value"))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self._check(data)


def unmarked_strings(path: Path) -> list[tuple[int, str]]:
    pieces = _unmarked_source(path.read_text(encoding="utf-8"))
    joined, starts = "", []  # line in the joined text -> line in the template
    for lineno, piece in pieces:
        for offset in range(piece.count("\n") + 1):
            starts.append(lineno + offset)
        joined += piece
        starts.pop()  # the piece's last line continues into the next piece
    starts.append(pieces[-1][0] if pieces else 1)

    def line_of(joined_line: int) -> int:
        return starts[min(joined_line - 1, len(starts) - 1)]

    finder = _Finder(line_of)
    finder.feed(joined)
    finder.close()
    return finder.found


def test_the_lint_finds_unmarked_text(tmp_path):
    """The check itself: plain words, read attributes and button values are found; translated
    strings, variables and comments are not."""
    sample = tmp_path / "sample.html"
    sample.write_text(
        "{% load i18n %}<h1>{% translate 'Hello' %}</h1>\n"
        "<p>{% blocktranslate trimmed with n=x %}You have {{ n }} items"
        "{% endblocktranslate %}</p>\n"
        "<p>{{ page.title }} · {{ when|date:'j F' }}</p>{# a note for us #}\n"
        "<p>Forgotten words</p>\n"
        '<img src="x.png" alt="A picture">\n'
        '<img src="y.png" alt="{{ image.alt }}"><img src="z.png" alt="">\n'
        "<input type='submit' value='Send'><script>var notText = 'x';</script>\n"
        "{% comment %}Not for people{% endcomment %}<style>.a{color:red}</style>\n"
        "{% block body_class %}page-wide{% endblock %}{% block title %}Title words{% endblock %}\n"
    )
    found = unmarked_strings(sample)
    assert [(line, text) for line, text in found] == [
        (4, "Forgotten words"),
        (5, "A picture"),
        (7, "Send"),
        (9, "Title words"),
    ]


@pytest.mark.parametrize(
    "template", list(_templates()), ids=lambda p: str(p.relative_to(ROOT / "templates"))
)
def test_every_template_string_is_marked_for_translation(template):
    found = unmarked_strings(template)
    assert not found, "Unmarked strings (wrap them in {% translate %}):\n" + "\n".join(
        f"  {template.relative_to(ROOT)}:{line}: {text!r}" for line, text in found
    )
