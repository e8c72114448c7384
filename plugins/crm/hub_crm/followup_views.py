"""Staff follow-up: enquiries from "Ask the hub" and follow-up tasks."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy.orm import selectinload

from hub.notifications import notify
from hub.params import is_id
from hub.shell import render_snippet
from hub_crm import services
from hub_crm.hooks import CONTACT_EDIT, CONTACT_READ
from hub_crm.i18n import _
from hub_crm.models import ENQUIRY_STATUSES, Contact, Enquiry, Task
from hub_crm.view_helpers import base_values, flash, local_date, local_time, staff_users


def render_tasks_widget(request):
    user = request.identity
    if user is None:
        return None
    tasks = list(request.dbsession.scalars(
        sa.select(Task).where(Task.assigned_to_id == user.id, Task.done.is_(False))
        .options(selectinload(Task.contact)).order_by(Task.due_on).limit(10)))
    return render_snippet(request, "hub_crm:templates/tasks_widget.pt", base_values(
        request, tasks=tasks, today=dt.date.today(), local_date=lambda d: local_date(request, d)))


@view_config(route_name="crm.enquiries", renderer="hub_crm:templates/enquiries.pt",
             permission=CONTACT_READ, request_method="GET")
def enquiries(request):
    status = request.GET.get("status", "")
    stmt = sa.select(Enquiry).options(selectinload(Enquiry.contact)).order_by(
        Enquiry.created_at.desc()).limit(200)
    if status in ENQUIRY_STATUSES:
        stmt = stmt.where(Enquiry.status == status)
    rows = list(request.dbsession.scalars(stmt))
    staff = {u.id: u for u in staff_users(request)}
    return base_values(request, enquiries=rows, status=status, statuses=ENQUIRY_STATUSES,
                       staff=staff, local_time=lambda w: local_time(request, w),
                       breadcrumbs=[(_("Enquiries"), None)])


@view_config(route_name="crm.enquiry", renderer="hub_crm:templates/enquiry.pt",
             permission=CONTACT_READ)
def enquiry_view(request):
    db = request.dbsession
    enquiry = db.get(Enquiry, int(request.matchdict["id"]))
    if enquiry is None:
        raise HTTPNotFound()
    staff = staff_users(request)
    if request.method == "POST":
        if not request.has_permission(CONTACT_EDIT):
            raise HTTPNotFound()
        status = request.POST.get("status", "")
        assignee = request.POST.get("assigned_to", "")
        staff_ids = {u.id: u for u in staff}
        if status in ENQUIRY_STATUSES:
            enquiry.status = status
        new_assignee = int(assignee) if assignee.isdigit() and int(assignee) in staff_ids \
            else None
        if new_assignee != enquiry.assigned_to_id:
            enquiry.assigned_to_id = new_assignee
            if new_assignee and new_assignee != request.identity.id:
                notify(request, staff_ids[new_assignee], "crm.enquiry_assigned",
                       _("Enquiry assigned to you: ${subject}"),
                       mapping={"subject": enquiry.subject},
                       url=request.route_url("crm.enquiry", id=enquiry.id))
        services.audit(request, enquiry.contact_id, "enquiry.updated",
                       f"{enquiry.id}: {enquiry.status}")
        flash(request, _("The enquiry was updated."))
        return HTTPSeeOther(request.route_path("crm.enquiry", id=enquiry.id))
    return base_values(request, enquiry=enquiry, staff=staff, statuses=ENQUIRY_STATUSES,
                       created=local_time(request, enquiry.created_at),
                       breadcrumbs=[(_("Enquiries"), request.route_path("crm.enquiries")),
                                    (enquiry.subject, None)])


@view_config(route_name="crm.tasks", renderer="hub_crm:templates/tasks.pt",
             permission=CONTACT_READ)
def tasks(request):
    db = request.dbsession
    staff = staff_users(request)
    errors = {}
    form = {"title": "", "due_on": "", "contact_id": request.GET.get("contact", ""),
            "assigned_to": str(request.identity.id)}
    if request.method == "POST":
        if not request.has_permission(CONTACT_EDIT):
            raise HTTPNotFound()
        form = {k: request.POST.get(k, "").strip() for k in form}
        due = None
        try:
            due = dt.date.fromisoformat(form["due_on"])
        except ValueError:
            # The date picker sends YYYY-MM-DD whatever it shows; only an incomplete date
            # (or none) fails, so the message names what the person sees.
            errors["due_on"] = _("Enter the whole date: day, month and year.")
        if not form["title"] or len(form["title"]) > 200:
            errors["title"] = _("Enter a short title.")
        contact = None
        if form["contact_id"]:
            contact = db.get(Contact, int(form["contact_id"])) \
                if is_id(form["contact_id"]) else None
            if contact is None:
                errors["contact_id"] = _("There is no contact with this number.")
        staff_ids = {str(u.id) for u in staff}
        if form["assigned_to"] not in staff_ids:
            errors["assigned_to"] = _("Choose a member of staff.")
        if not errors:
            db.add(Task(title=form["title"], due_on=due,
                        contact_id=contact.id if contact else None,
                        assigned_to_id=int(form["assigned_to"])))
            flash(request, _("The follow-up was added."))
            if contact is not None:
                return HTTPSeeOther(request.route_path("crm.contact", id=contact.id))
            return HTTPSeeOther(request.route_path("crm.tasks"))
    rows = list(db.scalars(sa.select(Task).where(Task.done.is_(False))
                           .options(selectinload(Task.contact)).order_by(Task.due_on)
                           .limit(200)))
    return base_values(request, tasks=rows, staff=staff, staff_names={u.id: u.name
                                                                      for u in staff},
                       form=form, errors=errors, today=dt.date.today(),
                       local_date=lambda d: local_date(request, d),
                       breadcrumbs=[(_("Follow-ups"), None)])


@view_config(route_name="crm.task_done", permission=CONTACT_EDIT, request_method="POST")
def task_done(request):
    task = request.dbsession.get(Task, int(request.matchdict["id"]))
    if task is None:
        raise HTTPNotFound()
    task.done = True
    flash(request, _("The follow-up was marked as done."))
    return HTTPSeeOther(request.route_path("crm.tasks"))
