"""Staff pages of segments: the list, the editor, and a segment's members (by POST
when the segment is defined by health data, every read recorded)."""
from __future__ import annotations

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from hub.params import page_param
from hub_crm import services
from hub_crm.hooks import SEGMENT_MANAGE
from hub_crm.i18n import _
from hub_crm.models import PURPOSES, Segment
from hub_crm.view_helpers import PAGE_SIZE, base_values, flash, page_number

CONDITION_ROWS = 6


@view_config(route_name="crm.segments", renderer="hub_crm:templates/segments.pt",
             permission=SEGMENT_MANAGE, request_method="GET")
def segments(request):
    rows = list(request.dbsession.scalars(sa.select(Segment).order_by(Segment.name)))
    return base_values(request, segments=rows, breadcrumbs=[(_("Segments"), None)])


def segment_form_view(request, segment: Segment | None):
    db = request.dbsession
    kinds = services.condition_kinds(request)
    options = services.condition_options(request)
    tokens = {token for _label, group in options for token, _text in group}
    errors, count, count_hidden = {}, None, False
    if request.method == "POST":
        post = request.POST
        form = {"name": post.get("name", "").strip(), "purpose": post.get("purpose", ""),
                "match": post.get("match", "all")}
        conditions = []
        for i in range(CONDITION_ROWS):
            kind, value = post.get(f"kind_{i}", ""), post.get(f"value_{i}", "").strip()
            choice = post.get(f"cond_{i}", "")
            if choice and (kind or value):
                errors[f"value_{i}"] = _("Choose a condition from the list or write one, "
                                         "not both.")
            elif choice:
                kind, _sep, value = choice.partition("=")
            if kind or value:
                conditions.append({"kind": kind, "value": value, "row": i})
        if form["purpose"] not in PURPOSES:
            errors["purpose"] = _("Choose the consent purpose this segment is for.")
        elif segment is not None and segment.used_at is not None \
                and form["purpose"] != segment.purpose:
            # A send relied on this purpose; its snapshot must keep meaning what it says.
            errors["purpose"] = _("A send has used this segment, so its purpose cannot "
                                  "change. Create a new segment for another purpose.")
        if form["match"] not in ("all", "any"):
            errors["match"] = _("Choose a valid value.")
        if not form["name"] and post.get("action") != "count":
            errors["name"] = _("Enter a name.")
        if not errors or all(k.startswith("value_") for k in errors):
            for c in conditions:
                if f"value_{c['row']}" in errors:
                    continue
                try:
                    services.condition_clause(request, c["kind"], c["value"], form["purpose"])
                except services.SegmentError as exc:
                    errors[f"value_{c['row']}"] = exc.args[0]
        clean = [{"kind": c["kind"], "value": c["value"]} for c in conditions]
        if not errors:
            # Never added to the session: it only says what the form defines.
            probe = Segment(id=segment.id if segment else None, name=form["name"],
                            conditions=clean)
            health = services.segment_uses_health_data(request, probe)
            if health and not services.can_read_health(request):
                count_hidden = True  # how many match is health data too
            elif not health or post.get("action") == "count":
                count = db.scalar(sa.select(sa.func.count()).select_from(
                    services.segment_query(request, form["purpose"], form["match"], clean)
                    .subquery()))
                if health:
                    services.audit_segment_read(request, probe, "editor", count=count)
            if post.get("action") != "count":
                exists = db.scalar(sa.select(Segment.id).where(
                    Segment.name == form["name"],
                    Segment.id != (segment.id if segment else -1)))
                if exists:
                    errors["name"] = _("A segment with this name exists already.")
                else:
                    target = segment or Segment()
                    try:
                        with db.begin_nested():
                            target.name, target.purpose, target.match = (
                                form["name"], form["purpose"], form["match"])
                            target.conditions = clean
                            if segment is None:
                                db.add(target)
                    except sa.exc.IntegrityError:
                        errors["name"] = _("A segment with this name exists already.")
                    else:
                        flash(request, _("The segment was saved."))
                        return HTTPSeeOther(request.route_path("crm.segment", id=target.id))
        rows = [{"kind": "", "value": ""} for _i in range(CONDITION_ROWS)]
        for c in conditions:
            rows[c["row"]] = {"kind": c["kind"], "value": c["value"]}
        for i in range(CONDITION_ROWS):  # what was typed stays as typed
            kind, value = post.get(f"kind_{i}", ""), post.get(f"value_{i}", "")
            if post.get(f"cond_{i}") and (kind or value):
                rows[i] = {"kind": kind, "value": value, "choice": post.get(f"cond_{i}")}
    else:
        form = {"name": segment.name if segment else "",
                "purpose": segment.purpose if segment else "newsletter",
                "match": segment.match if segment else "all"}
        rows = [dict(c) for c in (segment.conditions if segment else [])]
        rows += [{"kind": "", "value": ""} for _i in range(CONDITION_ROWS - len(rows))]
    for row in rows:
        token = f"{row['kind']}={row['value']}"
        if "choice" not in row:
            row["choice"] = token if token in tokens else ""
        if row["choice"] == token:
            row["kind"], row["value"] = "", ""
    crumbs = [(_("Segments"), request.route_path("crm.segments"))]
    if segment:
        crumbs.append((segment.name, request.route_path("crm.segment", id=segment.id)))
    crumbs.append((_("Edit segment") if segment else _("New segment"), None))
    return base_values(request, segment=segment, form=form, rows=rows, kinds=kinds,
                       purposes=PURPOSES, errors=errors, count=count, breadcrumbs=crumbs,
                       options=options, count_hidden=count_hidden)


@view_config(route_name="crm.segment_new", renderer="hub_crm:templates/segment_edit.pt",
             permission=SEGMENT_MANAGE)
def segment_new(request):
    return segment_form_view(request, None)


@view_config(route_name="crm.segment_edit", renderer="hub_crm:templates/segment_edit.pt",
             permission=SEGMENT_MANAGE)
def segment_edit(request):
    segment = request.dbsession.get(Segment, int(request.matchdict["id"]))
    if segment is None:
        raise HTTPNotFound()
    return segment_form_view(request, segment)


def get_segment(request) -> Segment:
    segment = request.dbsession.get(Segment, int(request.matchdict["id"]))
    if segment is None:
        raise HTTPNotFound()
    return segment


@view_config(route_name="crm.segment", renderer="hub_crm:templates/segment.pt",
             permission=SEGMENT_MANAGE, request_method="GET")
def segment_view(request):
    segment = get_segment(request)
    if services.segment_uses_health_data(request, segment):
        # Who is in it is health data: members only on request (POST), each read recorded.
        return segment_page_values(request, segment, None, health=True)
    return segment_page_values(request, segment, page_number(request), health=False)


@view_config(route_name="crm.segment", renderer="hub_crm:templates/segment.pt",
             permission=SEGMENT_MANAGE, request_method="POST")
def segment_members(request):
    """The members of a health-defined segment: POST because every read is recorded."""
    segment = get_segment(request)
    if not services.segment_uses_health_data(request, segment):
        return HTTPSeeOther(request.route_path("crm.segment", id=segment.id))
    if not services.can_read_health(request):
        request.response.status = 403
        return segment_page_values(request, segment, None, health=True)
    return segment_page_values(request, segment, page_param(request, source=request.POST),
                               health=True)


def segment_page_values(request, segment: Segment, page: int | None, health: bool) -> dict:
    """The segment's definition and, unless ``page`` is None, one page of its members."""
    error, total, members = None, None, []
    if page is not None:
        try:
            total, members = services.segment_page(request, segment, (page - 1) * PAGE_SIZE,
                                                   PAGE_SIZE)
        except services.SegmentError as exc:
            error, total = exc.args[0], 0
        else:
            if health:
                services.audit_segment_read(request, segment, "page",
                                            [c.id for c in members], count=total)
    page = page or 1
    kinds = dict(services.condition_kinds(request))
    # Each condition as staff chose it: "Topic: Diabetes" rather than "topic: diabetes".
    named = {token: f"{group}: {text}" for group, options in
             services.condition_options(request) for token, text in options}
    conditions = [named.get(f"{c.get('kind')}={c.get('value')}")
                  or f"{kinds.get(c.get('kind'), c.get('kind'))}: {c.get('value')}"
                  for c in segment.conditions]
    return base_values(
        request, segment=segment, total=total, members=members, page=page, error=error,
        conditions=conditions, has_next=total is not None and page * PAGE_SIZE < total,
        health=health, can_read_health=health and services.can_read_health(request),
        prev_url=request.route_path("crm.segment", id=segment.id, _query={"page": page - 1}),
        next_url=request.route_path("crm.segment", id=segment.id, _query={"page": page + 1}),
        breadcrumbs=[(_("Segments"), request.route_path("crm.segments")),
                     (segment.name, None)])
