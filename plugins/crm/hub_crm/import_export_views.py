"""Staff pages that move contacts in and out: the CSV export, and the import with its
column mapping and progress."""
from __future__ import annotations

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from hub.csvexport import csv_response
from hub_crm import services
from hub_crm.hooks import CONTACT_EDIT
from hub_crm.i18n import _
from hub_crm.imports import IMPORT_FIELDS, guess_mapping, parse_csv
from hub_crm.models import ImportBatch, Segment
from hub_crm.view_helpers import base_values, tr


@view_config(route_name="crm.export", renderer="hub_crm:templates/export.pt",
             permission=CONTACT_EDIT, request_method="GET")
def export_form(request):
    can_read_health = services.can_read_health(request)
    segments = [s for s in request.dbsession.scalars(sa.select(Segment).order_by(Segment.name))
                if can_read_health or not services.segment_uses_health_data(request, s)]
    return base_values(request, can_read_health=can_read_health, segments=segments,
                       breadcrumbs=[(_("Contacts"), request.route_path("crm.contacts")),
                                    (_("Export"), None)])


@view_config(route_name="crm.export", permission=CONTACT_EDIT, request_method="POST")
def export_csv(request):
    """CSV of contacts; health fields only when chosen and allowed (each read recorded)."""
    from hub_crm.exports import contacts_table

    include_health = request.POST.get("include_health") == "1" and services.can_read_health(
        request)
    segment_id = request.POST.get("segment", "")
    segment = request.dbsession.get(Segment, int(segment_id)) if segment_id.isdigit() else None
    if segment is not None and services.segment_uses_health_data(request, segment) \
            and not services.can_read_health(request):
        request.session.flash(tr(request, _("This segment is defined by health data: only "
                                            "staff with access to health data can export "
                                            "its members.")), "error")
        return HTTPSeeOther(request.route_path("crm.export"))
    header, rows = contacts_table(request, include_health, segment)
    return csv_response("contacts.csv", header, rows)


@view_config(route_name="crm.import", renderer="hub_crm:templates/import.pt",
             permission=CONTACT_EDIT)
def import_upload(request):
    errors = {}
    if request.method == "POST":
        upload = request.POST.get("file")
        data = getattr(upload, "file", None)
        if data is None:
            errors["file"] = _("Choose a CSV file.")
        else:
            raw = data.read()
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                errors["file"] = _("The file is not UTF-8 text. Save it as CSV (UTF-8).")
            else:
                header, rows = parse_csv(text)
                if not header or not rows:
                    errors["file"] = _("The file has no header row or no data rows.")
                else:
                    batch = ImportBatch(content=text, filename=upload.filename[:200],
                                        created_by_id=request.identity.id)
                    request.dbsession.add(batch)
                    request.dbsession.flush()
                    return HTTPSeeOther(request.route_path("crm.import_map", id=batch.id))
    return base_values(request, errors=errors,
                       breadcrumbs=[(_("Contacts"), request.route_path("crm.contacts")),
                                    (_("Import"), None)])


def get_batch(request) -> ImportBatch:
    batch = request.dbsession.get(ImportBatch, int(request.matchdict["id"]))
    if batch is None:
        raise HTTPNotFound()
    return batch


@view_config(route_name="crm.import_map", renderer="hub_crm:templates/import_map.pt",
             permission=CONTACT_EDIT)
def import_map(request):
    """Column mapping and preview; submitting it starts the import job."""
    from hub.jobs import enqueue

    db = request.dbsession
    batch = get_batch(request)
    if batch.status not in ("new", "failed"):
        return HTTPSeeOther(request.route_path("crm.import_status", id=batch.id))
    header, rows = parse_csv(batch.content)
    fields = services.custom_fields(request, include_special=False)
    targets = list(IMPORT_FIELDS) + [f"field:{f.key}" for f in fields]
    mapping = ({int(k): v for k, v in batch.mapping.items()} if batch.mapping
               else guess_mapping(header, targets))
    if request.method == "POST":
        mapping = {i: request.POST.get(f"col_{i}", "") for i in range(len(header))}
        mapping = {i: t for i, t in mapping.items() if t in targets}
        # Claimed atomically: a second submission (another tab) does not start a second job.
        claimed = db.execute(sa.update(ImportBatch).where(
            ImportBatch.id == batch.id, ImportBatch.status.in_(("new", "failed"))).values(
            status="queued", mapping={str(k): v for k, v in mapping.items()}, phase="",
            done_rows=0, total_rows=len(rows), report=None, finished_at=None)).rowcount
        if claimed:
            enqueue(request, "crm.import", batch_id=batch.id, user_id=request.identity.id)
        return HTTPSeeOther(request.route_path("crm.import_status", id=batch.id))
    labels = {t: (tr(request, IMPORT_FIELDS[t]) if t in IMPORT_FIELDS else
                  next(f.label for f in fields if f"field:{f.key}" == t)) for t in targets}
    samples = [" / ".join(r[i] if i < len(r) else "" for r in rows[:5])
               for i in range(len(header))]
    return base_values(request, batch=batch, header=header, samples=samples,
                       total=len(rows), targets=targets, labels=labels, mapping=mapping,
                       breadcrumbs=[(_("Contacts"), request.route_path("crm.contacts")),
                                    (_("Import"), request.route_path("crm.import")),
                                    (_("Column mapping"), None)])


def import_state(request, batch: ImportBatch) -> dict:
    """What the progress page and its JSON say about an import."""
    from hub_crm.imports import translate_report

    total = batch.total_rows or 0
    done = min(batch.done_rows or 0, total)
    interrupted = batch.status == "failed" and bool((batch.report or {}).get("interrupted"))
    if batch.status == "queued":
        text = _("Waiting for the import to start…")
    elif batch.status == "running" and batch.phase == "writing":
        text = _("All ${total} rows are valid. Saving the contacts…", mapping={"total": total})
    elif batch.status == "running":
        text = _("Checking rows: ${done} of ${total}.", mapping={"done": done, "total": total})
    elif batch.status == "done":
        text = _("Imported: ${created} new contacts, ${merged} merged into existing ones.",
                 mapping={"created": (batch.report or {}).get("created", 0),
                          "merged": (batch.report or {}).get("merged", 0)})
    elif interrupted:
        text = _("The import stopped before it finished; nothing was imported.")
    else:
        text = _("Nothing was imported: ${bad} rows are wrong.",
                 mapping={"bad": (batch.report or {}).get("bad", 0)})
    errors = translate_report(request, batch.report or {}) if batch.status == "failed" else []
    return {"status": batch.status, "phase": batch.phase, "done": done, "total": total,
            "interrupted": interrupted,
            "percent": round(100 * done / total) if total else 0,
            "finished": batch.status in ("done", "failed"),
            "message": tr(request, text), "errors": errors,
            "bad": (batch.report or {}).get("bad", 0) if batch.status == "failed" else 0}


@view_config(route_name="crm.import_status", renderer="hub_crm:templates/import_status.pt",
             permission=CONTACT_EDIT, request_method="GET")
def import_status(request):
    batch = get_batch(request)
    return base_values(request, batch=batch, state=import_state(request, batch),
                       breadcrumbs=[(_("Contacts"), request.route_path("crm.contacts")),
                                    (_("Import"), request.route_path("crm.import")),
                                    (_("Progress"), None)])


@view_config(route_name="crm.import_status", renderer="json", permission=CONTACT_EDIT,
             request_method="GET", request_param="format=json")
def import_status_json(request):
    """Polled by the progress page (crm-import.js) to update itself without reloading."""
    state = import_state(request, get_batch(request))
    state.pop("errors")
    return state
