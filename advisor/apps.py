from django.apps import AppConfig


class AdvisorConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "advisor"
    verbose_name = "Advisor"

    def ready(self):
        from comparisons.signals import invalidate_on_change

        from .models import Option, OptionWeight, Question

        # The questionnaire is cached with the knowledge base: quiz edits invalidate it too.
        invalidate_on_change(Question, Option, OptionWeight)
