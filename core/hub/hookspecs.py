"""The plugin contract: every hook the core calls.

A plugin implements any of these as module-level functions decorated with
``@hub.hookimpl``; pluggy passes only the arguments a function names, so an
implementation may take fewer arguments than the specification. Hooks are always called
with keyword arguments. Hooks that return lists are flattened and sorted by the core;
do not register hook wrappers on them.

Every hook here is documented in docs/plugins.md with an example; a test fails when one
is missing there.
"""
from __future__ import annotations

from hub.markers import hookspec

# -- start-up and data ------------------------------------------------------------------


@hookspec
def hub_dependencies():
    """Names of the plugins this plugin requires.

    Return a list of plugin names. Start-up fails with a clear message when one of them is
    not enabled. Optional integrations should use hooks instead of a dependency.
    """


@hookspec
def hub_settings_schema():
    """The plugin's ini keys: a list of ``hub.contributions.Setting``.

    Keys are written without the plugin prefix (``max_advance_days`` for
    ``booking.max_advance_days``). The core fills defaults and converts values; an
    unknown ``<plugin>.*`` key in the configuration stops start-up.
    """


@hookspec
def hub_migrations():
    """The absolute path of the plugin's alembic versions directory.

    Optional: without it the core uses ``<plugin package>/migrations`` when it exists.

    Each plugin has its own version table (``alembic_version_<plugin>``); ``hub db upgrade``
    upgrades the core first, then every enabled plugin in dependency order.
    """


@hookspec
def hub_demo_data(dbsession, scale, registry):
    """Create realistic demo content.

    Must be idempotent: running ``hub demo`` twice leaves the same data. ``scale`` is 1 for
    the demo portal and larger to build benchmark data sets. At ``scale`` S > 1 each plugin
    adds data in proportion, so that ``make bench`` (S = 100) meets its sizes: 2·S
    organisations, 1,000·S CRM contacts, 20·S events with 500·S registrations, S courses
    with 20·S lessons, min(S/2, 50) rooms with 100·S bookings, 1,000·S newsletter
    recipients. Large sets are written with bulk inserts, not one object at a time.
    """


@hookspec
def hub_cli(group):
    """Add subcommands to the ``hub`` command (a ``click.Group``)."""


@hookspec
def hub_periodic_jobs():
    """Jobs the worker runs on a schedule: a list of ``hub.contributions.PeriodicJob``.

    The job function receives a background ``request`` (``request.dbsession`` in its own
    transaction, committed when the function returns).
    """


# -- page shell and people --------------------------------------------------------------


@hookspec
def hub_navigation(request, menu):
    """Items of ``menu`` (one of ``main``, ``user``, ``admin``, ``footer``).

    Return a list of ``hub.contributions.NavItem``. The core drops items the user may not
    use, sorts them by ``order`` and marks the current one.

    The core keeps each menu per language and set of roles, so items must not depend on
    the person (no counts, no names). Items read from the database are fine when the
    plugin names their tables with ``config.add_shell_tables(...)``: the kept menus are
    rebuilt when one of them changes.
    """


@hookspec
def hub_dashboard_widgets(request):
    """Blocks for the home page and for "My hub": a list of ``hub.contributions.Widget``."""


@hookspec
def hub_profile_sections(request, user):
    """Sections of ``user``'s profile page: a list of ``hub.contributions.ProfileSection``."""


@hookspec
def hub_organisation_workspace(request, organisation, role):
    """Sections of an organisation's workspace (``/organisation/{id}``): a list of
    ``hub.contributions.WorkspaceSection``.

    ``role`` is the visitor's: "representative", "editor" or "staff" (hub staff looking in);
    only they reach the page. Show what belongs to ``organisation`` alone (its bookings, its
    events and their registrations, its grant applications) and link to the pages where it
    is managed; a section's ``render(request, organisation, role)`` returns HTML or None
    (nothing to show to this role).
    """


@hookspec(firstresult=True)
def hub_organisation_profile_url(request, organisation):
    """The address of the one page where ``organisation``'s public profile is edited, when a
    plugin (the directory) keeps it; None otherwise, and the core's own editor is used.
    The core's editor then sends people there, so a profile is never edited in two places."""


@hookspec(firstresult=True)
def hub_organisation_public_url(request, organisation):
    """The address of ``organisation``'s public profile page, when a plugin (the
    directory) shows it; None otherwise, and the core's page ``/organisations/{id}`` is the
    profile. The core's page then sends visitors there. The plugin's page shows the core's
    part of the profile (news, contact, working groups):
    ``hub.organizations.public.profile_extras(request, organisation)``."""


@hookspec
def hub_working_group_sources():
    """What working groups may link to: a list of ``hub.contributions.WorkingGroupSource``
    (the events plugin links events). The group's coordinator picks from
    ``candidates``; the group's page shows ``items``."""


@hookspec
def hub_notification_kinds():
    """The kinds of notification the plugin sends: a list of ``NotificationKind``.

    Users set per kind whether they get it in the inbox and by e-mail.
    """


@hookspec
def hub_permissions():
    """The plugin's permissions: a list of ``hub.contributions.Permission``.

    Each names the roles that hold it by default; the core builds the root ACL from them.
    """


@hookspec
def hub_roles(request, user):
    """Roles ``user`` holds through the plugin (a reviewer appointed to a call...): a list
    of names of the form ``<plugin>.<role>`` (``grants.reviewer``), each becoming the
    principal ``role:<name>`` that the plugin's permissions may name.

    Asked on every signed-in request: answer from a cache (``request.cached``). Menus and
    kept blocks are shared by people with the same roles, so a role is also a cache key.
    """


@hookspec
def hub_slot(request, name, context):
    """HTML for a named place in a core page (``head``, ``before_content`` on every page;
    ``accessibility_statement`` inside the accessibility statement).

    Return a string (escaped by the layout) or a ``markupsafe.Markup`` (inserted as is).
    """


# -- cross-cutting ----------------------------------------------------------------------


@hookspec
def hub_search_sources():
    """The plugin's searchable objects: a list of ``hub.search.SearchSource``.

    The core keeps its search index in step with the sources' models and answers the
    site search from it (docs/plugins.md, *Search*).
    """


@hookspec
def hub_search(request, query):
    """Results computed at request time, for content the search index cannot hold: a list
    of ``hub.contributions.SearchResult`` shown after the index's hits on the first page.

    Return only what the current user may see, and nothing for visitors who are not
    signed in: their result pages are kept until the index changes, so what everyone may
    find belongs in the index (``hub_search_sources``).
    """


@hookspec
def hub_personal_data_export(request, user):
    """Everything the plugin holds about ``user``.

    Return a mapping ``{section title: list of records}`` (records are JSON-serialisable
    dictionaries); the core assembles one downloadable file.
    """


@hookspec
def hub_personal_data_erase(request, user):
    """Anonymise or delete what the plugin holds about ``user``.

    Runs in the same transaction as the account's erasure; keep only what the law requires
    and document it.
    """


@hookspec
def hub_personal_data_tables():
    """Names of the plugin's tables that hold personal data (covered by the two hooks above).

    A test fails when a table with personal columns is not listed by its owner.
    """


@hookspec
def hub_activity(request, user):
    """Timeline entries about ``user`` for the CRM.

    A list of dicts with ``when`` (aware datetime), ``kind``, ``title`` and ``url``.
    """


@hookspec
def hub_segment_criteria():
    """Filters this plugin offers to CRM segments (see the crm plugin's documentation)."""


@hookspec
def hub_for_you(request, user, topics):
    """Personal suggestions for "For you" on My hub: a list of ``hub.contributions.Suggestion``.

    ``topics`` are the slugs of the user's declared interests (the core's topics taxonomy).
    Return only items the user may see: upcoming events, courses, news matching them.
    """


@hookspec
def hub_openapi(request):
    """The plugin's part of the OpenAPI document: ``{"paths": {...}, "components": {...}}``."""


# -- consent ------------------------------------------------------------------------------


@hookspec
def hub_consent_purposes():
    """What people may consent to: a list of ``hub.consent.Purpose``.

    Each purpose has a key starting with the plugin's name and a dot, its exact title and
    text in Czech and English (its ``text_version`` is a hash of the text), a legal basis,
    whether it covers special-category data and how long data is kept after a withdrawal.
    A key declared twice, or outside the plugin's name, stops start-up. Read and record
    consents with ``hub.consent``.
    """


@hookspec
def hub_consent_changed(request, subject, purpose, record):
    """A consent was given or withdrawn (``record.action``), in the current transaction.

    ``subject`` is a ``hub.consent.Subject``, ``purpose`` the ``Purpose``, ``record`` the new
    ``ConsentRecord``. Stop what depended on a withdrawn consent at once (unpublish a
    recording, drop a list subscription); send mail only through jobs, after commit.
    """


# -- indicators ---------------------------------------------------------------------------


@hookspec
def hub_indicators(request, start, end):
    """The plugin's figures for the funder over the half-open period ``[start, end)``.

    ``start`` and ``end`` are aware datetimes (midnight in Europe/Prague). Return a list of
    ``hub.contributions.Indicator`` (a number with its unit, written definition and
    breakdown) and, for the people a plugin trained, ``hub.contributions.Trained``: a
    ``Select`` of ``(user_id, email)`` rows, never a number, so the core can count each
    person once across every plugin (a number per plugin would count a person who attended
    an event and finished a course twice); likewise ``hub.contributions.Involved`` for the
    organisations involved. Read only; aggregate figures, no names.
    """


# -- mail -----------------------------------------------------------------------------------


@hookspec
def hub_bulk_mail(request, limit):
    """Mail the plugin sends itself rather than through the core's outbox (bulk mail such
    as newsletters): a list of at most ``limit`` ``hub.contributions.BulkMail``, newest
    first, of mailings that have started sending. The administrators' mail view
    (``/admin/mail``) lists them below the outbox, so every mail the hub sends is there.
    """


# -- media library ----------------------------------------------------------------------------


@hookspec
def hub_media_usage(request, item):
    """Where the plugin uses the media library's ``item`` (a ``hub.media.MediaItem``): a
    list of descriptions for staff (translation strings or text, such as "Recording of the
    event Diabetes today"), or nothing. The library refuses to delete an item any plugin
    still uses (a message on the page, 409 in the API).
    """


# -- content in two languages ----------------------------------------------------------------


@hookspec
def hub_translations_missing(request):
    """The plugin's content people can read now that has no English version: a list of
    ``hub.translations.MissingTranslation`` (kind, Czech title, staff edit URL, the fields
    without English text). Staff see them together at ``/admin/translations``.
    """
