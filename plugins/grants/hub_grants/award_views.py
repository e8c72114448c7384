"""Pages after the award: the organisation's grant (agreement, payments, reports) and the
staff's (schedule and agreement, payments, review of reports, closure)."""
from __future__ import annotations

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from hub.dates import language
from hub.params import is_id
from hub.security import AUTHENTICATED
from hub.storage import DOCUMENTS, IMAGES, TEXT, StorageError, storage
from hub_grants import award, services
from hub_grants.forms import rows_from_post, with_blank
from hub_grants.i18n import _
from hub_grants.models import Application, Instalment, ReportFile
from hub_grants.services import MANAGE, MAX_FILE, GrantError
from hub_grants.views import base_values, flash

INSTALMENT_FIELDS = ("kind", "due_on", "amount")


def grant_values(request, application, **values) -> dict:
    agreement = application.agreement
    reports = {kind: award.get_report(request, application, kind)
               for kind in (award.report_kinds(agreement) if agreement else [])}
    return base_values(
        request, application=application, call=application.call, agreement=agreement,
        reports=reports, report_labels=award.REPORT_LABELS,
        report_status=award.REPORT_STATUS, agreement_status=award.AGREEMENT_STATUS,
        instalment_labels=award.INSTALMENT_LABELS,
        due=lambda kind: award.report_due(agreement, kind), **values)


def _approved(request, staff: bool) -> Application:
    application = request.dbsession.get(Application, int(request.matchdict["id"]))
    if application is None or application.status != "approved":
        raise HTTPNotFound()
    if not staff and not services.may_edit(request, application):
        raise HTTPNotFound()
    return application


def _agreement(application):
    if application.agreement is None:
        raise HTTPNotFound()
    return application.agreement


# -- the organisation's side -------------------------------------------------------------------

@view_config(route_name="grants.grant", renderer="hub_grants:templates/grant.pt",
             permission=AUTHENTICATED)
def grant(request):
    application = _approved(request, staff=False)
    errors: dict = {}
    if request.method == "POST":
        agreement = _agreement(application)
        try:
            if not request.POST.get("confirm"):
                raise GrantError({"confirm": _("Confirm that you accept the agreement on "
                                                "behalf of the organisation.")})
            award.accept(request, agreement, request.POST.get("sha256", ""))
        except GrantError as exc:
            request.response.status = exc.status
            errors = exc.errors
        else:
            flash(request, _("You accepted the agreement. Thank you."))
            return HTTPSeeOther(request.route_path("grants.grant", id=application.id))
    return grant_values(request, application, errors=errors,
                        to_do=award.to_do(request, application, language(request)),
                        breadcrumbs=[(_("Grant applications"), request.route_path("grants.mine")),
                                     (application.title, None)])


@view_config(route_name="grants.agreement_pdf", permission=AUTHENTICATED, request_method="GET")
def agreement_pdf(request):
    application = _approved(request, staff=request.has_permission(MANAGE))
    agreement = _agreement(application)
    return storage(request).file_response(request, agreement.document_key,
                                          f"agreement-{agreement.number.replace('/', '-')}.pdf",
                                          "application/pdf")


def _report_form(request, application, report, kind, errors, form=None):
    if form is None:
        lines = {line.budget_item_id: line for line in report.lines} if report else {}
        form = {"narrative": report.narrative if report else "",
                "lines": {item.id: (f"{lines[item.id].spent:.2f}" if item.id in lines else "",
                                    f"{lines[item.id].from_grant:.2f}" if item.id in lines
                                    else "") for item in application.items}}
    return grant_values(
        request, application, report=report, kind=kind, form=form, errors=errors,
        can_edit=award.editable(report),
        breadcrumbs=[(_("Grant applications"), request.route_path("grants.mine")),
                     (application.title, request.route_path("grants.grant", id=application.id)),
                     (award.REPORT_LABELS[kind], None)])


def _expected(application, kind):
    agreement = _agreement(application)
    if agreement.status == "issued" or kind not in award.report_kinds(agreement):
        raise HTTPNotFound()
    return agreement


@view_config(route_name="grants.report", renderer="hub_grants:templates/report.pt",
             permission=AUTHENTICATED)
def report(request):
    application = _approved(request, staff=False)
    kind = request.matchdict["kind"]
    _expected(application, kind)
    current = award.get_report(request, application, kind)
    if request.method != "POST":
        return _report_form(request, application, current, kind, {})
    post = request.POST
    form = {"narrative": post.get("narrative", ""),
            "lines": {item.id: (post.get(f"spent-{item.id}", ""),
                                post.get(f"grant-{item.id}", "")) for item in application.items}}
    try:
        saved = award.save_report(request, application, kind, form["narrative"], form["lines"])
        if post.get("action") == "submit":
            award.submit_report(request, saved)
    except GrantError as exc:
        # The error status rolls the transaction back; the page keeps what was typed.
        request.response.status = exc.status
        return _report_form(request, application, current, kind, exc.errors, form)
    flash(request, _("The report was submitted.") if saved.status == "submitted"
          else _("The report was saved."))
    return HTTPSeeOther(request.route_path("grants.report", id=application.id, kind=kind))


@view_config(route_name="grants.report_files", permission=AUTHENTICATED, request_method="POST",
             renderer="hub_grants:templates/report.pt")
def report_upload(request):
    application = _approved(request, staff=False)
    kind = request.matchdict["kind"]
    _expected(application, kind)
    current = award.get_report(request, application, kind)
    upload = request.POST.get("file")
    errors = {}
    if not award.editable(current) or application.agreement.status != "accepted":
        errors["file"] = _("The report has been submitted; it can no longer change.")
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
            target = current or award.get_report(request, application, kind, create=True)
            target.files.append(ReportFile(
                key=stored.key, filename=stored.filename, size=stored.size,
                content_type=stored.content_type, sha256=stored.sha256,
                uploaded_by_id=request.identity.id))
            request.dbsession.flush()
            services.audit(request, "report_file_added", call_id=application.call_id,
                           application_id=application.id, kind=kind, sha256=stored.sha256)
            flash(request, _("The file was attached."))
            return HTTPSeeOther(request.route_path("grants.report", id=application.id,
                                                   kind=kind) + "#files")
    request.response.status = 422
    return _report_form(request, application, current, kind, errors)


def _report_file(request, staff: bool):
    application = _approved(request, staff=staff)
    report = award.get_report(request, application, request.matchdict["kind"])
    file = request.dbsession.get(ReportFile, int(request.matchdict["fid"]))
    if report is None or file is None or file.report_id != report.id:
        raise HTTPNotFound()
    return application, report, file


@view_config(route_name="grants.report_file", permission=AUTHENTICATED, request_method="GET")
def report_download(request):
    _application, _report, file = _report_file(request, staff=request.has_permission(MANAGE))
    return storage(request).file_response(request, file.key, file.filename, file.content_type)


@view_config(route_name="grants.report_file_delete", permission=AUTHENTICATED,
             request_method="POST")
def report_file_delete(request):
    application, report, file = _report_file(request, staff=False)
    target = request.route_path("grants.report", id=application.id, kind=report.kind) + "#files"
    if not award.editable(report):
        flash(request, _("The report has been submitted; it can no longer change."), "error")
        return HTTPSeeOther(target)
    storage(request).delete(file.key)
    report.files.remove(file)
    services.audit(request, "report_file_removed", call_id=application.call_id,
                   application_id=application.id, kind=report.kind, sha256=file.sha256)
    flash(request, _("The file was removed."))
    return HTTPSeeOther(target)


# -- the staff's side --------------------------------------------------------------------------

def schedule_form(application) -> dict:
    agreement = application.agreement
    if agreement is None:
        return award.default_schedule(application)
    return {"interim_report_due": agreement.interim_report_due.isoformat()
            if agreement.interim_report_due else "",
            "final_report_due": agreement.final_report_due.isoformat(),
            "instalments": [{"kind": i.kind, "due_on": i.due_on.isoformat(),
                             "amount": f"{i.amount:.2f}"} for i in agreement.instalments]}


@view_config(route_name="grants.grant_staff", renderer="hub_grants:templates/grant_staff.pt",
             permission=MANAGE)
def grant_staff(request):
    application = _approved(request, staff=True)
    post = request.POST
    errors: dict = {}
    schedule = schedule_form(application)
    extra = 1 if application.agreement is None or application.agreement.status == "issued" \
        else 0
    here = request.route_path("grants.grant_staff", id=application.id)
    if request.method == "POST":
        action = post.get("action", "")
        if post.get("add") == "instalments" or action == "issue":
            schedule = {"interim_report_due": post.get("interim_report_due", ""),
                        "final_report_due": post.get("final_report_due", ""),
                        "instalments": rows_from_post(post, "instalments", INSTALMENT_FIELDS,
                                                          preset=("kind",))}
        try:
            if post.get("add") == "instalments":
                extra = 2
            elif action == "issue":
                award.issue(request, application, schedule)
                flash(request, _("The agreement was issued; the organisation was asked to "
                                 "accept it."))
                return HTTPSeeOther(here)
            elif action == "pay":
                agreement = _agreement(application)
                instalment_id = post.get("instalment", "")
                instalment = request.dbsession.get(Instalment, int(instalment_id)) \
                    if is_id(instalment_id) else None
                if instalment is None or instalment.agreement_id != agreement.id:
                    raise HTTPNotFound()
                award.record_payment(request, instalment, agreement,
                                     post.get(f"paid_on-{instalment.id}", ""),
                                     post.get(f"reference-{instalment.id}", ""))
                flash(request, _("The payment was recorded."))
                return HTTPSeeOther(here + "#payments")
            elif action == "review":
                kind = post.get("kind", "")
                report = award.get_report(request, application, kind) \
                    if kind in award.REPORT_LABELS else None
                if report is None:
                    raise HTTPNotFound()
                award.review_report(request, report,
                                    {"approve": True, "return": False}.get(
                                        post.get(f"decision-{kind}")),
                                    post.get(f"comment-{kind}", ""))
                flash(request, _("The report was approved.") if report.status == "approved"
                      else _("The report was returned to the organisation."))
                return HTTPSeeOther(here + "#reports")
            elif action == "close":
                award.close(request, _agreement(application), post.get("note", ""))
                flash(request, _("The grant was closed."))
                return HTTPSeeOther(here)
            else:
                raise GrantError({"form": _("This step is not available.")}, 409)
        except GrantError as exc:
            request.response.status = exc.status
            errors = exc.errors
    agreement = application.agreement
    blockers = award.closure_blockers(request, agreement) if agreement else []
    return grant_values(
        request, application, errors=errors, schedule=schedule, kinds=award.INSTALMENT_KINDS,
        instalment_rows=with_blank(schedule["instalments"], INSTALMENT_FIELDS, extra,
                                   {"kind": "final"}) if extra or agreement is None
        or agreement.status == "issued" else schedule["instalments"],
        blockers=blockers, today=award.today().isoformat(),
        breadcrumbs=[(_("Grant calls"), request.route_path("grants.staff")),
                     (application.call.text("title", language(request)),
                      request.route_path("grants.call_staff", id=application.call_id)),
                     (application.title, request.route_path("grants.decision",
                                                            id=application.id)),
                     (_("Grant"), None)])
