"""Disease areas of interest: health data (GDPR Art. 9), kept only with explicit consent.

A person picks disease areas on My interests next to a separate consent box; without the
consent ``hub.topics.disease_areas`` in the ledger none is stored (the other interests
are). Withdrawing the consent deletes the chosen disease areas at once
(``hub_consent_changed``). Earlier choices made without the consent were deleted by the
migration ``f2b7d9e4c6a1``, which left each person a message (``RESET_KIND``) that My hub
shows until they choose again.
"""
from __future__ import annotations

import sqlalchemy as sa

from hub.consent import Purpose, Subject, has_consent
from hub.topics.models import Topic, UserTopic

DISEASE_PURPOSE = Purpose(
    "hub.topics.disease_areas",
    title={"cs": "Oblasti onemocnění, které mě zajímají",
           "en": "Disease areas I am interested in"},
    text={"cs": "Výslovně souhlasím, aby hub uchovával oblasti onemocnění, které si vyberu na "
                "stránce Moje zájmy. Mohou prozrazovat údaje o mém zdraví nebo o zdraví "
                "někoho blízkého. Hub je použije jen k tomu, aby mi nabízel akce, kurzy a "
                "novinky z těchto oblastí, a tým hubu je uvidí v evidenci kontaktů. Souhlas "
                "mohu kdykoli odvolat na stránce Moje zájmy nebo Moje souhlasy; vybrané "
                "oblasti onemocnění se tím hned smažou.",
          "en": "I explicitly agree that the hub keeps the disease areas I choose on My "
                "interests. They may reveal something about my health or the health of "
                "someone close to me. The hub uses them only to offer me events, courses and "
                "news on these areas, and hub staff see them in the contact register. I can "
                "withdraw this consent at any time on My interests or My consents; the "
                "chosen disease areas are then deleted at once."},
    legal_basis="explicit_consent", special_category=True, order=11)
# The inbox message of people whose earlier disease areas were deleted (see the migration).
RESET_KIND = "hub.topics.disease_areas_reset"


def consents(request, user) -> bool:
    return has_consent(request, Subject.of_user(user), DISEASE_PURPOSE.key)


def disease_topic_ids(request) -> sa.Select:
    return sa.select(Topic.id).where(Topic.kind == "disease")


def delete_disease_areas(request, user_id: int) -> None:
    request.dbsession.execute(sa.delete(UserTopic).where(
        UserTopic.user_id == user_id, UserTopic.topic_id.in_(disease_topic_ids(request))))


def must_choose_again(request, user) -> bool:
    """Whether ``user`` lost disease areas in the migration and has not consented since."""
    from hub.notifications.models import Notification

    return request.dbsession.scalar(sa.select(Notification.id).where(
        Notification.user_id == user.id, Notification.kind == RESET_KIND).limit(1)) \
        is not None and not consents(request, user)
