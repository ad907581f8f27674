from django.contrib import admin

from .models import RawDataFile, RawDataVersion, ReleaseCheck, StageRun


class StageRunInline(admin.TabularInline):
    model = StageRun
    extra = 0
    readonly_fields = ["stage", "status", "started_at", "finished_at", "attempts", "error"]


@admin.register(RawDataVersion)
class RawDataVersionAdmin(admin.ModelAdmin):
    list_display = ["release_datetime", "status", "expected_size", "download_size", "updated_at"]
    list_filter = ["status"]
    inlines = [StageRunInline]


@admin.register(RawDataFile)
class RawDataFileAdmin(admin.ModelAdmin):
    list_display = [
        "table", "version", "status", "records_in", "records_out", "quarantined", "corrected",
        "repaired", "rejoined", "records_loaded",
    ]
    list_filter = ["status", "table"]
    search_fields = ["table"]


@admin.register(ReleaseCheck)
class ReleaseCheckAdmin(admin.ModelAdmin):
    list_display = ["checked_at", "source", "status_code", "last_modified", "content_length", "outcome"]
    list_filter = ["outcome"]


from .models import Problem  # noqa: E402  (telling people, processors/pipeline/notify.py)


@admin.register(Problem)
class ProblemAdmin(admin.ModelAdmin):
    list_display = ["key", "summary", "release", "opened_at", "notified_at", "resolved_at"]
    list_filter = ["key", ("resolved_at", admin.EmptyFieldListFilter)]
    search_fields = ["key", "summary"]
    readonly_fields = ["opened_at", "notified_at", "resolved_at", "last_sent_summary", "delivered"]


from django import forms  # noqa: E402  (the corrections register, processors/pipeline/corrections.py)

from processors.ingest.corrections import original_sha256  # noqa: E402
from processors.ingest.decode import decode_for_humans  # noqa: E402
from processors.pipeline.corrections import CorrectionRefused, correction_check, original_decode  # noqa: E402

from .models import Correction  # noqa: E402


class CorrectionForm(forms.ModelForm):
    """A correction as `quarantine resolve` makes one: `record` holds the columns to change (every column when
    the original's fields do not line up with the table's), checked by the same function."""

    class Meta:
        model = Correction
        fields = ["table", "original_base64", "record", "reason", "created_by"]
        help_texts = {"record": 'The corrected columns, as JSON: {"COLUMN": "value", ...}; the other columns keep '
                                "the original's values"}

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        record = data.get("record")
        if not isinstance(record, dict):
            raise forms.ValidationError({"record": 'give a JSON object: {"COLUMN": "value", ...}'})
        try:
            original = original_decode(data["original_base64"])
            data["record"] = correction_check(table=data["table"], original=original,
                                              changes={str(k).upper(): v for k, v in record.items()})
        except CorrectionRefused as exc:
            raise forms.ValidationError(str(exc)) from None
        data["table"] = data["table"].upper()
        self.instance.original_sha256 = original_sha256(original)
        self.instance.original_text = decode_for_humans(original)
        clash = Correction.objects.filter(table=data["table"], original_sha256=self.instance.original_sha256)
        if clash.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("this record already has a correction: change that one")
        return data


@admin.register(Correction)
class CorrectionAdmin(admin.ModelAdmin):
    form = CorrectionForm
    list_display = ["__str__", "table", "reason", "created_by", "updated_at", "last_applied", "not_needed_since"]
    list_filter = ["table", ("not_needed_since", admin.EmptyFieldListFilter)]
    search_fields = ["table", "original_sha256", "original_text", "reason", "created_by"]
    readonly_fields = ["original_sha256", "original_text", "release", "line", "last_applied", "not_needed_since",
                       "created_at", "updated_at"]
