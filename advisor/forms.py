"""The questionnaire as a Django form, built from the active questions; and the re-weigh form of a
result page.

Each question is a field named ``q<question id>`` whose choices are its own options' ids, so an
option of another question, an unknown id or a string is an ordinary validation error. Everything
an editor wrote (question, help text, option labels) is shown as text, never as HTML. A question
asked only after some earlier answers (skip logic) is never required by the browser: the form
requires it only when it is asked, and ignores its answers when it is not.
"""

from django import forms
from django.utils.html import escape, format_html

from . import services
from .models import Question

OPTIONAL_BADGE = '<span class="badge text-bg-secondary ms-2">Optional</span>'


class QuestionnaireForm(forms.Form):
    def __init__(self, *args, questions, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        options = {option.pk: (q, option) for q in questions for option in q.choices}
        for question in questions:
            self.fields[self.field_name(question)] = self._field(question, options)

    @staticmethod
    def field_name(question):
        return f"q{question.pk}"

    @staticmethod
    def conditions(question):
        return getattr(question, "shown_when_ids", frozenset())

    @classmethod
    def _field(cls, question, options):
        choices = [(str(option.pk), option.label) for option in question.choices]
        single = question.kind == Question.Kind.SINGLE
        conditional = bool(cls.conditions(question))
        if conditional and question.is_required:
            hint = "Required when asked: pick one." if single else "Required when asked: tick all."
        elif single:
            hint = "Required: pick one." if question.is_required else "Optional: pick one or none."
        else:
            hint = (
                "Required: tick all that apply." if question.is_required else "Optional: tick any."
            )
        options = {
            "label": question.text
            if question.is_required
            else format_html("{}" + OPTIONAL_BADGE, question.text),
            # Django and crispy-forms print help_text as HTML: an editor's text is escaped here.
            "help_text": escape(
                " ".join(filter(None, [question.help_text, hint, cls._note(question, options)]))
            ),
            # Asked or not depends on other answers: clean() decides, not the browser.
            "required": question.is_required and not conditional,
            "choices": choices,
            "error_messages": {
                "required": "Please answer this question."
                if single
                else "Please tick at least one option.",
                "invalid_choice": "That is not one of this question's options.",
            },
        }
        if single:
            return forms.ChoiceField(widget=forms.RadioSelect, **options)
        return forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple, **options)

    @classmethod
    def _note(cls, question, options):
        """What a visitor without scripts reads: when the question is asked."""
        conditions = [options[pk] for pk in sorted(cls.conditions(question)) if pk in options]
        if not cls.conditions(question):
            return ""
        if not conditions:
            return "(Not asked at the moment: it depends on an answer no longer offered.)"
        by_question = {}
        for asked_in, option in conditions:
            by_question.setdefault(asked_in.text, []).append(f"“{option.label}”")
        said = "; or ".join(
            f"{' or '.join(labels)} to “{text}”" for text, labels in by_question.items()
        )
        return f"(Only if you answered {said}; otherwise leave it.)"

    @property
    def has_conditions(self):
        return any(self.conditions(question) for question in self.questions)

    def question_items(self):
        """Each question's bound field with what the page's script needs to show or hide it."""
        for question in self.questions:
            yield {
                "field": self[self.field_name(question)],
                "question": question.pk,
                "shown_when": " ".join(str(pk) for pk in sorted(self.conditions(question))),
                "required": question.is_required,
            }

    def clean(self):
        """Refuse repeated values (a browser never sends an option twice, or two for one radio);
        then ask for the answers of the required questions that are asked, and drop the answers
        of the questions that are not."""
        cleaned_data = super().clean()
        if hasattr(self.data, "getlist"):
            for question in self.questions:
                name = self.field_name(question)
                values = self.data.getlist(name)
                if question.kind == Question.Kind.SINGLE and len(values) > 1:
                    self.add_error(name, "Please pick only one option.")
                elif len(values) != len(set(values)):
                    self.add_error(name, "The same option was sent twice.")
        self.asked = services.asked_questions(
            self.questions, {q.pk: self._chosen(q) for q in self.questions}
        )
        for question in self.questions:
            name = self.field_name(question)
            if question.pk not in self.asked:
                if name in self.cleaned_data:
                    self.cleaned_data[name] = [] if question.kind == Question.Kind.MULTIPLE else ""
            elif question.is_required and name not in self.errors and not self._chosen(question):
                self.add_error(name, self.fields[name].error_messages["required"])
        return cleaned_data

    def _chosen(self, question):
        value = self.cleaned_data.get(self.field_name(question))
        chosen = value if isinstance(value, list) else [value] if value else []
        return {int(option_id) for option_id in chosen}

    def answers(self):
        """The answers as stored on a Consultation: question, text, option ids and labels, and
        whether it was skipped (not asked, because of an earlier answer)."""
        answers = []
        for question in self.questions:
            chosen = self._chosen(question)
            options = [option for option in question.choices if option.pk in chosen]
            answers.append(
                {
                    "question": question.pk,
                    "text": question.text,
                    "options": [option.pk for option in options],
                    "labels": [option.label for option in options],
                    "skipped": question.pk not in self.asked,
                }
            )
        return answers


class ReweighForm(forms.Form):
    """The weights and must-haves of a re-weighed result, read from its page's address.

    One field per criterion of the snapshot, ``w-<criterion slug>``, from WEIGHT_FLOOR to
    WEIGHT_CEILING (left out: the answers' weight), and ``must`` for the must-haves the
    questionnaire offered (each at most once). ``reweigh`` marks an address as a re-weighing, so
    that one without any ``must`` means "no must-have" rather than "the answers' ones".
    """

    MARKER = "reweigh"
    PREFIX = "w-"

    def __init__(self, data, *, snapshot):
        super().__init__(data)
        self.snapshot = snapshot
        for criterion in snapshot.criteria:
            self.fields[self.field_name(criterion.slug)] = forms.IntegerField(
                label=criterion.name,
                required=False,
                min_value=services.WEIGHT_FLOOR,
                max_value=services.WEIGHT_CEILING,
            )
        self.fields["must"] = forms.MultipleChoiceField(
            label="Must-haves",
            required=False,
            choices=[(m.key, m.label) for m in snapshot.must_haves],
            error_messages={"invalid_choice": "That is not one of the must-haves offered."},
        )

    @classmethod
    def field_name(cls, slug):
        return f"{cls.PREFIX}{slug}"

    @classmethod
    def asks(cls, query):
        """Whether a query string asks for a re-weighing (other parameters are ignored)."""
        return any(
            key == cls.MARKER or key == "must" or key.startswith(cls.PREFIX) for key in query
        )

    def ignored(self):
        """The weights in the address for criteria this result does not have (an address from
        another result, or edited by hand): ignored, and the page says so."""
        return sorted(
            key for key in self.data if key.startswith(self.PREFIX) and key not in self.fields
        )

    def clean(self):
        cleaned_data = super().clean()
        for name in self.fields:
            values = self.data.getlist(name)
            if name != "must" and len(values) > 1:
                self.add_error(name, "Give one weight per criterion.")
            elif len(values) != len(set(values)):
                self.add_error(name, "The same must-have was given twice.")
        return cleaned_data

    def weights(self):
        """{criterion slug: weight}, the answers' weight where the address gives none."""
        original = self.snapshot.answer_weights()
        weights = {}
        for slug, weight in original.items():
            given = self.cleaned_data.get(self.field_name(slug))
            weights[slug] = weight if given is None else given
        return weights

    def must_haves(self):
        """The must-haves asked for, in the order the questionnaire offered them."""
        if self.MARKER not in self.data and "must" not in self.data:
            return self.snapshot.chosen_must_haves()
        asked = set(self.cleaned_data.get("must") or ())
        return tuple(m.key for m in self.snapshot.must_haves if m.key in asked)
