"""Public pages (calls, awarded grants) and the applicant's pages (drafts, files, submit)."""
from __future__ import annotations

from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from hub.dates import format_day, format_moment, language
from hub.i18n import translate
from hub.organizations.models import Organisation
from hub.params import is_id
from hub.security import AUTHENTICATED, PUBLIC
from hub.storage import DOCUMENTS, IMAGES, TEXT, StorageError, storage
from hub_grants import evaluation, services
from hub_grants.i18n import _
from hub_grants.models import Application, Attachment, Call
from hub_grants.services import APPLY, MAX_FILE, GrantError

ROWS_EMPTY = 3


def flash(request, message, kind="success") -> None:
    request.session.flash(translate(request, message), kind)


def base_values(request, **values) -> dict:
    lang = language(request)
    values.setdefault("errors", {})
    values.setdefault("to_do", None)
    values.update(lang=lang, tr=lambda m: translate(request, m),
                  money=lambda v: services.format_money(v, lang),
                  when=lambda v: format_moment(v, lang),
                  date=lambda v: format_day(v, lang),
                  status_labels=services.STATUS_LABELS, kind_labels=services.KIND_LABELS,
                  phase=services.phase)
    return values


def get_call(request, published_only=True) -> Call:
    call = request.dbsession.get(Call, int(request.matchdict["id"]))
    if call is None or (published_only and not call.published):
        raise HTTPNotFound()
    return call


@view_config(route_name="grants.index", renderer="hub_grants:templates/index.pt",
             permission=PUBLIC)
def index(request):
    return base_values(request, calls=services.published_calls(request),
                       breadcrumbs=[(_("Grants"), None)])


@view_config(route_name="grants.call", renderer="hub_grants:templates/call.pt",
             permission=PUBLIC)
def call_page(request):
    call = get_call(request, published_only=not request.has_permission(services.MANAGE))
    organisations = services.represented(request, request.identity, call)
    return base_values(request, call=call, organisations=organisations,
                       breadcrumbs=[(_("Grants"), request.route_path("grants.index")),
                                    (call.text("title", language(request)), None)])


@view_config(route_name="grants.awarded", renderer="hub_grants:templates/awarded.pt",
             permission=PUBLIC, cache_tables=("grants_application", "grants_call", "organisation"))
def awarded(request):
    return base_values(request, applications=evaluation.awarded(request),
                       year=evaluation.decision_year,
                       breadcrumbs=[(_("Grants"), request.route_path("grants.index")),
                                    (_("Awarded grants"), None)])


@view_config(route_name="grants.apply", permission=APPLY, request_method="POST")
def apply(request):
    call = get_call(request)
    organisation_id = request.POST.get("organisation", "")
    organisation = request.dbsession.get(Organisation, int(organisation_id)) \
        if is_id(organisation_id) else None
    if organisation is None:
        raise HTTPNotFound()
    try:
        application = services.create_application(request, call, organisation, {})
    except GrantError as exc:
        for message in exc.errors.values():
            flash(request, message, "error")
        return HTTPSeeOther(request.route_path("grants.call", id=call.id))
    flash(request, _("A draft was made. It is saved each time you press Save."))
    return HTTPSeeOther(request.route_path("grants.application", id=application.id))


@view_config(route_name="grants.mine", renderer="hub_grants:templates/mine.pt",
             permission=AUTHENTICATED)
def mine(request):
    import sqlalchemy as sa

    ids = [o.id for o in services.represented(request, request.identity)]
    applications = request.dbsession.scalars(
        sa.select(Application).where(Application.organisation_id.in_(ids))
        .order_by(Application.created_at.desc())).all() if ids else []
    from hub_grants.award import to_do

    lang = language(request)
    return base_values(request, applications=applications,
                       to_do=lambda a: to_do(request, a, lang),
                       breadcrumbs=[(_("Grant applications"), None)])


def get_application(request) -> Application:
    """An application of an organisation the person represents (404 for any other)."""
    application = request.dbsession.get(Application, int(request.matchdict["id"]))
    if application is None or not services.may_edit(request, application):
        raise HTTPNotFound()
    return application


def _form_from_post(request, application: Application) -> dict:
    post = request.POST
    items = []
    for i in range(100):
        if f"item_desc_{i}" not in post:
            break
        items.append((post.get(f"item_desc_{i}", ""), post.get(f"item_amount_{i}", "")))
    return {"title": post.get("title", ""), "summary": post.get("summary", ""),
            "amount_requested": post.get("amount_requested", ""), "items": items,
            "answers": {q["key"]: post.get(f"q_{q['key']}", "")
                        for q in application.call.questions or [] if q["type"] != "file"}}


@view_config(route_name="grants.application", renderer="hub_grants:templates/application.pt",
             permission=AUTHENTICATED)
def application_page(request):
    application = get_application(request)
    errors, form = {}, None
    if request.method == "POST" and application.status == "draft":
        form = _form_from_post(request, application)
        try:
            services.update_draft(request, application, form)
            if request.POST.get("action") == "submit":
                services.submit(request, application)
        except GrantError as exc:
            request.response.status = exc.status
            # The error status rolls the transaction back: nothing half-valid is kept, and
            # the page shows what was typed so that nothing is lost.
            errors = exc.errors
        else:
            flash(request, _("Your application was submitted. We have sent you a confirmation "
                             "with its PDF by e-mail.") if application.status == "submitted"
                  else _("The draft was saved."))
            return HTTPSeeOther(request.route_path("grants.application", id=application.id))
    elif request.method == "POST":
        request.response.status = 409
        errors = {"status": _("A submitted application cannot be changed.")}
    return application_values(request, application, errors, form)


def application_values(request, application, errors, form=None) -> dict:
    if form is None:
        form = {"title": application.title, "summary": application.summary,
                "amount_requested": f"{application.amount_requested:.2f}"
                if application.amount_requested else "",
                "items": [(i.description, f"{i.amount:.2f}") for i in application.items],
                "answers": dict(application.answers or {})}
    rows = list(form["items"]) + [("", "")] * ROWS_EMPTY
    missing = services.missing_for_submission(application, language(request)) \
        if application.status == "draft" else {}
    return base_values(request, application=application, call=application.call, form=form,
                       rows=rows, errors=errors, missing=missing,
                       slots=slot_choices(request, application),
                       breadcrumbs=[(_("Grant applications"), request.route_path("grants.mine")),
                                    (application.title or _("Draft"), None)])


def slot_choices(request, application) -> list[tuple[str, str]]:
    lang = language(request)
    call = application.call
    choices = [(f"doc:{i}", (d.get("en") if lang == "en" else "") or d["cs"])
               for i, d in enumerate(call.documents or [])]
    choices += [(f"q:{q['key']}", (q.get("en") if lang == "en" else "") or q["cs"])
                for q in call.questions or [] if q["type"] == "file"]
    choices.append(("other", translate(request, _("Another document"))))
    return choices


@view_config(route_name="grants.attachments", permission=AUTHENTICATED, request_method="POST",
             renderer="hub_grants:templates/application.pt")
def upload(request):
    application = get_application(request)
    slot = request.POST.get("slot", "")
    upload = request.POST.get("file")
    errors = {}
    if application.status != "draft":
        errors["file"] = _("A submitted application cannot be changed.")
    elif slot not in {s for s, _label in slot_choices(request, application)}:
        errors["slot"] = _("Choose what the file is.")
    elif not hasattr(upload, "file"):
        errors["file"] = _("Choose a file.")
    else:
        try:
            stored = storage(request).save(
                upload.file, namespace="grants", filename=upload.filename,
                content_type=getattr(upload, "type", None), max_size=MAX_FILE,
                allowed_types=DOCUMENTS | IMAGES | {TEXT})
        except StorageError as exc:
            errors["file"] = exc.message
        else:
            application.attachments.append(Attachment(
                slot=slot, key=stored.key, filename=stored.filename, size=stored.size,
                content_type=stored.content_type, sha256=stored.sha256,
                uploaded_by_id=request.identity.id))
            request.dbsession.flush()
            services.audit(request, "attachment_added", call_id=application.call_id,
                           application_id=application.id, sha256=stored.sha256)
            flash(request, _("The file was attached."))
            return HTTPSeeOther(request.route_path("grants.application", id=application.id)
                                + "#attachments")
    request.response.status = 422
    return application_values(request, application, errors)


def readable_attachment(request) -> tuple[Application, Attachment]:
    application = request.dbsession.get(Application, int(request.matchdict["id"]))
    attachment = request.dbsession.get(Attachment, int(request.matchdict["aid"]))
    if application is None or attachment is None or attachment.application_id != application.id:
        raise HTTPNotFound()
    return application, attachment


@view_config(route_name="grants.attachment", permission=AUTHENTICATED, request_method="GET")
def download(request):
    from hub_grants.review import may_read

    application, attachment = readable_attachment(request)
    if not (services.may_edit(request, application) or may_read(request, application)):
        raise HTTPNotFound()
    return storage(request).file_response(request, attachment.key, attachment.filename,
                                          attachment.content_type)


@view_config(route_name="grants.attachment_delete", permission=AUTHENTICATED,
             request_method="POST")
def remove(request):
    application, attachment = readable_attachment(request)
    if not services.may_edit(request, application):
        raise HTTPNotFound()
    if application.status != "draft":
        raise HTTPForbidden()
    storage(request).delete(attachment.key)
    request.dbsession.delete(attachment)
    services.audit(request, "attachment_removed", call_id=application.call_id,
                   application_id=application.id, sha256=attachment.sha256)
    flash(request, _("The file was removed."))
    return HTTPSeeOther(request.route_path("grants.application", id=application.id)
                        + "#attachments")


@view_config(route_name="grants.application_pdf", permission=AUTHENTICATED,
             request_method="GET")
def application_pdf(request):
    from hub_grants.documents import application_pdf as make_pdf
    from hub_grants.review import may_read

    application = request.dbsession.get(Application, int(request.matchdict["id"]))
    if application is None or not (services.may_edit(request, application)
                                   or may_read(request, application)):
        raise HTTPNotFound()
    response = request.response
    response.content_type = "application/pdf"
    response.body = make_pdf(request, application, language(request))
    response.headers["Content-Disposition"] = \
        f'attachment; filename="application-{application.id}.pdf"'
    return response
