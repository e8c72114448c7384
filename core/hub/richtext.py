"""Rich text: the one sanitiser of staff-written HTML, and plain text from it.

``sanitise(html)`` is what every feature stores and shows: the browser's editor writes
HTML, but a form can be posted by anything, so the server decides what survives.

- Tags: ``TAGS`` (paragraphs, headings 2-4, emphasis, links, lists, quotes, code, tables,
  figures, images, rules). Anything else is unwrapped (its text stays); the content of
  ``script`` and ``style`` is dropped with them.
- Attributes: ``ATTRIBUTES`` per tag, plus ``title`` and ``lang`` on every tag (the
  sanitiser's defaults: a change of language is marked for screen readers). No ``style``,
  no ``class``, no ``on*`` handler survives.
- Links: only ``http``, ``https`` and ``mailto`` addresses or relative ones; every link gets
  ``rel="noopener noreferrer"``.
- Images: only the hub's own media library (a path starting with ``/media/``): the content
  security policy would block other sites' images, and fetching them would tell another
  site who reads the page. An image must say what it shows: an ``<img>`` without a
  non-empty ``alt`` is removed, not kept with ``alt=""``, because the editor never calls an
  image decorative and a silent empty description hides the mistake from the author.
- ``width``/``height`` are kept when they are whole numbers; ``lang``/``hreflang`` when they
  look like a language tag.

The result is stable: sanitising it again changes nothing, so templates may sanitise once
more when they show stored text (defence in depth) without altering it.

``text_of(html)`` reads the words of a fragment for indexes and plain-text mail: block
elements end lines, list items start with a dash, links keep their address in brackets
when it says more than the link text, images give their alternative text; scripts and
styles give nothing.
"""
from __future__ import annotations

import html as html_lib
import re
from collections.abc import Iterable
from html.parser import HTMLParser
from urllib.parse import unquote

import nh3

TAGS = frozenset({
    "p", "br", "h2", "h3", "h4", "strong", "em", "b", "i", "u", "s", "sub", "sup",
    "a", "ul", "ol", "li", "blockquote", "q", "cite", "abbr", "code", "pre", "hr",
    "img", "figure", "figcaption",
    "table", "caption", "thead", "tbody", "tr", "th", "td", "span"})
ATTRIBUTES = {"a": {"href", "hreflang"}, "abbr": set(), "img": {"src", "alt", "width", "height"},
              "th": {"scope", "colspan", "rowspan"}, "td": {"colspan", "rowspan"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
# A path segment may hold what Pyramid's route_url leaves unquoted in a file name.
MEDIA_PATH = re.compile(r"/media/([A-Za-z0-9._~%!$&'()*+,;=:@/-]+)(?:\?[A-Za-z0-9._~%=&-]*)?")
LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")
NUMBER = re.compile(r"[0-9]{1,4}")
# The sanitiser writes every attribute in double quotes with '"' escaped, so an image tag of
# its output is matched exactly by this.
_IMG = re.compile(r'<img((?:\s+[a-z-]+="[^"]*")*)\s*/?>')
_ATTR = re.compile(r'([a-z-]+)="([^"]*)"')


def is_media_path(value: str) -> bool:
    """A path of the hub's media library that stays inside it (browsers resolve ``..``
    and its percent-encoded spelling, so neither may appear as a segment)."""
    match = MEDIA_PATH.fullmatch(value)
    if match is None:
        return False
    segments = unquote(match.group(1)).split("/")
    return all(segment not in ("", ".", "..") for segment in segments)


def _attribute(tag: str, name: str, value: str) -> str | None:
    if tag == "img" and name == "src":
        return value if is_media_path(value) else None
    if name in ("width", "height"):
        return value if NUMBER.fullmatch(value.strip()) else None
    if name in ("lang", "hreflang"):
        return value if LANGUAGE_TAG.fullmatch(value.strip()) else None
    return value


def _image(match: re.Match) -> str:
    attrs = dict(_ATTR.findall(match.group(1)))
    if attrs.get("src") and html_lib.unescape(attrs.get("alt", "")).strip():
        return match.group(0)
    return ""


def sanitise(html: str | None, *, tags: Iterable[str] | None = None) -> str:
    """``html`` reduced to the hub's allow-list (see the module's text). ``tags`` narrows
    the tags further for a place that shows less (e.g. mail); it never widens them."""
    allowed = set(TAGS if tags is None else TAGS & set(tags))
    cleaned = nh3.clean(html or "", tags=allowed, attributes=ATTRIBUTES,
                        attribute_filter=_attribute, url_schemes=set(URL_SCHEMES),
                        link_rel="noopener noreferrer", strip_comments=True)
    return _IMG.sub(_image, cleaned) if "img" in allowed else cleaned

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
