"""Players of other sites (YouTube, Vimeo) that load only when the person asks for them.

A page never makes the browser contact a third party on its own: an embedded player is
rendered as a placeholder that names the provider, says what playing it means, and offers
a plain link to the video. The hub's own script (``hub:static/embeds.js``; the CSP allows
no inline script) shows a "Play" button and creates the player's iframe on click, from the
provider's privacy-enhanced host (``www.youtube-nocookie.com``, ``player.vimeo.com`` with
``dnt=1``), the only frame hosts the CSP allows. Without JavaScript the link remains.

Templates call ``embed(url, title)``, a render global: it gives the placeholder's HTML, or
``None`` when ``url`` is not a video of a known provider.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import partial
from urllib.parse import parse_qs, urlsplit

from markupsafe import Markup
from pyramid.events import BeforeRender

from hub.i18n import _

YOUTUBE_HOSTS = ("youtube.com", "www.youtube.com", "m.youtube.com", "youtube-nocookie.com",
                 "www.youtube-nocookie.com")
VIMEO_HOSTS = ("vimeo.com", "www.vimeo.com", "player.vimeo.com")
YOUTUBE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
VIMEO_ID = re.compile(r"[0-9]{1,12}")


@dataclass(frozen=True)
class Video:
    """A video of a provider: who hosts it, the player to embed, the page to link to."""

    provider: str
    player_url: str
    watch_url: str


def video_of(url: str) -> Video | None:
    """The video ``url`` points to (a watch, share or player address), or ``None``."""
    parts = urlsplit((url or "").strip())
    if parts.scheme not in ("https", "http"):
        return None
    host = (parts.hostname or "").lower()
    path = [p for p in parts.path.split("/") if p]
    if host in YOUTUBE_HOSTS or host == "youtu.be":
        if host == "youtu.be":
            ident = path[0] if path else None
        elif path[:1] == ["watch"]:
            ident = (parse_qs(parts.query).get("v") or [None])[0]
        elif len(path) >= 2 and path[0] in ("embed", "shorts", "live"):
            ident = path[1]
        else:
            ident = None
        if ident and YOUTUBE_ID.fullmatch(ident):
            return Video("YouTube", f"https://www.youtube-nocookie.com/embed/{ident}",
                         f"https://www.youtube.com/watch?v={ident}")
        return None
    if host in VIMEO_HOSTS:
        ident = path[1] if host == "player.vimeo.com" and path[:1] == ["video"] \
            and len(path) >= 2 else (path[0] if host != "player.vimeo.com" and path else None)
        if ident and VIMEO_ID.fullmatch(ident):
            return Video("Vimeo", f"https://player.vimeo.com/video/{ident}?dnt=1",
                         f"https://vimeo.com/{ident}")
    return None


def embed(request, url: str, title: str = "") -> Markup | None:
    """The click-to-load placeholder for the video at ``url`` (``None``: not a known one)."""
    video = video_of(url)
    if video is None:
        return None
    translate = request.shell.translate
    mapping = {"provider": video.provider}
    return Markup(
        '<div class="hub-embed" data-embed-src="{player}" data-embed-title="{title}">'
        '<p class="hub-embed__notice">{notice}</p>'
        '<button type="button" class="hub-button hub-embed__play" hidden>{play}</button>'
        '<p class="hub-embed__link"><a href="{watch}" rel="noopener noreferrer">{watch_label}'
        '</a></p></div><script src="{script}" defer></script>').format(
        player=video.player_url, title=title or video.provider, watch=video.watch_url,
        notice=translate(_(
            "This video is on ${provider}. Nothing is loaded from ${provider} until you play "
            "it; ${provider} can then see your visit (your IP address) and store data in your "
            "browser.", mapping=mapping)),
        play=translate(_("Play the video from ${provider}", mapping=mapping)),
        watch_label=translate(_("Watch on ${provider}", mapping=mapping)),
        script=request.static_path("hub:static/embeds.js"))


def _add_render_global(event):
    request = event.get("request")
    if request is not None:
        event.setdefault("embed", partial(embed, request))


def includeme(config):
    config.add_subscriber(_add_render_global, BeforeRender)
