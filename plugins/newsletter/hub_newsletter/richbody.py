"""The campaign's text as the HTML and the plain text of the e-mail.

A text written in the rich-text editor is HTML (it starts with a tag); campaigns written
before it use the plain-text markup of ``content.parse_body``, which is still read. Either
way the mail carries sanitised semantic HTML, with the personal fields filled in first
(HTML-escaped), so what a recipient's name contains can never become markup. Relative
addresses (images of the media library, ``/media/<id>/<name>``, and links to the hub's
pages) are made absolute with ``hub.base_url``: a mail client has no page to resolve them
against. The plain-text part is read from that same HTML (``hub.richtext.text_of``):
headings in capitals, list items with dashes, links as "text (address)", images by their
alternative text; never markup.
"""
from __future__ import annotations

import re
from html import escape, unescape
from string import Template

from hub.richtext import sanitise as hub_sanitise
from hub.richtext import text_of
from hub_newsletter import content

RELATIVE = re.compile(r'(\s(?:src|href)=")(/(?!/)[^"]*)"')
HEADING = re.compile(r"(<h([1-6])\b[^>]*>)(.*?)(</h\2>)", re.S)
TEXT = re.compile(r">([^<]+)<")
LIST_GAP = re.compile(r"(?m)^(- .*)\n\n(?=- )")


def is_html(body: str) -> bool:
    return body.lstrip().startswith("<")


def sanitise(html: str) -> str:
    """Sanitised HTML of a body, header or footer written by staff (the hub's one
    sanitiser: images only from the media library, no styles, no scripts)."""
    return hub_sanitise(html)


def absolute(html: str, base_url: str) -> str:
    """``src`` and ``href`` addresses of the hub (``/…``) made absolute."""
    base = base_url.rstrip("/")
    return RELATIVE.sub(lambda m: f'{m.group(1)}{escape(base, quote=True)}{m.group(2)}"',
                        html)


def body_html(body: str, values: dict, base_url: str) -> str:
    """The body with ``values`` filled in, as sanitised HTML with absolute addresses."""
    if is_html(body):
        filled = Template(body).safe_substitute(
            {key: escape(str(value)) for key, value in values.items()})
        html = sanitise(filled)
    else:
        html = content.body_html(content.parse_body(body), values)
    return absolute(html, base_url)


def plain_text(html: str) -> str:
    """The plain-text alternative of sanitised HTML: no markup, links keep their address."""
    def capitals(match):
        inner = TEXT.sub(lambda t: ">" + escape(unescape(t.group(1)).upper(), quote=False)
                         + "<", ">" + match.group(3) + "<")[1:-1]
        return match.group(1) + inner + match.group(4)

    # One list item a line, as people write lists in plain text.
    return LIST_GAP.sub(r"\1\n", text_of(HEADING.sub(capitals, html), links=True))


def styled(html: str, styles: dict[str, str]) -> str:
    """Sanitised HTML with inline styles per tag (``{"p": "margin:0 0 16px;"}``): mail
    clients ignore style sheets. The sanitiser removed every ``style`` attribute, so each
    tag gets exactly one."""
    if not styles:
        return html
    pattern = re.compile(r"<(" + "|".join(map(re.escape, styles)) + r")(?=[\s/>])")
    return pattern.sub(lambda m: f'<{m.group(1)} style="{escape(styles[m.group(1)])}"', html)
