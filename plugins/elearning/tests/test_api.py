"""JSON API: catalogue, course detail, my progress, OpenAPI document."""

EMPTY = {"items": [], "total": 0, "limit": 100, "offset": 0, "next_offset": None}


def test_catalogue_lists_visible_courses_with_filters(elearning, make_course):
    make_course(slug="verejny", title="Veřejný kurz")
    make_course(slug="odkazem", visibility="link")
    make_course(slug="koncept", published=False)
    body = elearning.get("/api/v1/elearning/courses").json
    assert [c["slug"] for c in body["items"]] == ["verejny"] and body["total"] == 1
    assert elearning.get("/api/v1/elearning/courses", {"q": "nic"}).json == EMPTY
    error = elearning.get("/api/v1/elearning/courses", {"level": "x"}, status=422).json
    assert error["error"]["code"] == "validation_failed"


def test_course_detail_respects_visibility(elearning, make_course):
    c, article, video, quiz = make_course(slug="tajny", visibility="link")
    error = elearning.get("/api/v1/elearning/courses/tajny", status=404).json
    assert error["error"]["status"] == 404
    body = elearning.get("/api/v1/elearning/courses/tajny", {"key": c.link_token}).json
    assert [lesson["id"] for lesson in body["sections"][0]["lessons"]] == [
        article.id, video.id, quiz.id]
    elearning.get("/api/v1/elearning/courses/neexistuje", status=404)


def test_my_progress_needs_sign_in_and_shows_the_learners_courses(
        elearning, course, users, lesson_url):
    c, article, video, quiz = course
    elearning.get("/api/v1/elearning/my/progress", status=(401, 403))
    elearning.login(users.member)
    assert elearning.get("/api/v1/elearning/my/progress").json == EMPTY
    elearning.post_form(lesson_url(c, article) + "/complete", {})
    item, = elearning.get("/api/v1/elearning/my/progress").json["items"]
    assert item["slug"] == c.slug and item["percent"] == 33 and item["completed_at"] is None
    assert item["continue_url"].endswith(lesson_url(c, video))


def test_paths_are_in_the_openapi_document(elearning):
    document = elearning.get("/api/v1/openapi.json").json
    for path in ("/elearning/courses", "/elearning/courses/{slug}", "/elearning/my/progress"):
        assert "get" in document["paths"][path]
    assert "ElearningCourseDetail" in document["components"]["schemas"]


def test_my_progress_with_a_bearer_token(elearning, course, users, dbsession, lesson_url):
    from hub.tokens import create_token

    c, article, video, quiz = course
    _row, secret = create_token(dbsession, users.member, "aplikace")
    elearning.login(users.member)
    elearning.post_form(lesson_url(c, article) + "/complete", {})
    elearning.reset()
    body = elearning.get("/api/v1/elearning/my/progress",
                         headers={"Authorization": f"Bearer {secret}"}).json
    assert [item["slug"] for item in body["items"]] == [c.slug]
    _row, other = create_token(dbsession, users.representative, "jina")
    body = elearning.get("/api/v1/elearning/my/progress",
                         headers={"Authorization": f"Bearer {other}"}).json
    assert body == EMPTY


def test_the_catalogue_pages_with_limit_and_next_offset(elearning, make_course):
    for slug in ("prvni", "druhy", "treti"):
        make_course(slug=slug, title=slug)
    first = elearning.get("/api/v1/elearning/courses", {"limit": "1"}).json
    assert (first["total"], first["limit"], first["offset"], first["next_offset"]) == (
        3, 1, 0, 1)
    second = elearning.get("/api/v1/elearning/courses",
                           {"limit": "1", "offset": str(first["next_offset"])}).json
    last = elearning.get("/api/v1/elearning/courses", {"limit": "1", "page": "3"}).json
    slugs = [page["items"][0]["slug"] for page in (first, second, last)]
    assert sorted(slugs) == ["druhy", "prvni", "treti"]
    assert second["next_offset"] == 2 and last["next_offset"] is None
    error = elearning.get("/api/v1/elearning/courses", {"limit": "0"}, status=422).json
    assert error["error"]["details"]["fields"] == {"limit": "invalid"}


def test_the_openapi_document_names_the_filters_and_the_collection(elearning):
    from hub_elearning.models import LANGUAGES, LEVELS

    document = elearning.get("/api/v1/openapi.json").json
    listing = document["paths"]["/elearning/courses"]["get"]
    params = {p["name"]: p["schema"] for p in listing["parameters"]}
    assert params["level"]["enum"] == list(LEVELS)
    assert params["language"]["enum"] == list(LANGUAGES)
    assert params["limit"]["maximum"] == 100
    schema = listing["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema["required"] == ["items", "total", "limit", "offset", "next_offset"]
    assert listing["operationId"] == "listElearningCourses"
