"""What has no English version yet, from every plugin (``hub_translations_missing``)."""
from __future__ import annotations

from itertools import groupby

from pyramid.view import view_config

from hub.i18n import _
from hub.security import STAFF
from hub.translations import FIELD_LABELS


@view_config(route_name="admin_translations", renderer="hub:templates/admin/translations.pt",
             permission=STAFF)
def missing_translations(request):
    translate = request.shell.translate
    found = [item for items in request.hooks.hub_translations_missing(request=request)
             for item in items or ()]
    found.sort(key=lambda item: (translate(item.kind), item.title.casefold()))
    groups = [{"kind": kind, "items": [
        {"title": item.title, "url": item.url,
         "fields": ", ".join(translate(FIELD_LABELS.get(f, f)) for f in item.fields)}
        for item in items]}
        for kind, items in ((k, list(v)) for k, v in groupby(
            found, key=lambda item: translate(item.kind)))]
    return {"groups": groups, "total": len(found),
            "breadcrumbs": [(_("Administration"), request.route_path("admin_index")),
                            (_("Missing translations"), None)]}
