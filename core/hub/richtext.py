"""Rich text: plain text from the hub's sanitised HTML.

``text_of(html)`` reads the words of a fragment for indexes and plain-text mail: block
elements end lines, list items start with a dash, links keep their address in brackets
when it says more than the link text, images give their alternative text; scripts and
styles give nothing.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

BLOCKS = frozenset({"p", "div", "section", "article", "h1", "h2", "h3", "h4", "h5", "h6",
                    "ul", "ol", "li", "blockquote", "pre", "table", "tr", "figure",
                    "figcaption", "hr"})
SKIP = frozenset({"script", "style", "template"})


class _Text(HTMLParser):
    def __init__(self, links: bool):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links = links
        self.skipping = 0
        self.href: list[tuple[str, int]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in SKIP:
            self.skipping += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag in BLOCKS:
            self.parts.append("\n\n")
        elif tag == "img" and attrs.get("alt"):
            self.parts.append(f" {attrs['alt']} ")
        elif tag == "a":
            self.href.append((attrs.get("href") or "", len(self.parts)))
        elif tag in ("td", "th"):
            self.parts.append(" ")

    def handle_endtag(self, tag):
        if tag in SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag == "a" and self.href:
            href, start = self.href.pop()
            label = "".join(self.parts[start:]).strip()
            if self.links and href and not href.startswith("#") and href != label \
                    and href.removeprefix("mailto:") != label:
                self.parts.append(f" ({href})")
        elif tag in BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(re.sub(r"\s+", " ", data))


def text_of(html: str, links: bool = False) -> str:
    """The text of an HTML fragment, paragraphs separated by blank lines."""
    if not html:
        return ""
    parser = _Text(links)
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    lines = [" ".join(line.split()) if not line.strip().startswith("- ")
             else "- " + " ".join(line.strip()[2:].split()) for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
