"""The CRM's consents, kept in the core's consent ledger (``hub.consent``).

Each consent type of the CRM is a purpose of the ledger (``crm.newsletter``, …); segments
and forms name it by its short name (``newsletter``). A contact's consents belong to the
contact (subject ``contact:crm:<id>``) or, once the contact is linked to an account, to the
account (``user:<id>``, so the person sees them on My consents; linking carries the
contact's consents over, ``carry_to_account``). Both keys count for the contact: a consent
is in force when it is in force under either, and a withdrawal under one is carried to the
other at once (``carry_withdrawal``), so a withdraw link, My consents and the preferences
page all stop it.
"""
from __future__ import annotations

import sqlalchemy as sa

from hub import consent as ledger
from hub.consent import Purpose, Subject

PREFIX = "crm."
HEALTH_NOTE = {
    "cs": " Údaje o zdraví vidí jen pověření pracovníci hubu.",
    "en": " Only authorised hub staff see health information.",
}
WITHDRAW_NOTE = {
    "cs": " Souhlas mohu kdykoli odvolat odkazem v každém e-mailu, na stránce Moje souhlasy "
          "nebo na stránce nastavení kontaktu; odvolání platí okamžitě.",
    "en": " I can withdraw this consent at any time with the link in every e-mail, on My "
          "consents or on the contact preferences page; a withdrawal applies at once.",
}


def _purpose(name: str, title: dict, text: dict, order: int, health: bool = False) -> Purpose:
    full = {lang: text[lang] + (HEALTH_NOTE[lang] if health else "") + WITHDRAW_NOTE[lang]
            for lang in ("cs", "en")}
    return Purpose(PREFIX + name, title, full, order=order,
                   legal_basis="explicit_consent" if health else "consent",
                   special_category=health)


PURPOSES = {
    "newsletter": _purpose(
        "newsletter", {"cs": "Zpravodaj hubu e-mailem", "en": "The hub's newsletter by e-mail"},
        {"cs": "Chci dostávat e-mailem zpravodaj pacientského hubu s novinkami z jeho "
               "činnosti. Hub k tomu použije mé jméno a e-mailovou adresu.",
         "en": "I want to receive the patient hub's newsletter with news of its work by "
               "e-mail. The hub uses my name and e-mail address for it."}, 50),
    "event_invitations": _purpose(
        "event_invitations", {"cs": "Pozvánky na akce hubu", "en": "Invitations to the hub's "
                                                                   "events"},
        {"cs": "Chci dostávat e-mailem pozvánky na akce pacientského hubu (setkání, semináře, "
               "kulaté stoly). Hub k tomu použije mé jméno, e-mailovou adresu a údaje, které "
               "o mně vede (například kraj nebo témata, která mě zajímají), aby mi posílal "
               "pozvánky, které se mě týkají.",
         "en": "I want to receive invitations to the patient hub's events (meetings, seminars, "
               "round tables) by e-mail. The hub uses my name, e-mail address and what it "
               "keeps about me (such as my region or the themes I am interested in) to send "
               "me the invitations that concern me."}, 51),
    "disease_information": _purpose(
        "disease_information", {"cs": "Cílené informace o mých onemocněních",
                                "en": "Targeted information about my conditions"},
        {"cs": "Výslovně souhlasím, aby hub použil údaje o mém zdraví, které mu poskytnu "
               "(oblasti onemocnění, které se mě týkají), k tomu, aby mi e-mailem posílal "
               "informace o těchto onemocněních.",
         "en": "I explicitly agree that the hub uses the information about my health that I "
               "give it (the disease areas that concern me) to send me information about "
               "those conditions by e-mail."}, 52, health=True),
    "research": _purpose(
        "research", {"cs": "Nabídky účasti ve výzkumu", "en": "Invitations to take part in "
                                                             "research"},
        {"cs": "Výslovně souhlasím, aby mě hub e-mailem oslovoval s nabídkami účasti ve "
               "výzkumu a aby k výběru studií, které se mě mohou týkat, použil údaje o mém "
               "zdraví, které mu poskytnu (oblasti onemocnění).",
         "en": "I explicitly agree that the hub contacts me by e-mail with invitations to take "
               "part in research, and uses the information about my health that I give it "
               "(the disease areas that concern me) to choose the studies that may concern "
               "me."}, 53, health=True),
}
NAMES = tuple(PURPOSES)
KEYS = {p.key: name for name, p in PURPOSES.items()}


def ledger_key(name: str) -> str:
    """The ledger's key of the CRM purpose ``name`` (``newsletter`` → ``crm.newsletter``)."""
    return PURPOSES[name].key


def contact_ref(contact_id: int) -> str:
    return f"crm:{contact_id}"


def subject_of(contact) -> Subject:
    """The subject a consent given now belongs to: the account when linked, else the
    contact (the reference and address are recorded either way)."""
    return Subject.of_contact(contact_ref(contact.id), email=contact.email,
                              user_id=contact.user_id)


def subjects_of(contact) -> list[Subject]:
    """Every subject the contact's consents may be recorded under."""
    found = [Subject(contact=contact_ref(contact.id), email=contact.email)]
    if contact.user_id is not None:
        found.append(subject_of(contact))
    return found


def consents_of(request, contact) -> dict[str, ledger.State]:
    """The state of each CRM purpose the contact ever decided on, by short name: a consent
    in force under either key wins, else the latest decision."""
    chosen: dict[str, ledger.State] = {}
    for state in ledger.consents_of(request, subjects_of(contact)):
        name = KEYS.get(state.purpose)
        if name is None:
            continue
        known = chosen.get(name)
        if known is None or (state.given, state.at, state.record_id) > (
                known.given, known.at, known.record_id):
            chosen[name] = state
    return chosen


def history_of(request, contact) -> list:
    """The ledger's records of the contact's CRM purposes (the directory's too), oldest
    first."""
    return [r for r in ledger.history_of(request, subjects_of(contact))
            if r.purpose in KEYS or r.purpose == DIRECTORY_KEY]


def holder_keys(contact_table=None):
    """SQL expressions of a contact's two subject keys (contact, and account when linked)."""
    from hub_crm.models import Contact

    contact = contact_table if contact_table is not None else Contact.__table__.c
    return (sa.literal("contact:crm:") + sa.cast(contact.id, sa.String),
            sa.literal("user:") + sa.cast(contact.user_id, sa.String))


def has_consent(name: str):
    """SQL condition on ``crm_contact``: a consent to ``name`` is in force now (the ledger's
    ``holders``, matched on the contact's subject keys through its index)."""
    held = ledger.holders(ledger_key(name)).subquery()
    own, account = holder_keys()
    return sa.exists().where(sa.or_(held.c.subject_key == own, held.c.subject_key == account))


def consent_record(name: str):
    """SQL scalar on ``crm_contact``: the id of the ledger record of the contact's consent
    to ``name`` in force now (the latest, when both keys hold one), else NULL."""
    from hub.consent.services import is_latest

    r = ledger.ConsentRecord
    own, account = holder_keys()
    return (sa.select(sa.func.max(r.id))
            .where(r.purpose == ledger_key(name), r.object == "", r.action == "given",
                   is_latest(), sa.or_(r.subject_key == own, r.subject_key == account))
            .scalar_subquery())


def set_consent(request, contact, name: str, granted: bool, source: str, *,
                text_version: str | None = None, note: str | None = None) -> bool:
    """Give or withdraw the CRM purpose ``name`` for ``contact``; True when it changed.

    ``source`` is a ledger source: ``form`` (the person on a preferences page), ``staff``
    (needs ``note``: the phone call, the paper form), ``api``, ``import``. Giving needs the
    version of the wording the person was shown (``OutdatedText`` otherwise). A withdrawal
    applies under every key the consent is in force.
    """
    declared = PURPOSES[name]
    by = _actor(request)
    if granted:
        state = consents_of(request, contact).get(name)
        if state is not None and state.given and state.text_version == declared.text_version:
            return False
        return ledger.give(request, subject_of(contact), declared.key,
                           text_version or declared.text_version, source, by=by,
                           note=note) is not None
    changed = False
    for subject in subjects_of(contact):
        changed |= ledger.withdraw(request, subject, declared.key, source, by=by,
                                   note=note) is not None
    return changed


def carry_to_account(request, contact) -> None:
    """A contact was just linked to an account: its consents in force become the account's
    too (source ``migration``, "carried over from an earlier record"), so the person sees
    and withdraws them on My consents. The contact's records stay in force beside them; a
    withdrawal under either key is carried to the other. A consent to an earlier wording is
    not carried (the ledger records only the current one); it still counts for the CRM."""
    if contact.user_id is None:
        return
    own = Subject(contact=contact_ref(contact.id), email=contact.email)
    for state in ledger.consents_of(request, own):
        declared = DIRECTORY if state.purpose == DIRECTORY_KEY else PURPOSES.get(
            KEYS.get(state.purpose, ""))
        if declared is None or not state.given or state.text_version != declared.text_version:
            continue
        ledger.give(request, subject_of(contact), declared.key, state.text_version,
                    "migration", by=_actor(request), at=state.given_at, object=state.object,
                    note=f"Given for contact {contact_ref(contact.id)} before it was linked "
                         "to this account.")


def _actor(request):
    from hub_crm.services import current_user

    return current_user(request)


def contacts_of_subject(request, subject: Subject) -> list:
    """The CRM contacts a ledger subject stands for (by contact reference or account)."""
    from hub_crm.models import Contact

    conditions = []
    prefix, _sep, number = (subject.contact or "").partition(":")
    if prefix == "crm" and number.isdigit():
        conditions.append(Contact.id == int(number))
    if subject.user_id is not None:
        conditions.append(Contact.user_id == subject.user_id)
    if not conditions:
        return []
    return list(request.dbsession.scalars(sa.select(Contact).where(sa.or_(*conditions))))


def carry_withdrawal(request, subject: Subject, purpose: Purpose, record) -> None:
    """``hub_consent_changed`` for CRM purposes: audit the change on the contact, and carry
    a withdrawal to the contact's other key, so that it stops everything at once."""
    from hub_crm.services import audit

    name = KEYS.get(purpose.key) or (
        f"directory {record.object}" if purpose.key == DIRECTORY_KEY else None)
    if name is None:
        return
    for contact in contacts_of_subject(request, subject):
        if record.subject_key not in {s.key for s in subjects_of(contact)}:
            continue
        audit(request, contact.id, f"consent.{record.action}", name)
        if record.action != "withdrawn":
            continue
        for other in subjects_of(contact):
            if other.key != record.subject_key:
                # Nothing in force there: None, and no further call of this hook.
                ledger.withdraw(request, other, purpose.key, record.source,
                                by=record.recorded_by_id, note=record.note or None,
                                object=record.object, at=record.at)


def withdraw_links(request, name: str, addresses: list[str]) -> dict[str, str]:
    """``{address: withdraw link}`` of the contacts among ``addresses`` whose consent to
    ``name`` is in force: one query, links signed without further queries."""
    from hub_crm.models import Contact

    if not addresses:
        return {}
    make = ledger.withdraw_link_maker(request, ledger_key(name))
    held = ledger.holders(ledger_key(name)).subquery()
    own, account = holder_keys()
    rows = request.dbsession.execute(
        sa.select(Contact.email, held.c.subject_key)
        .join(held, sa.or_(held.c.subject_key == own, held.c.subject_key == account))
        .where(Contact.email.in_(sorted({a.strip().lower() for a in addresses})))
        .order_by(Contact.email, held.c.subject_key))
    return {email: make(key) for email, key in rows}


# -- the public directory: one consent per field shown ---------------------------------------

DIRECTORY_KEY = PREFIX + "directory"
# What a person may show in the public directory, each with its own consent (object
# "field:<name>"); the name is needed to be listed at all.
DIRECTORY_FIELDS = ("name", "organisation", "stakeholder_type", "region", "contact")
FIELD_LABELS = {
    "name": {"cs": "jméno", "en": "name"},
    "organisation": {"cs": "organizace, ke které patřím", "en": "the organisation I belong to"},
    "stakeholder_type": {"cs": "kdo jsem (pacient/ka, pečující, lékař/ka…)",
                         "en": "who I am (patient, caregiver, doctor…)"},
    "region": {"cs": "kraj", "en": "region"},
    "contact": {"cs": "jak mě kontaktovat (e-mail a telefon)",
                "en": "how to contact me (e-mail and telephone)"},
}


def field_object(field: str) -> str:
    return f"field:{field}"


def _describe_field(request, obj: str) -> str | None:
    labels = FIELD_LABELS.get(obj.partition(":")[2])
    if labels is None:
        return None
    return labels["en" if getattr(request, "locale_name", "cs") == "en" else "cs"]


DIRECTORY = Purpose(
    DIRECTORY_KEY,
    title={"cs": "Veřejný adresář hubu", "en": "The hub's public directory"},
    text={"cs": "Souhlasím, aby hub ve svém veřejném adresáři ukázal komukoli, i bez "
                "přihlášení, ten údaj o mně, u kterého jsem zaškrtl(a) políčko (jméno, "
                "organizaci, ke které patřím, kdo jsem, kraj, nebo jak mě kontaktovat: e-mail "
                "a telefon), a aby podle něj šlo v adresáři vyhledávat. Zveřejní jen "
                "zaškrtnuté údaje; bez jména v adresáři nebudu. Souhlas mohu kdykoli odvolat "
                "na stránce nastavení kontaktu nebo na stránce Moje souhlasy; údaj z adresáře "
                "zmizí okamžitě.",
          "en": "I agree that the hub shows to anyone, also without signing in, in its public "
                "directory the item about me whose box I ticked (my name, the organisation I "
                "belong to, who I am, my region, or how to contact me: e-mail and telephone), "
                "and that the directory can be searched by it. Only the ticked items are "
                "shown; without my name I am not listed. I can withdraw this consent at any "
                "time on the contact preferences page or on My consents; the item disappears "
                "from the directory at once."},
    scoped=True, describe=_describe_field, order=55)


def directory_fields(request, contact) -> set[str]:
    """The fields the contact agreed to show in the public directory, now."""
    shown = set()
    for state in ledger.consents_of(request, subjects_of(contact)):
        if state.purpose == DIRECTORY_KEY and state.given:
            shown.add(state.object.partition(":")[2])
    return shown & set(DIRECTORY_FIELDS)


def set_directory(request, contact, fields: set[str], source: str, *,
                  text_version: str | None = None, note: str | None = None) -> bool:
    """Show exactly ``fields`` of ``contact`` in the directory; True when anything changed."""
    shown = directory_fields(request, contact)
    changed = False
    for field in DIRECTORY_FIELDS:
        if field in fields and field not in shown:
            ledger.give(request, subject_of(contact), DIRECTORY_KEY,
                        text_version or DIRECTORY.text_version, source, by=_actor(request),
                        note=note, object=field_object(field))
            changed = True
        elif field not in fields and field in shown:
            for subject in subjects_of(contact):
                ledger.withdraw(request, subject, DIRECTORY_KEY, source, by=_actor(request),
                                note=note, object=field_object(field))
            changed = True
    return changed


def shows(field: str):
    """SQL condition on ``crm_contact``: the contact agreed to show ``field`` publicly."""
    held = ledger.holders(DIRECTORY_KEY, field_object(field)).subquery()
    own, account = holder_keys()
    return sa.exists().where(sa.or_(held.c.subject_key == own, held.c.subject_key == account))
