"""Personal data of resumable uploads: who started them and the files' names."""
from __future__ import annotations

import sqlalchemy as sa

from hub.i18n import _
from hub.markers import hookimpl


@hookimpl
def hub_personal_data_tables():
    return ["upload"]


@hookimpl
def hub_personal_data_export(request, user):
    from hub.uploads.models import Upload

    rows = request.dbsession.scalars(sa.select(Upload).where(Upload.user_id == user.id)
                                     .order_by(Upload.created_at)).all()
    if not rows:
        return {}
    return {_("Unfinished uploads"): [{
        "filename": r.filename, "size": r.length, "received": r.offset,
        "started_at": r.created_at.isoformat(),
        "finished_at": r.completed_at.isoformat() if r.completed_at else None} for r in rows]}


@hookimpl
def hub_personal_data_erase(request, user):
    """Uploads in progress are nobody's record: they go, with their parts."""
    from hub.uploads.models import Upload
    from hub.uploads.services import delete_upload

    for upload in request.dbsession.scalars(sa.select(Upload).where(
            Upload.user_id == user.id)).all():
        delete_upload(request, upload)
