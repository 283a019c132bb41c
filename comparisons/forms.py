"""Forms: for the public pages (everything that comes from a query string is validated here),
then the editors' forms of the admin, whose citations have their quotes checked."""

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceIterator
from django_filters.fields import BaseCSVField

from . import source_text, verification
from .cache import cached
from .knowledge import MAX_COMPARED
from .models import Citation, Criterion, SourceSnapshot

# Database ids are 64-bit signed integers; anything larger cannot exist.
MAX_ID = 2**63 - 1


class CommaSeparatedCheckboxes(forms.CheckboxSelectMultiple):
    """Checkboxes whose value may also come as `?name=a,b` as well as `?name=a&name=b`."""

    def value_from_datadict(self, data, files, name):
        values = super().value_from_datadict(data, files, name) or []
        return [part.strip() for value in values for part in value.split(",") if part.strip()]


class SmallTableIterator(ModelChoiceIterator):
    """Choices from the rows the field has already read, instead of a query per iteration."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.field.rows():
            yield self.choice(obj)

    def __len__(self):
        return len(self.field.rows()) + (1 if self.field.empty_label is not None else 0)

    def __bool__(self):
        return self.field.empty_label is not None or bool(self.field.rows())


class SmallTableMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Several rows of a small table (criteria, frameworks), chosen by `to_field_name`.

    The table is read once per form, both to validate the values and to list the choices,
    rather than once for each; with `cached_as`, once per knowledge version under that name
    (comparisons.cache), as the explorer's lists are: read on every request, they cost more than
    the page's claims.
    """

    iterator = SmallTableIterator
    many_choices = True  # drawn by comparisons.templatetags.fast_forms

    def __init__(self, queryset, *, cached_as=None, **kwargs):
        self._rows = None
        self.cached_as = cached_as
        super().__init__(queryset, **kwargs)

    def __deepcopy__(self, memo):
        result = super().__deepcopy__(memo)
        result._rows = None
        return result

    def rows(self):
        if self._rows is None:
            if self.cached_as:
                self._rows = cached(f"rows:{self.cached_as}", lambda: list(self.queryset))
            else:
                self._rows = list(self.queryset)
        return self._rows

    def _check_values(self, value):
        key = self.to_field_name or "pk"
        try:
            value = frozenset(value)
        except TypeError:
            raise ValidationError(
                self.error_messages["invalid_list"], code="invalid_list"
            ) from None
        for item in value:
            self.validate_no_null_characters(item)
        by_key = {str(getattr(obj, key)): obj for obj in self.rows()}
        for item in value:
            if str(item) not in by_key:
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": item},
                )
        return [by_key[str(item)] for item in value]


class StrictNullBooleanField(forms.NullBooleanField):
    """Yes, no or unset; anything else is an error rather than silently "unset"."""

    TRUE_VALUES = {"true", "yes", "1", "on"}
    FALSE_VALUES = {"false", "no", "0", "off"}

    widget = forms.Select(choices=[("", "Either"), ("true", "Yes"), ("false", "No")])
    default_error_messages = {"invalid": "Choose yes, no, or leave it empty."}

    def to_python(self, value):
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            return value
        normalised = str(value).strip().lower()
        if normalised in self.TRUE_VALUES:
            return True
        if normalised in self.FALSE_VALUES:
            return False
        raise ValidationError(self.error_messages["invalid"], code="invalid")

    def validate(self, value):
        """Unset is always allowed (NullBooleanField's own validate is a no-op too)."""


class ModelIdField(forms.ModelChoiceField):
    """A model chosen by its id in a plain number input: no <select> of a big table.

    Anything that is not the id of an existing row is the usual "invalid choice" error.
    """

    widget = forms.NumberInput

    def __init__(self, queryset, **kwargs):
        kwargs.setdefault("widget", forms.NumberInput(attrs={"min": 1, "step": 1}))
        super().__init__(queryset, **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            pk = int(str(value).strip())
        except (TypeError, ValueError):
            pk = None
        if pk is None or not 1 <= pk <= MAX_ID:
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return super().to_python(pk)

    def prepare_value(self, value):
        return value.pk if hasattr(value, "pk") else value


class OrderingsField(BaseCSVField):
    """The explorer's orderings, comma-separated: blank alone (the form's default ordering), but
    not as one of several, which would be an ordering by nothing."""

    def clean(self, value):
        values = super().clean(value)
        if values and len(values) > 1 and "" in values:
            raise ValidationError(
                "A list of orderings cannot hold a blank one: remove the extra comma.",
                code="blank_ordering",
            )
        return values


class ClaimFilterForm(forms.Form):
    """The claims explorer's filter form (fields come from ClaimFilter)."""

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("score_min"), cleaned.get("score_max")
        if low is not None and high is not None and low > high:
            raise ValidationError(
                f"The lowest score ({low}) is above the highest score ({high}).",
                code="score_range",
            )
        return cleaned


class ManyChoicesField(forms.MultipleChoiceField):
    """Checkboxes for what may be a long list (every published framework)."""

    many_choices = True  # drawn by comparisons.templatetags.fast_forms


class CompareForm(forms.Form):
    """Pick 2 to MAX_COMPARED published frameworks, and optionally one category of criteria."""

    frameworks = ManyChoicesField(
        widget=CommaSeparatedCheckboxes,
        label="Frameworks to compare",
        help_text=f"Pick 2 to {MAX_COMPARED}.",
        error_messages={
            "required": "Pick at least two frameworks to compare.",
            "invalid_choice": "“%(value)s” is not a published framework.",
        },
    )
    category = forms.ChoiceField(
        choices=[("", "All categories"), *Criterion.Category.choices],
        required=False,
        label="Criteria",
        error_messages={"invalid_choice": "“%(value)s” is not a category of criteria."},
    )

    def __init__(self, *args, frameworks, **kwargs):
        super().__init__(*args, **kwargs)
        self.published = {framework.slug: framework for framework in frameworks}
        self.fields["frameworks"].choices = [(f.slug, f.name) for f in frameworks]

    def clean_frameworks(self):
        slugs = list(dict.fromkeys(self.cleaned_data["frameworks"]))
        if len(slugs) < 2:
            raise ValidationError("Pick at least two frameworks to compare.", code="too_few")
        if len(slugs) > MAX_COMPARED:
            raise ValidationError(
                f"Pick at most {MAX_COMPARED} frameworks to compare.", code="too_many"
            )
        return [self.published[slug] for slug in slugs]


# --- the editors' forms (comparisons.admin) ----------------------------------------------------


class QuoteField(forms.CharField):
    """A quote as typed in a textarea: browsers send its line breaks as CR LF, the source's are
    LF; the quote is the source's words, so its line breaks are LF."""

    widget = forms.Textarea

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\r\n", "\n").replace("\r", "\n")


class CitationForm(forms.ModelForm):
    """A citation, its quote checked against its source's current snapshot as it is cleaned.

    The check (comparisons.verification) is written on the citation's check fields, so what is
    saved says what the snapshot holds; a quote that is not in it is allowed on a draft (the
    editor is told), never on a published claim (see Claim.validate_publishable()).
    """

    excerpt = QuoteField(
        label="Excerpt",
        help_text="The quoted passage, copied verbatim from the source. It is checked against "
        "the source's current snapshot when you save.",
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
    )

    class Meta:
        model = Citation
        fields = ("claim", "source", "stance", "excerpt", "location")

    def clean(self):
        cleaned = super().clean()
        source, excerpt = cleaned.get("source"), cleaned.get("excerpt")
        if source is not None and excerpt:
            unchanged = (
                self.instance.pk is not None
                and source.pk == self.instance.source_id
                and excerpt == self.instance.excerpt
                and self.instance.checked_at is not None
            )
            if not unchanged:
                verification.check_quote(source, excerpt).apply_to(self.instance)
                # The check is of this quote of this source (as the citation will be saved).
                self.instance.source, self.instance.excerpt = source, excerpt
        return cleaned


class StandaloneCitationForm(CitationForm):
    """A citation on its own page: it may be (or be moved to) a published claim, whose quotes
    must then all be in their sources (Claim.validate_publishable())."""

    def clean(self):
        cleaned = super().clean()
        claim = cleaned.get("claim")
        if claim is not None and not self.errors:
            others = claim.citations.exclude(pk=self.instance.pk)
            try:
                claim.validate_publishable([*others, self.instance])
            except ValidationError as error:
                self.add_error("excerpt", error)
        return cleaned


class CitationFormSet(forms.BaseInlineFormSet):
    """A claim's citations on its form: a published claim may not show a quote its source does
    not hold (Claim.validate_publishable(), with the citations as they will be saved)."""

    def clean(self):
        super().clean()
        kept = [
            form
            for form in self.forms
            if form.is_valid()
            and not self._should_delete_form(form)
            and (form.instance.pk is not None or form.has_changed())
        ]
        try:
            self.instance.validate_publishable([form.instance for form in kept])
        except ValidationError as error:
            for form in kept:
                if form.instance.verification == Citation.Verification.NOT_FOUND:
                    form.add_error(
                        "excerpt",
                        f"This quote is not in {form.instance.source}’s current snapshot: "
                        "copy it verbatim from the source.",
                    )
            raise error


class ClaimRowsFormSet(forms.BaseInlineFormSet):
    """Claims edited as rows (under their framework): one published there must keep the
    publishing rule for quotes too (Claim.validate_publishable(), with its saved citations)."""

    def clean(self):
        super().clean()
        for form in self.forms:
            if form.is_valid() and "status" in form.changed_data:
                claim = form.instance
                try:
                    claim.validate_publishable(claim.citations.all() if claim.pk else [])
                except ValidationError as error:
                    form.add_error("status", error)


class ClaimAloneForm(forms.ModelForm):
    """The claim's form without its citations (simple-history's revert form): its quotes are
    the saved ones, and the publishing rule applies to them."""

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is not None and not self.errors:
            self.instance.status = cleaned.get("status", self.instance.status)
            try:
                self.instance.validate_publishable(self.instance.citations.all())
            except ValidationError as error:
                self.add_error("status" if "status" in self.fields else None, error)
        return cleaned


class SourceSnapshotForm(forms.ModelForm):
    """A new snapshot: an uploaded copy, or pasted text. Nothing is saved from a copy that
    cannot be read (comparisons.source_text says why)."""

    upload = forms.FileField(
        required=False,
        label="Upload a copy",
        help_text=f"A .txt, .md, .rst or .html file of at most "
        f"{source_text.size_label(source_text.MAX_BYTES)}, in UTF-8. An HTML page is kept as "
        "the text a reader sees.",
    )
    pasted = forms.CharField(
        required=False,
        strip=False,
        label="…or paste its text",
        widget=forms.Textarea(attrs={"rows": 12, "cols": 100}),
        help_text="Instead of a file: the source's text, copied whole.",
    )
    format = forms.ChoiceField(
        required=False,
        choices=[
            ("", "From the file's name (pasted text: plain text)"),
            *SourceSnapshot.Format.choices,
        ],
        help_text="What the copy is. A Django documentation “.txt” file is reStructuredText.",
    )

    class Meta:
        model = SourceSnapshot
        fields = ("source", "taken_on", "version", "origin", "format")

    def clean(self):
        cleaned = super().clean()
        upload, pasted = cleaned.get("upload"), cleaned.get("pasted") or ""
        if upload and pasted.strip():
            raise ValidationError("Upload a file or paste the text, not both.", code="two_copies")
        if not upload and not pasted.strip():
            raise ValidationError("Upload a copy of the source, or paste its text.", code="no_copy")
        chosen = cleaned.get("format")
        try:
            if upload:
                text, fmt = source_text.read_upload(upload)
                if chosen and chosen != fmt:
                    if fmt == SourceSnapshot.Format.HTML or chosen == SourceSnapshot.Format.HTML:
                        raise source_text.UnreadableCopy(
                            f"“{upload.name}” is {'an HTML page' if fmt == 'html' else 'not HTML'}"
                            ": choose the format from its name, or rename the file."
                        )
                    fmt = chosen
                self.instance.file_name = upload.name[:255]
            else:
                fmt = chosen or SourceSnapshot.Format.TEXT
                text = source_text.read_pasted(pasted, fmt)
                self.instance.file_name = ""
        except source_text.UnreadableCopy as error:
            self.add_error("upload" if upload else "pasted", str(error))
            return cleaned
        cleaned["format"] = fmt
        self.instance.text = text
        return cleaned
