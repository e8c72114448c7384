"""The one WebVTT check, used by the library and by lessons."""
import pytest

from hub.media.vtt import read_vtt, vtt_problem


@pytest.mark.parametrize("text", [
    "WEBVTT\n\n00:00:00.000 --> 00:00:02.500\nDobrý den.\n",
    "\ufeffWEBVTT - titulky\r\n\r\n1\r\n00:01.000 --> 00:02.000 align:start\r\nAhoj\r\n",
    "WEBVTT\nKind: captions\n\nNOTE jen poznámka\n\n01:00:00.000 --> 01:00:01.000\nKonec\n",
])
def test_valid_captions_pass(text):
    assert vtt_problem(text) is None


@pytest.mark.parametrize(("text", "words"), [
    ("WEBVTTX\n\n00:00.000 --> 00:01.000\nA\n", "first line"),
    ("not captions", "first line"),
    ("WEBVTT\n\n00:00:02.000 --> 00:00:01.000\nA\n", "end after it starts"),
    ("WEBVTT\n\n00:00:01.000 --> 00:00:01.000\nA\n", "end after it starts"),
    ("WEBVTT\n\n00:00:01,000 --> 00:00:02,000\nA\n", "timing must look like"),
    ("WEBVTT\n\n00:61.000 --> 00:62.000\nA\n", "timing must look like"),
    ("WEBVTT\n\n1\nDobrý den\n", "timing line"),
    ("WEBVTT\n", "no cue"),
])
def test_invalid_captions_say_what_is_wrong(text, words):
    problem = vtt_problem(text)
    assert problem is not None and words in str(problem)


def test_the_line_is_named():
    problem = vtt_problem("WEBVTT\n\n00:00.000 --> 00:01.000\nA\n\n00:03.000 --> 00:02.000\nB\n")
    assert problem.mapping == {"line": 6}


def test_uploaded_files_are_decoded_and_normalised():
    text, problem = read_vtt("\ufeffWEBVTT\r\n\r\n00:00.000 --> 00:01.000\r\nAhoj\r\n".encode())
    assert problem is None and text == "WEBVTT\n\n00:00.000 --> 00:01.000\nAhoj\n"
    assert read_vtt(b"WEBVTT\n\n\xff\xfe")[1] is not None
