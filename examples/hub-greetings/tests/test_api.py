"""The JSON API: the documented shapes, and errors in the hub's one error shape."""
URL = "/api/v1/greetings/entries"


def test_entries_are_listed_newest_first_with_paging(testapp, add_entry):
    add_entry("Older")
    add_entry("Newer")
    body = testapp.get(URL, {"limit": "1"}).json
    assert body["limit"] == 1 and body["offset"] == 0 and body["total"] >= 2
    following = testapp.get(URL, {"limit": "1", "offset": body["next_offset"]}).json
    assert following["offset"] == 1 and following["items"] != body["items"]
    assert [item["text"] for item in body["items"]] == ["Newer"]
    error = testapp.get(URL, {"limit": "0"}, status=422).json["error"]
    assert error["code"] == "validation_failed"


def test_a_member_writes_an_entry(testapp, users, api_headers):
    testapp.login(users.member)
    created = testapp.post_json(URL, {"text": "Through the API"},
                                headers=api_headers, status=201).json
    assert created["text"] == "Through the API" and created["id"] > 0
    assert created in testapp.get(URL).json["items"]


def test_bad_bodies_and_anonymous_writers_are_refused(testapp, users, api_headers):
    assert testapp.post_json(URL, {"text": "Hi"}, headers=api_headers,
                             status=401).json["error"]["code"] == "unauthorized"
    testapp.login(users.member)
    headers = api_headers
    for body in ({}, {"text": ""}, {"text": 5}, {"text": "x" * 501}):
        error = testapp.post_json(URL, body, headers=headers, status=422).json["error"]
        assert error["details"] == {"fields": {"text": "invalid"}}
    testapp.post(URL, "not json", headers={**headers, "Content-Type": "application/json"},
                 status=400)


def test_the_api_is_in_the_openapi_document(testapp):
    document = testapp.get("/api/v1/openapi.json").json
    assert set(document["paths"]["/greetings/entries"]) >= {"get", "post"}
    assert "GreetingsEntryInput" in document["components"]["schemas"]
