"""Settings of bulk mail (``newsletter.*``, defaulting to the core's ``mail.*``) and the
addresses made from them."""
from __future__ import annotations


def setting(settings: dict, key: str, core_key: str | None = None, default=None):
    value = settings.get(f"newsletter.{key}")
    if value in (None, "") and core_key:
        value = settings.get(core_key)
    return default if value in (None, "") else value


def domain(settings: dict) -> str:
    return str(setting(settings, "domain", "mail.domain", "hub.example.org"))


def message_id(settings: dict, delivery_id: int, campaign_id: int) -> str:
    """Deterministic: the same delivery always has the same Message-ID (dedupe downstream)."""
    return f"<newsletter-{campaign_id}-{delivery_id}@{domain(settings)}>"


def verp_address(settings: dict, delivery_id: int, token: str) -> str:
    """Return path naming the delivery, so a bounce tells which message failed.

    The subscriber's token prefix makes forged bounces for other people impractical.
    """
    local, _sep, host = str(setting(settings, "bounce_address", None,
                                    f"bounces@{domain(settings)}")).partition("@")
    return f"{local}+{delivery_id}-{token[:10]}@{host}"
