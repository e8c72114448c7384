"""The grant cycle's rules for calls and applications, shared by pages, the API and demo
data (evaluation and decisions: ``hub_grants.evaluation``; after the award:
``hub_grants.award``).

Every state change is written to ``grants_event`` in the same transaction; mail goes
through the core outbox (sent after commit). Deadlines are instants (stored in UTC) that
staff enter in Prague time; the server alone decides whether one has passed.
"""
from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from hub.accounts.models import User
from hub.dates import format_moment, language, parse_local
from hub.db import utcnow
from hub.i18n import localizer_for
from hub.mail import queue_mail
from hub.organizations.models import KINDS, Membership, Organisation
from hub_grants.i18n import _
from hub_grants.models import (
    QUESTION_TYPES,
    Application,
    BudgetItem,
    Call,
    Criterion,
    GrantEvent,
    Score,
)

MANAGE = "grants:call:manage"
APPLY = "grants:application:apply"
REVIEW = "grants:review"
CENT = Decimal("0.01")
MAX_MONEY = Decimal("9999999999.99")
MAX_FILE = 10 * 1024 * 1024
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")

STATUS_LABELS = {"draft": _("Draft"), "submitted": _("Submitted"), "approved": _("Approved"),
                 "rejected": _("Not supported")}
KIND_LABELS = {"patient_organisation": _("Patient organisation"), "ngo": _("Non-profit"),
               "professional_body": _("Professional body"), "university": _("University"),
               "company": _("Company"), "public_body": _("Public body"), "other": _("Other")}
TYPE_LABELS = {"text": _("Text"), "number": _("Number"), "date": _("Date"),
               "choice": _("Choice"), "file": _("File")}


class GrantError(Exception):
    """Refused input: ``errors`` maps field names to translation strings."""

    def __init__(self, errors: dict, status: int = 422):
        super().__init__(errors)
        self.errors = errors
        self.status = status


class OneApplicationOnly(GrantError):
    """The organisation already has an application to this call (409)."""

    def __init__(self):
        super().__init__({"organisation": _(
            "Your organisation has already applied to this call; it allows one application "
            "per organisation.")}, 409)


# -- money and time -----------------------------------------------------------------------

def money(value) -> Decimal | None:
    """CZK from text or a number as people and programs write it ("12 500,50", 12500.5,
    "12500.50"): a ``Decimal`` with two places, or ``None`` when it is not an amount."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, float):
        value = repr(value)
    text = str(value).replace("\u00a0", "").replace(" ", "").replace(",", ".")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount < 0 or amount > MAX_MONEY \
            or amount != amount.quantize(CENT):
        return None
    return amount.quantize(CENT)


def format_money(amount: Decimal | None, lang: str) -> str:
    if amount is None:
        return "—"
    from babel.numbers import format_currency

    return format_currency(amount, "CZK", locale="cs_CZ" if lang == "cs" else "en_GB")


def phase(call: Call, now: dt.datetime | None = None) -> str:
    """``upcoming``, ``open`` or ``closed`` (for applications)."""
    now = now or utcnow()
    if now < call.opens_at:
        return "upcoming"
    return "open" if now < call.deadline_at else "closed"


# -- audit --------------------------------------------------------------------------------

def audit(request, action: str, call_id=None, application_id=None, **details) -> None:
    user = getattr(request, "identity", None)
    request.dbsession.add(GrantEvent(actor_id=user.id if user is not None else None,
                                call_id=call_id, application_id=application_id,
                                action=action, details=details))


# -- calls ----------------------------------------------------------------------------------

def _text(data, key, limit, errors, required=False):
    value = data.get(key)
    value = value.strip() if isinstance(value, str) else ""
    if required and not value:
        errors[key] = _("Fill in this field.")
    elif len(value) > limit:
        errors[key] = _("Use at most ${max} characters.", mapping={"max": limit})
    return value


def _bilingual_list(items, keys, errors, field) -> list:
    if not isinstance(items, list) or len(items) > 50:
        errors[field] = _("Give a list of at most 50 entries.")
        return []
    result = []
    for item in items:
        if not isinstance(item, dict) or not all(isinstance(item.get(k, ""), str) for k in keys):
            errors[field] = _("An entry of the list is not valid.")
            return []
        entry = {k: item.get(k, "").strip()[:2000] for k in keys}
        if not entry[keys[0]]:
            errors[field] = _("Every entry needs its Czech text.")
            return []
        result.append(entry)
    return result


def check_call(data: dict) -> tuple[dict, list, dict]:
    """Validate a call given as a dict (the staff form and the API give the same shape).

    Returns ``(values, criteria, errors)``: column values, a list of criterion dicts, and
    the errors by field.
    """
    errors: dict = {}
    values = {
        "title_cs": _text(data, "title_cs", 200, errors, required=True),
        "title_en": _text(data, "title_en", 200, errors),
        "description_cs": _text(data, "description_cs", 20000, errors, required=True),
        "description_en": _text(data, "description_en", 20000, errors),
    }
    kinds = data.get("eligible_kinds") or []
    if not isinstance(kinds, list) or not kinds or not set(kinds) <= set(KINDS):
        errors["eligible_kinds"] = _("Choose the kinds of organisation that may apply.")
    values["eligible_kinds"] = [k for k in KINDS if isinstance(kinds, list) and k in kinds]
    for key in ("budget", "max_amount"):
        amount = money(data.get(key))
        if amount is None or amount <= 0:
            errors[key] = _("Give an amount in CZK, such as 250000 or 250 000,50.")
        values[key] = amount
    if not errors.get("budget") and not errors.get("max_amount") \
            and values["max_amount"] > values["budget"]:
        errors["max_amount"] = _("The maximum per application cannot exceed the budget.")
    share = money(data.get("cofinancing_percent", "0") or "0")
    if share is None or share >= 100:
        errors["cofinancing_percent"] = _("Give a share from 0 to 99 per cent.")
    values["cofinancing_percent"] = share
    for key in ("opens_at", "deadline_at"):
        raw = data.get(key)
        when = parse_local(raw) if isinstance(raw, str) else None
        if when is None:
            errors[key] = _("Give the whole date and time: day, month, year, hours and "
                            "minutes (Prague time).")
        values[key] = when
    if values["opens_at"] and values["deadline_at"] and \
            values["opens_at"] >= values["deadline_at"]:
        errors["deadline_at"] = _("The deadline must come after the opening.")
    for key in ("evaluation_until", "decision_by"):
        raw = data.get(key) or ""
        try:
            values[key] = dt.date.fromisoformat(raw) if raw else None
        except (TypeError, ValueError):
            errors[key] = _("Give the whole date: day, month and year.")
            values[key] = None
    values["multiple_per_organisation"] = data.get("multiple_per_organisation") is True
    values["documents"] = _bilingual_list(data.get("documents") or [], ("cs", "en"), errors,
                                          "documents")
    values["faq"] = _bilingual_list(data.get("faq") or [], ("q_cs", "a_cs", "q_en", "a_en"),
                                    errors, "faq")
    values["questions"] = _questions(data.get("questions") or [], errors)
    criteria = _criteria(data.get("criteria"), errors)
    return values, criteria, errors


def _questions(items, errors) -> list:
    result, keys = [], set()
    if not isinstance(items, list) or len(items) > 30:
        errors["questions"] = _("Give a list of at most 30 questions.")
        return []
    for item in items:
        if not isinstance(item, dict):
            errors["questions"] = _("An entry of the list is not valid.")
            return []
        key, kind = str(item.get("key", "")), item.get("type")
        choices = item.get("choices") or []
        if not _KEY.match(key) or key in keys or kind not in QUESTION_TYPES \
                or not str(item.get("cs", "")).strip() \
                or not isinstance(choices, list) or (kind == "choice" and not choices):
            errors["questions"] = _("Each question needs a unique key (small letters, digits, "
                                    "_), a type, its Czech wording and, for a choice, the "
                                    "choices.")
            return []
        keys.add(key)
        result.append({"key": key, "type": kind, "cs": str(item["cs"]).strip()[:500],
                       "en": str(item.get("en", "")).strip()[:500],
                       "choices": [str(c).strip()[:200] for c in choices if str(c).strip()],
                       "required": item.get("required") is not False})
    return result


def _criteria(items, errors) -> list:
    if not isinstance(items, list) or not items or len(items) > 20:
        errors["criteria"] = _("Give from 1 to 20 evaluation criteria.")
        return []
    result = []
    for item in items:
        weight = money(item.get("weight")) if isinstance(item, dict) else None
        max_score = item.get("max_score") if isinstance(item, dict) else None
        if isinstance(max_score, str) and max_score.strip().isdigit():
            max_score = int(max_score)
        if weight is None or weight <= 0 or weight >= 1000 or isinstance(max_score, bool) \
                or not isinstance(max_score, int) or not 0 < max_score <= 100 \
                or not str(item.get("name_cs", "")).strip():
            errors["criteria"] = _("Each criterion needs its Czech name, a weight above 0 and "
                                   "a maximum score from 1 to 100.")
            return []
        result.append({"name_cs": str(item["name_cs"]).strip()[:200],
                       "name_en": str(item.get("name_en", "")).strip()[:200],
                       "weight": weight, "max_score": max_score})
    return result


def save_call(request, call: Call | None, data: dict) -> Call:
    values, criteria, errors = check_call(data)
    if call is not None and errors.get("criteria") is None and _has_scores(request, call) \
            and _criteria_changed(call, criteria):
        errors["criteria"] = _("Reviewers have scored this call already; its criteria can "
                               "no longer change.")
    if errors:
        raise GrantError(errors)
    new = call is None
    if new:
        call = Call(created_by_id=request.identity.id if request.identity else None)
        request.dbsession.add(call)
    for key, value in values.items():
        setattr(call, key, value)
    if new or _criteria_changed(call, criteria):
        call.criteria = [Criterion(position=i, **c) for i, c in enumerate(criteria)]
    request.dbsession.flush()
    audit(request, "call_created" if new else "call_changed", call_id=call.id)
    return call


def _criteria_changed(call: Call, criteria: list) -> bool:
    old = [(c.name_cs, c.name_en, c.weight, c.max_score) for c in call.criteria]
    return old != [(c["name_cs"], c["name_en"], c["weight"], c["max_score"]) for c in criteria]


def _has_scores(request, call: Call) -> bool:
    return request.dbsession.scalar(
        sa.select(Score.review_id).join(Criterion, Criterion.id == Score.criterion_id)
        .where(Criterion.call_id == call.id).limit(1)) is not None


def set_published(request, call: Call, published: bool) -> None:
    if call.published != published:
        call.published = published
        audit(request, "call_published" if published else "call_unpublished", call_id=call.id)


def published_calls(request) -> list[Call]:
    return list(request.dbsession.scalars(
        sa.select(Call).where(Call.published.is_(True)).order_by(Call.deadline_at.desc())))


# -- applications -------------------------------------------------------------------------

def represented(request, user, call: Call | None = None) -> list[Organisation]:
    """Organisations ``user`` represents (eligible for ``call`` when given)."""
    if user is None:
        return []
    stmt = (sa.select(Organisation).join(Membership, Membership.organisation_id == Organisation.id)
            .where(Membership.user_id == user.id, Membership.active(),
                   Membership.is_representative.is_(True)).order_by(Organisation.name))
    organisations = list(request.dbsession.scalars(stmt))
    if call is not None:
        organisations = [o for o in organisations if o.kind in (call.eligible_kinds or [])]
    return organisations


def may_edit(request, application: Application) -> bool:
    user = request.identity
    return user is not None and application.organisation_id in {
        o.id for o in represented(request, user)}


def create_application(request, call: Call, organisation: Organisation, data: dict) -> Application:
    user = request.identity
    if not call.published or phase(call) != "open":
        raise GrantError({"call": _("The call is not open for applications.")}, 409)
    if organisation not in represented(request, user):
        raise GrantError({"organisation": _("You can apply only for an organisation you "
                                            "represent.")}, 403)
    if organisation.kind not in (call.eligible_kinds or []):
        raise GrantError({"organisation": _("Organisations of this kind cannot apply to this "
                                            "call.")}, 422)
    application = Application(call=call, organisation=organisation, applicant_id=user.id,
                              exclusive=not call.multiple_per_organisation, status="draft")
    update_draft(request, application, data, partial=True)
    db = request.dbsession
    try:
        with db.begin_nested():
            db.add(application)
            db.flush()
    except IntegrityError:
        raise OneApplicationOnly() from None
    audit(request, "application_created", call_id=call.id, application_id=application.id,
          organisation_id=organisation.id)
    return application


def update_draft(request, application: Application, data: dict, partial: bool = False) -> None:
    """Save what was given (a draft may be incomplete; amounts must still be amounts)."""
    if application.status != "draft":
        raise GrantError({"status": _("A submitted application cannot be changed.")}, 409)
    errors: dict = {}
    if "title" in data or not partial:
        application.title = _text(data, "title", 200, errors)
    if "summary" in data or not partial:
        application.summary = _text(data, "summary", 20000, errors)
    if data.get("amount_requested") not in (None, ""):
        amount = money(data["amount_requested"])
        if amount is None:
            errors["amount_requested"] = _("Give an amount in CZK, such as 120000 or "
                                           "120 000,50.")
        else:
            application.amount_requested = amount
    if "items" in data:
        items = []
        for i, (text, raw) in enumerate(data["items"] or []):
            text, raw = (text or "").strip(), (raw or "")
            if not text and not str(raw).strip():
                continue
            amount = money(raw)
            if not text or amount is None or amount <= 0 or len(text) > 300:
                errors[f"item-{i}"] = _("Each budget line needs what it pays for and an amount "
                                        "above zero.")
                continue
            items.append(BudgetItem(position=i, description=text, amount=amount))
        if "item-0" not in errors and not any(k.startswith("item-") for k in errors):
            application.items = items
    if "answers" in data:
        answers = dict(application.answers or {})
        for question in application.call.questions or []:
            if question["type"] == "file" or question["key"] not in data["answers"]:
                continue
            value = str(data["answers"][question["key"]] or "").strip()[:5000]
            if value and question["type"] == "number" and money(value) is None:
                errors[f"q-{question['key']}"] = _("Give a number.")
            elif value and question["type"] == "date" and not _is_date(value):
                errors[f"q-{question['key']}"] = _("Give the whole date: day, month and year.")
            elif value and question["type"] == "choice" and value not in question["choices"]:
                errors[f"q-{question['key']}"] = _("Choose one of the offered values.")
            else:
                answers[question["key"]] = value
        application.answers = answers
    if errors:
        raise GrantError(errors)


def _is_date(value: str) -> bool:
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def missing_for_submission(application: Application, lang: str = "cs") -> dict:
    """What an application still lacks; empty when it may be submitted (amounts in the
    messages are written for ``lang``)."""
    call, errors = application.call, {}
    if not application.title:
        errors["title"] = _("Give the project's title.")
    if not application.summary:
        errors["summary"] = _("Describe the project.")
    total, requested = application.total_cost, application.amount_requested or Decimal(0)
    if total <= 0:
        errors["items"] = _("Fill in the budget: at least one line with an amount.")
    if requested <= 0:
        errors["amount_requested"] = _("Give the amount you ask for.")
    elif requested > call.max_amount:
        errors["amount_requested"] = _("The call gives at most ${amount} per application.",
                                       mapping={"amount": format_money(call.max_amount, lang)})
    elif total > 0 and requested > total:
        errors["amount_requested"] = _("You cannot ask for more than the project's total cost.")
    elif total > 0 and call.cofinancing_percent and \
            (total - requested) < (total * call.cofinancing_percent / 100).quantize(
                CENT, rounding=ROUND_HALF_UP):
        errors["amount_requested"] = _(
            "The call asks for at least ${share} % of the total cost from your own sources.",
            mapping={"share": f"{call.cofinancing_percent.normalize():f}"})
    slots = {a.slot for a in application.attachments}
    for i, _doc in enumerate(call.documents or []):
        if f"doc:{i}" not in slots:
            errors[f"doc-{i}"] = _("Attach this document.")
    for question in call.questions or []:
        if not question.get("required"):
            continue
        if question["type"] == "file":
            if f"q:{question['key']}" not in slots:
                errors[f"q-{question['key']}"] = _("Attach the file this question asks for.")
        elif not (application.answers or {}).get(question["key"]):
            errors[f"q-{question['key']}"] = _("Answer this question.")
    return errors


def submit(request, application: Application) -> None:
    if application.status != "draft":
        raise GrantError({"status": _("The application has been submitted already.")}, 409)
    now = utcnow()
    if now >= application.call.deadline_at:
        raise GrantError({"deadline": _("The deadline has passed; the application can no "
                                        "longer be submitted.")}, 409)
    if now < application.call.opens_at:
        raise GrantError({"deadline": _("The call is not open yet.")}, 409)
    errors = missing_for_submission(application, language(request))
    if errors:
        raise GrantError(errors)
    application.status, application.submitted_at = "submitted", now
    request.dbsession.flush()
    audit(request, "application_submitted", call_id=application.call_id,
          application_id=application.id, amount_requested=str(application.amount_requested))
    _mail_submitted(request, application)


def _recipient(application: Application) -> User | None:
    user = application.applicant
    return user if user is not None and user.is_active and user.email else None


def _mail_submitted(request, application: Application) -> None:
    from hub_grants.documents import application_pdf

    user = _recipient(application)
    if user is None:
        return
    localizer = localizer_for(request.registry, user.language)
    tr = localizer.translate
    call_title = application.call.text("title", user.language)
    text = "\n\n".join(tr(line) for line in (
        _("Hello ${name},", mapping={"name": user.name}),
        _("we received the application \u201c${title}\u201d of ${organisation} to the call "
          "\u201c${call}\u201d on ${when}. Its number is ${number}. The attached PDF shows "
          "exactly what was submitted.",
          mapping={"title": application.title, "organisation": application.organisation.name,
                   "call": call_title, "number": application.id,
                   "when": format_moment(application.submitted_at, user.language)}),
        _("We will let you know the decision by e-mail.")))
    pdf = application_pdf(request, application, user.language)
    queue_mail(request, user.email, tr(_("Application received: ${title}",
                                         mapping={"title": application.title})), text,
               attachments=((f"application-{application.id}.pdf", "application/pdf", pdf),))
