"""Pages of the topics taxonomy: staff management and a user's declared interests."""
from __future__ import annotations

import re

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from hub.consent import OutdatedText, Subject, give, has_consent, withdraw
from hub.i18n import _
from hub.security import AUTHENTICATED, STAFF, safe_redirect_target
from hub.shell import render_snippet
from hub.topics import (
    KIND_LABELS,
    STAKEHOLDER_LABELS,
    STAKEHOLDER_TYPES,
    Topic,
    UserStakeholder,
    UserTopic,
    active_topics,
    stakeholder_type,
)
from hub.topics.digest import DIGEST_PURPOSE
from hub.topics.disease import DISEASE_PURPOSE, consents, delete_disease_areas

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


# -- staff: the taxonomy ------------------------------------------------------------------

TOPIC_FIELDS = ("name_cs", "name_en", "slug", "kind")
FIELD_LABELS = {"name_cs": _("Name in Czech"), "name_en": _("Name in English"),
                "slug": _("Short name in addresses"), "kind": _("Kind")}


def read_topic_form(request) -> tuple[dict, dict]:
    post = request.POST
    values = {name: post.get(name, "").strip() for name in TOPIC_FIELDS}
    values["slug"] = values["slug"].lower()
    values["is_active"] = post.get("is_active") == "on"
    errors = {}
    for name, limit in (("name_cs", 120), ("name_en", 120), ("slug", 60)):
        if not values[name]:
            errors[name] = _("Fill in this field.")
        elif len(values[name]) > limit:
            errors[name] = _("Use at most ${max} characters.", mapping={"max": limit})
    if values["slug"] and "slug" not in errors and not SLUG_RE.match(values["slug"]):
        errors["slug"] = _("Use lower-case letters, digits and hyphens only.")
    if values["kind"] not in KIND_LABELS:
        errors["kind"] = _("Choose one of the offered values.")
    return values, errors


@view_config(route_name="topics.manage", renderer="hub:templates/topics/manage.pt",
             permission=STAFF)
def manage(request):
    topics = request.dbsession.scalars(sa.select(Topic).order_by(Topic.position, Topic.id)).all()
    counts = dict(request.dbsession.execute(
        sa.select(UserTopic.topic_id, sa.func.count()).group_by(UserTopic.topic_id)).all())
    return {"topics": topics, "counts": counts, "kind_labels": KIND_LABELS,
            "breadcrumbs": [(_("Topics"), None)]}


def _save_topic(request, topic: Topic | None):
    values = {"is_active": True, "kind": "theme", "name_cs": "", "name_en": "", "slug": ""} \
        if topic is None else {"name_cs": topic.name_cs, "name_en": topic.name_en,
                               "slug": topic.slug, "kind": topic.kind,
                               "is_active": topic.is_active}
    errors: dict = {}
    if request.method == "POST":
        values, errors = read_topic_form(request)
        taken = request.dbsession.scalar(sa.select(Topic.id).where(
            Topic.slug == values["slug"], Topic.id != (topic.id if topic else -1)))
        if taken is not None:
            errors.setdefault("slug", _("Another topic already uses this short name."))
        if not errors:
            saved = _store_topic(request, topic, values)
            if saved:
                request.session.flash(_("The topic has been saved."), "success")
                return HTTPSeeOther(location=request.route_path("topics.manage"))
            errors["slug"] = _("Another topic already uses this short name.")
        request.response.status = 422
    heading = _("New topic") if topic is None else _("Edit topic")
    action = request.route_path("topics.edit", id=topic.id) if topic is not None \
        else request.route_path("topics.new")
    return {"values": values, "errors": errors, "labels": FIELD_LABELS, "action": action,
            "heading": heading, "kind_labels": KIND_LABELS, "topic": topic,
            "breadcrumbs": [(_("Topics"), request.route_path("topics.manage")), (heading, None)]}


def _store_topic(request, topic: Topic | None, values: dict) -> bool:
    """Write the topic; False when the short name was taken concurrently."""
    db = request.dbsession
    try:
        with db.begin_nested():
            if topic is None:
                last = db.scalar(sa.select(sa.func.max(Topic.position))) or 0
                topic = Topic(position=last + 10)
                db.add(topic)
            topic.name_cs, topic.name_en = values["name_cs"], values["name_en"]
            topic.slug, topic.kind, topic.is_active = (values["slug"], values["kind"],
                                                       values["is_active"])
            db.flush()
    except sa.exc.IntegrityError:
        return False
    return True


@view_config(route_name="topics.new", renderer="hub:templates/topics/form.pt",
             permission=STAFF)
def new_topic(request):
    return _save_topic(request, None)


@view_config(route_name="topics.edit", renderer="hub:templates/topics/form.pt",
             permission=STAFF)
def edit_topic(request):
    topic = request.dbsession.get(Topic, int(request.matchdict["id"]))
    if topic is None:
        raise HTTPNotFound()
    return _save_topic(request, topic)


@view_config(route_name="topics.move", request_method="POST", permission=STAFF)
def move_topic(request):
    """Swap a topic with its neighbour (up or down) and renumber the whole list."""
    topics = list(request.dbsession.scalars(
        sa.select(Topic).order_by(Topic.position, Topic.id).with_for_update()))
    ids = [t.id for t in topics]
    topic_id = int(request.matchdict["id"])
    if topic_id not in ids:
        raise HTTPNotFound()
    i = ids.index(topic_id)
    j = i - 1 if request.POST.get("direction") == "up" else i + 1
    if 0 <= j < len(topics):
        topics[i], topics[j] = topics[j], topics[i]
    for position, topic in enumerate(topics):
        topic.position = (position + 1) * 10
    request.session.flash(_("The order has been saved."), "success")
    return HTTPSeeOther(location=request.route_path("topics.manage") + f"#topic-{topic_id}")


# -- users: declared interests ------------------------------------------------------------

def interests_values(request, user) -> dict:
    chosen = set(request.dbsession.scalars(
        sa.select(UserTopic.topic_id).where(UserTopic.user_id == user.id)))
    return {"topics": chosen, "stakeholder": stakeholder_type(request, user) or "",
            "digest": has_consent(request, Subject.of_user(user), DIGEST_PURPOSE.key),
            "disease_consent": consents(request, user)}


def render_interests_form(request, user, values=None, errors=None, next_url=None) -> object:
    """The interests form as a snippet (used by /my/interests and the profile section)."""
    return render_snippet(request, "hub:templates/topics/interests_form.pt", {
        # The digest box shows the exact wording of the consent and sends its version back.
        "digest_text": DIGEST_PURPOSE.text_in(request.locale_name),
        "digest_version": DIGEST_PURPOSE.text_version,
        # Disease areas sit apart, next to their own explicit consent (GDPR Art. 9).
        "disease_title": DISEASE_PURPOSE.title_in(request.locale_name),
        "disease_text": DISEASE_PURPOSE.text_in(request.locale_name),
        "disease_version": DISEASE_PURPOSE.text_version,
        "topics": [t for t in active_topics(request) if t.kind != "disease"],
        "diseases": [t for t in active_topics(request) if t.kind == "disease"],
        "language": request.locale_name,
        "values": values or interests_values(request, user), "errors": errors or {},
        "stakeholder_options": [(k, STAKEHOLDER_LABELS[k]) for k in STAKEHOLDER_TYPES],
        "action": request.route_path("topics.interests"),
        "next_url": next_url or request.path})


@view_config(route_name="topics.interests", renderer="hub:templates/topics/interests.pt",
             permission=AUTHENTICATED)
def interests(request):
    user = request.identity
    values = errors = None
    if request.method == "POST":
        topics = {t.id: t for t in active_topics(request)}
        raw_ids = request.POST.getall("topic")
        chosen = {int(v) for v in raw_ids if v.isdigit()}
        stakeholder = request.POST.get("stakeholder", "")
        errors = {}
        if len(chosen) != len(raw_ids) or not chosen <= set(topics):
            errors["topics"] = _("Choose only from the offered topics.")
        if stakeholder and stakeholder not in STAKEHOLDER_TYPES:
            errors["stakeholder"] = _("Choose one of the offered values.")
        values = {"topics": chosen & set(topics), "stakeholder": stakeholder,
                  "digest": request.POST.get("digest") == "on",
                  "disease_consent": request.POST.get("disease_consent") == "on"}
        if not errors:
            try:
                kept = _save_interests(request, user, values, {
                    "digest": request.POST.get("digest_text_version", ""),
                    "disease": request.POST.get("disease_text_version", "")})
            except OutdatedConsent as exc:
                request.tm.doom()
                if exc.key == DISEASE_PURPOSE.key:
                    errors["disease_consent"] = _(
                        "The text of the consent to keep your disease areas has changed. "
                        "Read it again and tick the box if you agree.")
                    values["disease_consent"] = False
                else:
                    errors["digest"] = _("The text of the weekly e-mail consent has changed. "
                                         "Read it again and tick the box if you agree.")
                    values["digest"] = False
                request.response.status = 409
            else:
                if not kept:
                    request.session.flash(_(
                        "Your other interests have been saved, but not the disease areas: "
                        "they are health data, kept only with your explicit consent. Tick "
                        "the consent box under the disease areas to save them."), "error")
                else:
                    request.session.flash(_("Your interests have been saved."), "success")
                target = safe_redirect_target(request, request.POST.get("next"),
                                              request.route_path("topics.interests"))
                return HTTPSeeOther(location=target)
        else:
            request.response.status = 422
    return {"form_html": render_interests_form(request, user, values, errors,
                                               request.route_path("topics.interests")),
            "breadcrumbs": [(_("My interests"), None)]}


class OutdatedConsent(Exception):
    """The wording of the consent ``key`` changed after the form was shown."""

    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def _save_interests(request, user, values: dict, versions: dict) -> bool:
    """Save the form; the weekly digest and keeping disease areas are consents, recorded in
    the ledger first, so a changed wording refuses the whole form. Returns False when
    disease areas were chosen but not kept (no explicit consent)."""
    subject = Subject.of_user(user)
    for key, wanted, version in (
            (DIGEST_PURPOSE.key, values["digest"], versions["digest"]),
            (DISEASE_PURPOSE.key, values["disease_consent"], versions["disease"])):
        in_force = has_consent(request, subject, key)
        if wanted and not in_force:
            try:
                give(request, subject, key, version, "form")
            except OutdatedText:
                raise OutdatedConsent(key) from None
        elif not wanted and in_force:
            # Withdrawing the disease consent deletes the disease areas (hooks.py).
            withdraw(request, subject, key, "form")
    db = request.dbsession
    active = active_topics(request)
    chosen = values["topics"]
    diseases = {t.id for t in active if t.kind == "disease"}
    kept = values["disease_consent"] or not (chosen & diseases)
    if not values["disease_consent"]:
        chosen = chosen - diseases
    # Inactive topics are not shown in the form: keep those the user chose earlier.
    db.execute(sa.delete(UserTopic).where(UserTopic.user_id == user.id,
                                          UserTopic.topic_id.in_([t.id for t in active])))
    if not values["disease_consent"]:
        delete_disease_areas(request, user.id)
    db.add_all(UserTopic(user_id=user.id, topic_id=t) for t in sorted(chosen))
    row = db.get(UserStakeholder, user.id)
    if values["stakeholder"]:
        if row is None:
            db.add(UserStakeholder(user_id=user.id, type=values["stakeholder"]))
        else:
            row.type = values["stakeholder"]
    elif row is not None:
        db.delete(row)
    db.flush()
    return kept
