"""The questionnaire as a Django form, built from the active questions.

Each question is a field named ``q<question id>`` whose choices are its own options' ids, so an
option of another question, an unknown id or a string is an ordinary validation error. Everything
an editor wrote (question, help text, option labels) is shown as text, never as HTML.
"""

from crispy_forms.helper import FormHelper
from django import forms
from django.utils.html import escape, format_html

from .models import Question

OPTIONAL_BADGE = '<span class="badge text-bg-secondary ms-2">Optional</span>'


class QuestionnaireForm(forms.Form):
    def __init__(self, *args, questions, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        self.helper = FormHelper()
        self.helper.form_tag = False
        for question in questions:
            self.fields[self.field_name(question)] = self._field(question)

    @staticmethod
    def field_name(question):
        return f"q{question.pk}"

    @staticmethod
    def _field(question):
        choices = [(str(option.pk), option.label) for option in question.choices]
        single = question.kind == Question.Kind.SINGLE
        if single:
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
            "help_text": escape(" ".join(filter(None, [question.help_text, hint]))),
            "required": question.is_required,
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

    def clean(self):
        """Refuse repeated values: a browser never sends an option twice, or two for one radio."""
        cleaned_data = super().clean()
        if not hasattr(self.data, "getlist"):
            return cleaned_data
        for question in self.questions:
            name = self.field_name(question)
            values = self.data.getlist(name)
            if question.kind == Question.Kind.SINGLE and len(values) > 1:
                self.add_error(name, "Please pick only one option.")
            elif len(values) != len(set(values)):
                self.add_error(name, "The same option was sent twice.")
        return cleaned_data

    def answers(self):
        """The answers as stored on a Consultation: question, text, option ids and labels."""
        answers = []
        for question in self.questions:
            value = self.cleaned_data.get(self.field_name(question))
            chosen = value if isinstance(value, list) else [value] if value else []
            chosen = {int(option_id) for option_id in chosen}
            options = [option for option in question.choices if option.pk in chosen]
            answers.append(
                {
                    "question": question.pk,
                    "text": question.text,
                    "options": [option.pk for option in options],
                    "labels": [option.label for option in options],
                }
            )
        return answers
