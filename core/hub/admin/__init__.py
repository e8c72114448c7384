"""Administration pages of the core: the landing page, users, roles and organisations
(staff and admins)."""


def includeme(config):
    config.add_route("admin_index", "/admin")
    config.add_route("admin_users", "/admin/users")
    config.add_route("admin_user", "/admin/users/{id}")
    config.add_route("admin_user_role", "/admin/users/{id}/role")
    config.add_route("admin_user_active", "/admin/users/{id}/active")
    config.add_route("admin_organisations", "/admin/organisations")
    config.add_route("admin_organisation_new", "/admin/organisations/new")
    config.add_route("admin_translations", "/admin/translations")
    config.scan("hub.admin.views")
    config.scan("hub.admin.translations")
