"""Hook implementations of the media library (an internal plugin of the core)."""
from __future__ import annotations

from hub.contributions import NavItem, Permission
from hub.i18n import _
from hub.markers import hookimpl


@hookimpl
def hub_permissions():
    from hub.media import MANAGE

    return [Permission(MANAGE, _("Manage the media library"), ("staff", "admin"))]


@hookimpl
def hub_navigation(request, menu):
    if menu == "admin":
        from hub.media import MANAGE

        return [NavItem(_("Media library"), route="media.admin", permission=MANAGE, order=45,
                        match=("media.admin",))]
    return None


@hookimpl
def hub_openapi(request):
    from hub.media.api import openapi

    return openapi()


@hookimpl
def hub_translations_missing(request):
    """Public files whose title, alternative text or transcript has no English version
    (what readers of English pages see)."""
    import sqlalchemy as sa

    from hub.media.models import MediaItem
    from hub.translations import MissingTranslation

    def written(column):
        return sa.func.trim(sa.func.coalesce(column, "")) != ""

    # In SQL, so that the limit counts only items that miss a translation (SQL's trim
    # keeps other white space than spaces: the check in Python has the last word).
    untranslated = sa.or_(*(sa.and_(written(getattr(MediaItem, field)),
                                    sa.not_(written(getattr(MediaItem, f"{field}_en"))))
                            for field in MediaItem.TRANSLATED))
    items = request.dbsession.scalars(
        sa.select(MediaItem).where(MediaItem.is_public.is_(True), untranslated)
        .order_by(MediaItem.created_at.desc(), MediaItem.id.desc()).limit(500))
    return [MissingTranslation(_("Media library"), item.title,
                               request.route_path("media.admin_edit", id=item.id),
                               tuple(missing))
            for item in items if (missing := item.missing_translations())]
