"""The consent the newsletter relies on, kept in the core's consent ledger.

One scoped purpose for every mailing list: a record names its list as the object
``list:<id>``. Consents belong to the mailbox (``Subject.of_email``): the double opt-in
proves the address, and a signed-in person sees them on My consents once their address is
verified.
"""
from __future__ import annotations

import sqlalchemy as sa

from hub.consent import Purpose, Subject

LIST_PURPOSE_KEY = "newsletter.list"


def list_object(list_id: int) -> str:
    return f"list:{list_id}"


def list_id_of(obj: str) -> int | None:
    prefix, _sep, number = (obj or "").partition(":")
    return int(number) if prefix == "list" and number.isdigit() else None


def subject_of(email: str) -> Subject:
    return Subject.of_email(email)


def _describe(request, obj: str) -> str | None:
    from hub_newsletter.models import NewsletterList

    list_id = list_id_of(obj)
    if list_id is None:
        return None
    return request.dbsession.scalar(sa.select(NewsletterList.name)
                                    .where(NewsletterList.id == list_id))


LIST_PURPOSE = Purpose(
    LIST_PURPOSE_KEY,
    title={"cs": "Zasílání zpravodaje e-mailem", "en": "Newsletter by e-mail"},
    text={"cs": "Posílejte mi na tuto e-mailovou adresu zpravodaj, který jsem vybral(a), "
                "s novinkami a pozvánkami pacientského hubu. Adresu a jméno použijete jen "
                "k jeho zasílání a oslovení. Souhlas mohu kdykoli odvolat odkazem v každém "
                "zpravodaji, na stránce nastavení odběru nebo na stránce Moje souhlasy.",
          "en": "Send the newsletter I chose, with news and invitations from the patient "
                "hub, to this e-mail address. My address and name are used only to send it "
                "and to address me. I can withdraw this consent at any time with the link "
                "in every newsletter, on the subscription settings page or on My consents."},
    scoped=True, describe=_describe, order=40)
