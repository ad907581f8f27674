"""Records of every raw release: the state's answers, the release, its tables and stages."""

from pathlib import Path

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models


class ReleaseCheck(models.Model):
    """One look at the export URL: what the state answered and what we concluded.

    Kept for every check, so "the state has not published for N days" can be shown.
    """

    class Outcome(models.TextChoices):
        NEW = "new", "new release"
        UP_TO_DATE = "up_to_date", "up to date"
        FAILED = "failed", "check failed"

    checked_at = models.DateTimeField(auto_now_add=True, db_index=True)
    source = models.CharField(max_length=1000)
    status_code = models.IntegerField(null=True, blank=True)
    last_modified = models.DateTimeField(null=True, blank=True)
    content_length = models.BigIntegerField(null=True, blank=True)
    etag = models.CharField(max_length=200, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    error = models.TextField(blank=True)
    version = models.ForeignKey("RawDataVersion", null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["-checked_at"]

    def __str__(self) -> str:
        return f"{self.checked_at:%Y-%m-%d %H:%M} {self.outcome}"


class RawDataVersion(models.Model):
    """One release of the state's export, identified by its Last-Modified datetime."""

    class Status(models.TextChoices):
        PENDING = "pending"
        DOWNLOADING = "downloading"
        CLEANING = "cleaning"
        LOADING = "loading"
        LOADED = "loaded", "loaded: the raw tables hold it"
        REPLACED = "replaced", "loaded once; the raw tables now hold another release"
        FAILED = "failed"

    # A stage may start again after a crash, a failure or a forced re-run; only
    # the load makes a release loaded, and loading another replaces it. Moves go
    # through status_transition.
    _STAGES = frozenset({Status.DOWNLOADING, Status.CLEANING, Status.LOADING})
    TRANSITIONS = {
        Status.PENDING: _STAGES | {Status.FAILED},
        Status.DOWNLOADING: _STAGES | {Status.FAILED},
        Status.CLEANING: _STAGES | {Status.FAILED},
        Status.LOADING: _STAGES | {Status.LOADED, Status.FAILED},
        Status.LOADED: _STAGES | {Status.REPLACED},
        Status.REPLACED: _STAGES,
        Status.FAILED: _STAGES,
    }

    release_datetime = models.DateTimeField(unique=True)
    source = models.CharField(max_length=1000)
    # Its files in archive storage (the archive_storage app's records, owned by the release);
    # ArchivedFile.objects.filter(version=...) reads them from the other side.
    archived_files = GenericRelation("archive_storage.ArchivedFile", content_type_field="owner_type",
                                     object_id_field="owner_id", related_query_name="version")
    expected_size = models.BigIntegerField(null=True, blank=True)
    etag = models.CharField(max_length=200, blank=True)
    download_size = models.BigIntegerField(null=True, blank=True)
    download_sha256 = models.CharField(max_length=64, blank=True)
    clean_size = models.BigIntegerField(null=True, blank=True, help_text="Bytes of all cleaned CSVs")
    error_size = models.BigIntegerField(null=True, blank=True, help_text="Bytes of all errors files")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    error = models.TextField(blank=True)
    schema_drift = models.JSONField(default=dict, blank=True, help_text="Per table: columns added or missing")
    published_at = models.DateTimeField(
        null=True, blank=True, db_index=True,
        help_text="When every file of the release was archived and verified: from then on the site may show it",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-release_datetime"]
        get_latest_by = "release_datetime"

    def __str__(self) -> str:
        return f"CAL-ACCESS release {self.release_datetime:%Y-%m-%d %H:%M:%S}"

    @property
    def slug(self) -> str:
        """The release's name on disk and in archive items: YYYY-MM-DD_HH-MM-SS."""
        return f"{self.release_datetime:%Y-%m-%d_%H-%M-%S}"

    # Files of a release, under CALACCESS_DATA_DIR/releases/<slug>/:
    #   dbwebexport.zip          the state's export, as downloaded
    #   clean/<TABLE>.csv        each cleaned table (UTF-8 CSV, header, every field quoted)
    #   errors/<TABLE>.errors.csv  quarantined records of that table (line, reason, original bytes)
    #   corrections.csv          the records written as corrected by hand instead (docs/cleaning.md)
    @property
    def directory(self) -> Path:
        return Path(settings.CALACCESS_DATA_DIR) / "releases" / self.slug

    @property
    def zip_path(self) -> Path:
        return self.directory / "dbwebexport.zip"

    @property
    def clean_dir(self) -> Path:
        return self.directory / "clean"

    @property
    def errors_dir(self) -> Path:
        return self.directory / "errors"

    @property
    def corrections_path(self) -> Path:
        return self.directory / "corrections.csv"


class Stage(models.TextChoices):
    """The steps of one release, in order (docs/architecture.md)."""

    DOWNLOAD = "download"
    CLEAN = "clean"
    LOAD = "load"
    PROCESS = "process", "OCD tables and CSVs"
    PACKAGE = "package", "zips and changes.json"
    UPLOAD = "upload", "archive uploads"
    VERIFY = "verify", "archive verification"
    PUBLISH = "publish", "published as the latest release"


class StageStatus(models.TextChoices):
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"


class StageRun(models.Model):
    """Start, finish and error of one stage of one release (the latest attempt)."""

    # running -> running: a resume after a kill; finished or failed -> running: a re-run.
    TRANSITIONS = {
        StageStatus.RUNNING: frozenset({StageStatus.RUNNING, StageStatus.FINISHED, StageStatus.FAILED}),
        StageStatus.FINISHED: frozenset({StageStatus.RUNNING}),
        StageStatus.FAILED: frozenset({StageStatus.RUNNING}),
    }

    version = models.ForeignKey(RawDataVersion, related_name="stages", on_delete=models.CASCADE)
    stage = models.CharField(max_length=20, choices=Stage.choices)
    status = models.CharField(max_length=20, choices=StageStatus.choices)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=1)
    error = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["version", "stage"], name="one_run_per_stage")]
        ordering = ["version", "started_at"]

    def __str__(self) -> str:
        return f"{self.version} {self.stage}: {self.status}"


class RawDataFile(models.Model):
    """One table of one release, with the count of every record through clean and load.

    Invariant after clean: records_in == records_out + quarantined, where
    records_in counts records after rejoining lines split by stray line breaks
    (records corrected by hand are in records_out; `corrected` counts them).
    """

    class Status(models.TextChoices):
        PENDING = "pending"
        CLEANED = "cleaned"
        LOADED = "loaded"
        FAILED = "failed"

    # A table is cleaned again after a failure or with --force, and loaded only once cleaned.
    TRANSITIONS = {
        Status.PENDING: frozenset({Status.CLEANED, Status.FAILED}),
        Status.CLEANED: frozenset({Status.CLEANED, Status.LOADED, Status.FAILED}),
        Status.LOADED: frozenset({Status.CLEANED, Status.FAILED}),
        Status.FAILED: frozenset({Status.CLEANED, Status.FAILED}),
    }

    version = models.ForeignKey(RawDataVersion, related_name="files", on_delete=models.CASCADE)
    table = models.CharField(max_length=100)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    error = models.TextField(blank=True)
    # counts
    lines = models.BigIntegerField(null=True, blank=True, help_text="Physical lines after the header")
    blank_lines = models.BigIntegerField(null=True, blank=True)
    records_in = models.BigIntegerField(null=True, blank=True)
    rejoined = models.BigIntegerField(null=True, blank=True, help_text="Records rebuilt from split lines")
    repaired = models.BigIntegerField(null=True, blank=True, help_text="Records with extra tabs repaired")
    repaired_unique = models.BigIntegerField(
        null=True, blank=True, help_text="Repaired records for which one merge of fields was valid")
    repaired_by_evidence = models.BigIntegerField(
        null=True, blank=True,
        help_text="Repaired records for which several merges were valid and the table's other records singled one out")
    quarantined = models.BigIntegerField(null=True, blank=True)
    corrected = models.BigIntegerField(
        null=True, blank=True, help_text="Records written as corrected by hand instead of quarantined (in records_out)")
    corrections_applied = models.JSONField(
        default=list, blank=True, help_text='The corrections written: [{"sha256", "line", "record", "original_base64"}]')
    duplicates = models.BigIntegerField(null=True, blank=True, help_text="Records identical to an earlier one (kept)")
    records_out = models.BigIntegerField(null=True, blank=True)
    records_loaded = models.BigIntegerField(null=True, blank=True)
    value_fixes = models.JSONField(
        default=dict, blank=True,
        help_text="Values changed by a documented rule, by rule; flag_to_integer and blank_number_to_null count "
                  "values the cleaned CSV keeps and the load converts")
    load_conversions = models.JSONField(
        default=dict, blank=True, help_text="Values the load converted for the typed table, by rule")
    # shape
    columns_expected = models.IntegerField(null=True, blank=True)
    columns_found = models.IntegerField(null=True, blank=True)
    columns_added = models.JSONField(default=list, blank=True)
    columns_missing = models.JSONField(default=list, blank=True)
    # sizes
    source_size = models.BigIntegerField(null=True, blank=True)
    clean_size = models.BigIntegerField(null=True, blank=True)
    error_size = models.BigIntegerField(null=True, blank=True)
    clean_sha256 = models.CharField(max_length=64, blank=True)
    # which path did the work (blank: not recorded, before migration 0006)
    class Engine(models.TextChoices):
        NATIVE = "native", "the C fast path"
        PYTHON = "python", "the pure-Python path"
        SERVER = "server", "PostgreSQL read the cleaned CSV itself (load only)"

    clean_engine = models.CharField(max_length=10, choices=Engine.choices, blank=True, default="")
    load_engine = models.CharField(max_length=10, choices=Engine.choices, blank=True, default="")
    # times
    clean_started_at = models.DateTimeField(null=True, blank=True)
    clean_finished_at = models.DateTimeField(null=True, blank=True)
    load_started_at = models.DateTimeField(null=True, blank=True)
    load_finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["version", "table"], name="one_file_per_table")]
        # One table across every release: its documentation page, its history and its downloads.
        indexes = [models.Index(fields=["table", "version"], name="rawdatafile_table_version")]
        ordering = ["version", "table"]

    def __str__(self) -> str:
        return f"{self.table} ({self.version})"

    @property
    def clean_path(self) -> Path:
        return self.version.clean_dir / f"{self.table}.csv"

    @property
    def errors_path(self) -> Path:
        return self.version.errors_dir / f"{self.table}.errors.csv"

    @property
    def has_drift(self) -> bool:
        return bool(self.columns_added or self.columns_missing)
