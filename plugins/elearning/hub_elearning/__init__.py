"""Online courses: open courses with video, quizzes, progress and certificates."""
from hub_elearning.hooks import (  # noqa: F401
    hub_activity,
    hub_dashboard_widgets,
    hub_demo_data,
    hub_events_recording_withdrawn,
    hub_for_you,
    hub_indicators,
    hub_media_usage,
    hub_navigation,
    hub_notification_kinds,
    hub_openapi,
    hub_permissions,
    hub_personal_data_erase,
    hub_personal_data_export,
    hub_personal_data_tables,
    hub_profile_sections,
    hub_search_sources,
    hub_segment_criteria,
    hub_translations_missing,
)

# The plugin API versions (hub.PLUGIN_API) this plugin is written for.
PLUGIN_API = ">=1.0,<2"


def includeme(config):
    from hub.security import PUBLIC
    from hub_elearning import models  # noqa: F401  (tables in the metadata)

    config.add_translation_dirs("hub_elearning:locale/")
    config.add_static_view("static", "hub_elearning:static", cache_max_age=3600,
                           permission=PUBLIC)
    route = config.add_route
    route("elearning.index", "", inherit_slash=True)
    route("elearning.my", "/my")
    route("elearning.verify", "/verify")
    route("elearning.certificate", "/certificates/{code}.pdf")
    route("elearning.course", "/courses/{slug}")
    route("elearning.lesson", "/courses/{slug}/lessons/{id:\\d+}")
    route("elearning.lesson_complete", "/courses/{slug}/lessons/{id:\\d+}/complete")
    route("elearning.quiz_submit", "/courses/{slug}/lessons/{id:\\d+}/quiz")
    route("elearning.quiz_reset_request", "/courses/{slug}/lessons/{id:\\d+}/reset-request")
    route("elearning.lesson_file", "/courses/{slug}/lessons/{id:\\d+}/file")
    route("elearning.captions", "/courses/{slug}/lessons/{id:\\d+}/captions.vtt")
    route("elearning.manage", "/manage")
    route("elearning.course_new", "/manage/new")
    route("elearning.course_edit", "/manage/courses/{id:\\d+}")
    route("elearning.course_publish", "/manage/courses/{id:\\d+}/publish")
    route("elearning.course_delete", "/manage/courses/{id:\\d+}/delete")
    route("elearning.section_add", "/manage/courses/{id:\\d+}/sections")
    route("elearning.import_recording", "/manage/courses/{id:\\d+}/import")
    route("elearning.report", "/manage/courses/{id:\\d+}/report")
    route("elearning.report_csv", "/manage/courses/{id:\\d+}/report.csv")
    route("elearning.section_edit", "/manage/sections/{sid:\\d+}")
    route("elearning.section_move", "/manage/sections/{sid:\\d+}/move")
    route("elearning.section_delete", "/manage/sections/{sid:\\d+}/delete")
    route("elearning.lesson_new", "/manage/sections/{sid:\\d+}/lessons/new")
    route("elearning.lesson_edit", "/manage/lessons/{lid:\\d+}")
    route("elearning.lesson_publish", "/manage/lessons/{lid:\\d+}/publish")
    route("elearning.lesson_move", "/manage/lessons/{lid:\\d+}/move")
    route("elearning.lesson_delete", "/manage/lessons/{lid:\\d+}/delete")
    route("elearning.quiz_reset", "/manage/lessons/{lid:\\d+}/reset")
    route("elearning.question_add", "/manage/lessons/{lid:\\d+}/questions")
    route("elearning.question_edit", "/manage/questions/{qid:\\d+}")
    route("elearning.question_delete", "/manage/questions/{qid:\\d+}/delete")
    # Lesson forms carry a video or document of up to MAX_UPLOAD, its captions and fields.
    from hub_elearning.lessons import MAX_UPLOAD

    for name in ("elearning.lesson_new", "elearning.lesson_edit"):
        config.set_body_limit(name, MAX_UPLOAD + 10 * 1024 * 1024)
    config.add_api_route("elearning.api.courses", "/elearning/courses")
    config.add_api_route("elearning.api.course", "/elearning/courses/{slug}")
    config.add_api_route("elearning.api.progress", "/elearning/my/progress")
    config.scan("hub_elearning.views")
    config.scan("hub_elearning.manage")
    config.scan("hub_elearning.lessons")
    config.scan("hub_elearning.questions")
    config.scan("hub_elearning.reports")
    config.scan("hub_elearning.api")
