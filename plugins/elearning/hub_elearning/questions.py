"""Staff's quiz questions: add, edit and delete the questions of a quiz lesson."""
from __future__ import annotations

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from hub_elearning import services
from hub_elearning.authoring import _crumbs, _flash, _lesson, _options
from hub_elearning.forms import Field, Form
from hub_elearning.i18n import _
from hub_elearning.models import QUESTION_KINDS, Question
from hub_elearning.services import MANAGE

QUESTION_LABELS = {"single": _("Single choice"), "multiple": _("Multiple choice"),
                   "short": _("Short answer")}


def question_fields() -> list[Field]:
    return [
        Field("kind", _("Kind of question"), "select", _options(QUESTION_KINDS, QUESTION_LABELS)),
        Field("text", _("Question"), "textarea", rows=2, required=True, maxlength=1000),
        Field("choices", _("Choices"), "textarea", rows=5, maxlength=5000,
              help=_("One per line; start the correct ones with an asterisk (*).")),
        Field("accepted_answers", _("Accepted answers"), "textarea", rows=3, maxlength=1000,
              help=_("For short answers: one accepted answer per line (case does not matter).")),
        Field("feedback", _("Feedback shown after submitting"), "textarea", rows=3,
              maxlength=2000),
    ]


def _apply_question(form: Form, question: Question) -> bool:
    values = form.values
    kind = values.get("kind") or "single"
    lines = [line.strip() for line in values.get("choices", "").splitlines() if line.strip()]
    correct = [line for line in lines if line.startswith("*")]
    if kind in ("single", "multiple"):
        if len(lines) < 2:
            form.error("choices", _("Enter at least two choices."))
        elif kind == "single" and len(correct) != 1:
            form.error("choices", _("Mark exactly one correct choice with an asterisk."))
        elif not correct:
            form.error("choices", _("Mark at least one correct choice with an asterisk."))
    elif not values.get("accepted_answers", "").strip():
        form.error("accepted_answers", _("Enter at least one accepted answer."))
    if not form.ok:
        return False
    question.kind = kind
    question.text = values["text"]
    question.feedback = values.get("feedback", "")
    if kind == "short":
        question.accepted_answers = values.get("accepted_answers", "")
        question.choices.clear()
    else:
        question.accepted_answers = ""
        services.replace_choices(question, values.get("choices", ""))
    return True


@view_config(route_name="elearning.question_add",
             renderer="hub_elearning:templates/question_form.pt", permission=MANAGE,
             request_method="POST")
def question_add(request):
    lesson = _lesson(request)
    if lesson.kind != "quiz":
        raise HTTPNotFound()
    form = Form(question_fields()).read(request.POST)
    question = Question(kind="single", text="", position=len(lesson.questions) + 1)
    if _apply_question(form, question):
        lesson.questions.append(question)
        _flash(request, _("The question was added."))
        return HTTPSeeOther(request.route_path("elearning.lesson_edit", lid=lesson.id))
    request.response.status = 422
    return {"breadcrumbs": _crumbs(request, (lesson.title, request.route_path(
        "elearning.lesson_edit", lid=lesson.id)), (_("New question"), None)),
        "form": form, "heading": _("New question"), "lesson": lesson,
        "page_title": _("New question"),
        "action": request.route_path("elearning.question_add", lid=lesson.id)}


def _question(request) -> Question:
    question = request.dbsession.get(Question, int(request.matchdict["qid"]))
    if question is None:
        raise HTTPNotFound()
    return question


@view_config(route_name="elearning.question_edit",
             renderer="hub_elearning:templates/question_form.pt", permission=MANAGE)
def question_edit(request):
    question = _question(request)
    lesson = question.lesson
    form = Form(question_fields(), {
        "kind": question.kind, "text": question.text, "feedback": question.feedback,
        "accepted_answers": question.accepted_answers,
        "choices": "\n".join(("*" if c.is_correct else "") + c.text for c in question.choices)})
    if request.method == "POST":
        if _apply_question(form.read(request.POST), question):
            _flash(request, _("The question was saved."))
            return HTTPSeeOther(request.route_path("elearning.lesson_edit", lid=lesson.id))
        request.response.status = 422
    return {"breadcrumbs": _crumbs(request, (lesson.title, request.route_path(
        "elearning.lesson_edit", lid=lesson.id)), (_("Edit question"), None)),
        "form": form, "heading": _("Edit question"), "lesson": lesson,
        "page_title": _("Edit question: ${text}", mapping={"text": question.text[:60]}),
        "action": request.route_path("elearning.question_edit", qid=question.id)}


@view_config(route_name="elearning.question_delete", permission=MANAGE, request_method="POST")
def question_delete(request):
    question = _question(request)
    lesson = question.lesson
    if lesson.is_published and len(lesson.questions) == 1:
        _flash(request, _("A published quiz needs at least one question."), "error")
    else:
        request.dbsession.delete(question)
        _flash(request, _("The question was deleted."))
    return HTTPSeeOther(request.route_path("elearning.lesson_edit", lid=lesson.id))
