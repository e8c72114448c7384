"""Open Graph and Twitter card metadata, so shared links look right on social networks.

A view calls ``set_share_metadata(request, title, description, ...)``; the layout renders
the tags in ``<head>``. No third-party script is involved.
"""
from __future__ import annotations

from markupsafe import Markup

ENVIRON_KEY = "hub.share"


def set_share_metadata(request, title: str, description: str = "", url: str | None = None,
                       image: str | None = None, kind: str = "website", published=None) -> None:
    """Describe the current page for sharing (``url`` defaults to its address, no query)."""
    settings = request.registry.settings
    base = settings["hub.base_url"].rstrip("/")
    request.environ[ENVIRON_KEY] = {
        "title": title, "description": " ".join((description or "").split())[:300],
        "url": url or base + request.path, "type": kind,
        "image": (base + image) if image and image.startswith("/") else image,
        "published": published.isoformat() if published else None,
        "locale": "en_GB" if request.locale_name == "en" else "cs_CZ",
        "site_name": settings["hub.site_name"]}


def share_head(request) -> Markup | None:
    """The ``<meta>`` tags for the page, every value escaped."""
    meta = request.environ.get(ENVIRON_KEY)
    if not meta:
        return None
    tags = [("property", "og:type", meta["type"]), ("property", "og:title", meta["title"]),
            ("property", "og:description", meta["description"]),
            ("property", "og:url", meta["url"]),
            ("property", "og:site_name", meta["site_name"]),
            ("property", "og:locale", meta["locale"]),
            ("name", "twitter:card", "summary_large_image" if meta["image"] else "summary"),
            ("name", "twitter:title", meta["title"]),
            ("name", "twitter:description", meta["description"]),
            ("name", "description", meta["description"])]
    if meta["image"]:
        tags += [("property", "og:image", meta["image"]), ("name", "twitter:image", meta["image"])]
    if meta["published"]:
        tags.append(("property", "article:published_time", meta["published"]))
    parts = [Markup('<meta {}="{}" content="{}">').format(attr, key, value)
             for attr, key, value in tags if value]
    parts.append(Markup('<link rel="canonical" href="{}">').format(meta["url"]))
    return Markup("\n").join(parts)
