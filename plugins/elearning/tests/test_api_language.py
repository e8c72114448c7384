"""API error messages are in the request's language, as on the pages."""


def message(response) -> str:
    return response.json["error"]["message"]


def test_api_errors_are_czech_by_default_and_english_when_chosen(elearning):
    courses = "/api/v1/elearning/courses"
    assert message(elearning.get(courses, {"level": "x"}, status=422)) == "Neznámá úroveň."
    assert message(elearning.get(courses, {"language": "x"}, status=422)) == "Neznámý jazyk."
    assert message(elearning.get(courses + "/neni", status=404)) == "Takový kurz neexistuje."
    elearning.set_cookie("hub_lang", "en")
    assert message(elearning.get(courses, {"level": "x"}, status=422)) == "Unknown level."
    assert message(elearning.get(courses + "/neni", status=404)) == "No such course."
