"""Tests of airflow/dags/feature_ingest.py on rows of the shared abalone data set."""
from __future__ import annotations

import fnmatch
import hashlib
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest

import feature_ingest as fi

EVENT_TIME = datetime(2026, 11, 25, 6, 30, 5, tzinfo=timezone.utc)
SOURCE = "s3://edge-mlops-data/incoming/abalone.csv"
FIRST_ROW = fi.AbaloneRow(
    line=2,
    sex="M",
    length=0.455,
    diameter=0.365,
    height=0.095,
    whole_weight=0.514,
    shucked_weight=0.2245,
    viscera_weight=0.101,
    shell_weight=0.15,
    rings=15,
)


class FakeClientError(Exception):
    """Shape of botocore's ClientError: an exception carrying the parsed error response."""

    def __init__(self, code: str, status: int = 400):
        super().__init__(f"An error occurred ({code})")
        self.response = {"Error": {"Code": code, "Message": code}, "ResponseMetadata": {"HTTPStatusCode": status}}


class FakeBody:
    def __init__(self, data: bytes):
        self._data = data

    def read(self) -> bytes:
        return self._data


class FakeS3:
    """In-memory bucket with the S3 calls the ingestion uses; lists two keys per page."""

    PAGE = 2

    def __init__(self, bucket: str, objects: dict[str, bytes], modified: datetime = EVENT_TIME):
        self.bucket = bucket
        self.objects = {key: (body, modified) for key, body in objects.items()}
        self.calls: list[tuple[str, dict]] = []
        self.fail_copy_of: set[str] = set()
        self.fail_delete_of: set[str] = set()

    def _check(self, name: str, bucket: str, **kwargs) -> None:
        self.calls.append((name, {"Bucket": bucket, **kwargs}))
        if bucket != self.bucket:
            raise FakeClientError("NoSuchBucket", 404)

    def list_objects_v2(self, Bucket: str, Prefix: str = "", ContinuationToken: str | None = None):
        self._check("list_objects_v2", Bucket, Prefix=Prefix, ContinuationToken=ContinuationToken)
        keys = sorted(k for k in self.objects if k.startswith(Prefix))
        start = int(ContinuationToken or 0)
        page = keys[start : start + self.PAGE]
        result = {"Contents": [{"Key": k, "Size": len(self.objects[k][0])} for k in page], "KeyCount": len(page)}
        if start + self.PAGE < len(keys):
            result.update(IsTruncated=True, NextContinuationToken=str(start + self.PAGE))
        else:
            result["IsTruncated"] = False
        return result

    def get_object(self, Bucket: str, Key: str):
        self._check("get_object", Bucket, Key=Key)
        if Key not in self.objects:
            raise FakeClientError("NoSuchKey", 404)
        body, modified = self.objects[Key]
        return {"Body": FakeBody(body), "LastModified": modified, "ContentLength": len(body)}

    def copy_object(self, Bucket: str, Key: str, CopySource: dict):
        self._check("copy_object", Bucket, Key=Key, CopySource=CopySource)
        if CopySource["Key"] in self.fail_copy_of:
            raise FakeClientError("AccessDenied", 403)
        self.objects[Key] = self.objects[CopySource["Key"]]
        return {"CopyObjectResult": {}}

    def delete_objects(self, Bucket: str, Delete: dict):
        self._check("delete_objects", Bucket, Delete=Delete)
        errors = []
        for obj in Delete["Objects"]:
            if obj["Key"] in self.fail_delete_of:
                errors.append({"Key": obj["Key"], "Code": "AccessDenied", "Message": "Access Denied"})
            else:
                self.objects.pop(obj["Key"], None)
        return {"Errors": errors} if errors else {}

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]


@pytest.fixture(scope="module")
def abalone_text(abalone_csv) -> str:
    return abalone_csv.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def abalone_lines(abalone_text) -> list[str]:
    return abalone_text.splitlines()


def csv_of(lines: list[str]) -> str:
    return "\n".join(lines) + "\n"


# --- parsing -------------------------------------------------------------------------------------


def test_parses_every_row_of_the_shared_data_set(abalone_text):
    rows = fi.parse_csv(abalone_text, SOURCE)

    assert len(rows) == 4177
    assert rows[0] == FIRST_ROW
    assert rows[-1] == fi.AbaloneRow(4178, "M", 0.71, 0.555, 0.195, 1.9485, 0.9455, 0.3765, 0.495, 12)
    assert round(sum(r.rings for r in rows) / len(rows), 4) == 9.9337  # the data set's published mean
    assert {s: sum(r.sex == s for r in rows) for s in fi.SEX_VALUES} == {"M": 1528, "F": 1307, "I": 1342}
    assert min(r.height for r in rows) == 0.0  # two real rows have height 0, which is valid


def test_accepts_bytes_with_bom_crlf_reordered_columns_and_blank_lines(abalone_lines):
    header = abalone_lines[0].split(",")
    order = list(reversed(range(len(header))))
    reordered = [",".join(line.split(",")[i] for i in order) for line in abalone_lines[:4]]
    data = ("\ufeff" + "\r\n".join(reordered[:2] + ["", "  "] + reordered[2:]) + "\r\n\r\n").encode("utf-8")

    rows = fi.parse_csv(data, SOURCE)

    assert [r.line for r in rows] == [2, 5, 6]  # blank lines 3 and 4 hold no data and are not rows
    assert rows[0] == FIRST_ROW
    assert (rows[1].sex, rows[1].rings) == ("M", 7)
    assert (rows[2].sex, rows[2].length, rows[2].rings) == ("F", 0.53, 9)


def test_every_invalid_row_is_reported_with_file_line_and_field(abalone_lines):
    good = abalone_lines[1]
    fields = good.split(",")

    def variant(index: int, value: str) -> str:
        changed = list(fields)
        changed[index] = value
        return ",".join(changed)

    lines = [
        abalone_lines[0],
        good,  # line 2
        variant(0, "X"),  # line 3
        variant(1, "abc"),  # line 4
        variant(3, "-0.1"),  # line 5
        variant(8, "7.5"),  # line 6
        ",".join(fields[:-1]),  # line 7
        variant(4, "nan"),  # line 8
        variant(2, " "),  # line 9
        variant(8, "0"),  # line 10
        abalone_lines[2],  # line 11
    ]

    with pytest.raises(fi.IngestValidationError) as caught:
        fi.parse_csv(csv_of(lines), SOURCE)

    assert caught.value.problems == [
        f"{SOURCE} line 3: field 'sex': 'X' is not one of M, F, I",
        f"{SOURCE} line 4: field 'length': 'abc' is not a number",
        f"{SOURCE} line 5: field 'height': '-0.1' must be >= 0",
        f"{SOURCE} line 6: field 'rings': '7.5' is not a whole number",
        f"{SOURCE} line 7: expected 9 fields, found 8",
        f"{SOURCE} line 8: field 'whole_weight': 'nan' is not a finite number",
        f"{SOURCE} line 9: field 'diameter' is empty",
        f"{SOURCE} line 10: field 'rings': '0' must be >= 1",
    ]
    message = str(caught.value)
    assert message.startswith("8 invalid row(s), nothing was ingested:\n")
    assert f"  {SOURCE} line 9: field 'diameter' is empty" in message


def test_error_message_is_capped_but_problems_are_complete(abalone_lines):
    bad = [line.replace("M,", "Q,", 1) for line in abalone_lines[1:200] if line.startswith("M,")]
    with pytest.raises(fi.IngestValidationError) as caught:
        fi.parse_csv(csv_of([abalone_lines[0], *bad]), SOURCE)

    assert len(caught.value.problems) == len(bad) > fi.MAX_REPORTED_PROBLEMS
    assert str(caught.value).endswith(f"\n  ... and {len(bad) - fi.MAX_REPORTED_PROBLEMS} more")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (
            "sex,length,diameter,height,whole_weight,shucked_weight,viscera_weight,rings",
            "missing column(s) shell_weight",
        ),
        (
            "sex,length,diameter,height,whole_weight,shucked_weight,viscera_weight,shell_weight,rings,age",
            "unknown column(s) 'age'",
        ),
        (
            "sex,length,length,height,whole_weight,shucked_weight,viscera_weight,shell_weight,rings",
            "missing column(s) diameter; duplicated column(s) length",
        ),
    ],
)
def test_header_problems_name_the_columns(header, expected, abalone_lines):
    with pytest.raises(fi.IngestValidationError) as caught:
        fi.parse_csv(csv_of([header, abalone_lines[1]]), SOURCE)

    assert caught.value.problems == [f"{SOURCE} line 1 (header): {expected}; expected {','.join(fi.CSV_COLUMNS)}"]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", f"{SOURCE}: empty file, expected a header row {','.join(fi.CSV_COLUMNS)}"),
        (",".join(fi.CSV_COLUMNS).encode() + b"\n\n", f"{SOURCE}: header only, no data rows"),
        (b"sex,length\n\xff\xfe,1\n", f"{SOURCE}: not UTF-8 text (invalid start byte at byte 11)"),
    ],
)
def test_empty_header_only_and_binary_files_are_rejected(data, expected):
    with pytest.raises(fi.IngestValidationError) as caught:
        fi.parse_csv(data, SOURCE)

    assert caught.value.problems == [expected]


# --- records -------------------------------------------------------------------------------------


def test_feature_names_are_the_feature_group_contract():
    assert fi.FEATURE_NAMES == (
        "record_id",
        "event_time",
        "sex",
        "length",
        "diameter",
        "height",
        "whole_weight",
        "shucked_weight",
        "viscera_weight",
        "shell_weight",
        "rings",
    )
    assert list(fi.FEATURE_TYPES) == list(fi.FEATURE_NAMES)
    assert [fi.FEATURE_TYPES[n] for n in fi.FEATURE_NAMES] == ["String"] * 3 + ["Fractional"] * 7 + ["Integral"]


def test_record_of_a_known_row_has_exact_names_and_values(abalone_text):
    rows = fi.parse_csv(abalone_text, SOURCE)
    records = fi.build_records(rows, SOURCE, EVENT_TIME)

    expected_id = hashlib.sha256(f"{SOURCE}#2".encode()).hexdigest()[:32]
    assert records[0] == [
        {"FeatureName": "record_id", "ValueAsString": expected_id},
        {"FeatureName": "event_time", "ValueAsString": "2026-11-25T06:30:05Z"},
        {"FeatureName": "sex", "ValueAsString": "M"},
        {"FeatureName": "length", "ValueAsString": "0.455"},
        {"FeatureName": "diameter", "ValueAsString": "0.365"},
        {"FeatureName": "height", "ValueAsString": "0.095"},
        {"FeatureName": "whole_weight", "ValueAsString": "0.514"},
        {"FeatureName": "shucked_weight", "ValueAsString": "0.2245"},
        {"FeatureName": "viscera_weight", "ValueAsString": "0.101"},
        {"FeatureName": "shell_weight", "ValueAsString": "0.15"},
        {"FeatureName": "rings", "ValueAsString": "15"},
    ]
    ids = [r[0]["ValueAsString"] for r in records]
    assert len(set(ids)) == len(records) == 4177
    again = fi.build_records(fi.parse_csv(abalone_text, SOURCE), SOURCE, EVENT_TIME)
    assert again == records  # the same file yields the same records
    other = fi.build_records(rows[:1], "s3://edge-mlops-data/incoming/other.csv", EVENT_TIME)
    assert other[0][0]["ValueAsString"] != expected_id


def test_event_time_is_utc_iso8601_and_requires_a_time_zone():
    plus_two = timezone(timedelta(hours=2))
    assert fi.format_event_time(datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=plus_two)) == "2026-01-02T01:04:05Z"
    with pytest.raises(ValueError, match=r"event time 2026-01-02T03:04:05 has no time zone"):
        fi.format_event_time(datetime(2026, 1, 2, 3, 4, 5))


# --- ingestion -----------------------------------------------------------------------------------


class RecordingPut:
    """put_record fake: stores records by id, raises scripted errors per record id, tracks concurrency."""

    def __init__(self, errors: dict[str, list[Exception]] | None = None, hold: float = 0.0):
        self.errors = {k: list(v) for k, v in (errors or {}).items()}
        self.hold = hold
        self.lock = threading.Lock()
        self.attempts: dict[str, int] = {}
        self.stored: dict[str, list[dict]] = {}
        self.in_flight = 0
        self.max_in_flight = 0

    def __call__(self, record):
        rid = record[0]["ValueAsString"]
        with self.lock:
            self.attempts[rid] = self.attempts.get(rid, 0) + 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            pending = self.errors.get(rid)
            error = pending.pop(0) if pending else None
        try:
            if self.hold:
                time.sleep(self.hold)
            if error is not None:
                raise error
            with self.lock:
                self.stored[rid] = record
        finally:
            with self.lock:
                self.in_flight -= 1


@pytest.fixture(scope="module")
def records(abalone_text):
    return fi.build_records(fi.parse_csv(abalone_text, SOURCE), SOURCE, EVENT_TIME)


def test_ingest_retries_a_throttled_record_and_counts(records):
    batch = records[:1000]
    throttled = batch[437][0]["ValueAsString"]
    put = RecordingPut({throttled: [FakeClientError("ThrottlingException")]})
    sleeps: list[float] = []

    result = fi.ingest(batch, put, max_workers=4, batch_size=300, base_delay=0.5, sleep=sleeps.append)

    assert result == fi.IngestResult(records=1000, batches=4, retries=1)
    assert put.stored == {r[0]["ValueAsString"]: r for r in batch}
    assert put.attempts[throttled] == 2
    assert sum(put.attempts.values()) == 1001
    assert len(sleeps) == 1 and 0.25 <= sleeps[0] <= 0.5


def test_ingest_runs_at_most_max_workers_calls_at_once(records):
    put = RecordingPut(hold=0.01)

    result = fi.ingest(records[:60], put, max_workers=4, batch_size=20)

    assert result == fi.IngestResult(records=60, batches=3, retries=0)
    assert 2 <= put.max_in_flight <= 4


def test_ingest_stops_after_the_batch_with_a_non_retryable_error(records):
    batch = records[:250]
    bad = batch[42][0]["ValueAsString"]
    put = RecordingPut({bad: [FakeClientError("ValidationError")]})
    sleeps: list[float] = []

    with pytest.raises(fi.IngestError) as caught:
        fi.ingest(batch, put, max_workers=3, batch_size=100, sleep=sleeps.append)

    assert list(caught.value.failures) == [bad]
    assert caught.value.written == 99
    assert str(caught.value).startswith("1 record(s) failed after retries (99 written before stopping):\n")
    assert put.attempts[bad] == 1 and sleeps == []
    assert len(put.attempts) == 100  # the second and third batches never started


def test_ingest_gives_up_after_max_attempts_with_growing_backoff(records):
    rid = records[0][0]["ValueAsString"]
    put = RecordingPut({rid: [FakeClientError("ThrottlingException")] * 5})
    sleeps: list[float] = []

    with pytest.raises(fi.IngestError) as caught:
        fi.ingest(records[:1], put, max_attempts=3, base_delay=1.0, max_delay=1.5, sleep=sleeps.append)

    assert put.attempts[rid] == 3
    assert caught.value.failures[rid].response["Error"]["Code"] == "ThrottlingException"
    assert len(sleeps) == 2 and 0.5 <= sleeps[0] <= 1.0 and 0.75 <= sleeps[1] <= 1.5


@pytest.mark.parametrize(
    ("error", "retryable"),
    [
        (FakeClientError("ThrottlingException"), True),
        (FakeClientError("ServiceUnavailable", 503), True),
        (FakeClientError("SomethingNew", 500), True),
        (FakeClientError("SlowDown", 429), True),
        (FakeClientError("ValidationError"), False),
        (FakeClientError("AccessForbidden", 403), False),
        (RuntimeError("no response attached"), False),
    ],
)
def test_retryable_errors_are_throttling_and_transient_faults(error, retryable):
    assert fi.is_retryable_error(error) is retryable


@pytest.mark.parametrize("name", ["max_workers", "batch_size", "max_attempts"])
def test_ingest_rejects_non_positive_limits(name, records):
    with pytest.raises(ValueError, match=rf"^{name} must be a positive integer, got 0$"):
        fi.ingest(records[:1], RecordingPut(), **{name: 0})


# --- S3 helpers ----------------------------------------------------------------------------------

BUCKET = "edge-mlops-data"


def split_files(abalone_lines: list[str]) -> dict[str, bytes]:
    header, body = abalone_lines[0], abalone_lines[1:]
    return {
        "incoming/2026-11-24/batch-a.csv": csv_of([header, *body[:2000]]).encode(),
        "incoming/batch-b.csv": csv_of([header, *body[2000:]]).encode(),
    }


def test_list_new_keys_pages_and_matches_the_sensor_pattern(abalone_lines):
    objects = {
        **split_files(abalone_lines),
        "incoming/": b"",
        "incoming/_SUCCESS": b"",
        "incoming/notes.txt": b"x",
        "incoming/UPPER.CSV": b"x",
        "incoming-old/batch.csv": b"x",
        "archive/2026-11-23/batch.csv": b"x",
    }
    s3 = FakeS3(BUCKET, objects)

    keys = fi.list_new_keys(s3, BUCKET, "incoming/")

    assert keys == ["incoming/2026-11-24/batch-a.csv", "incoming/batch-b.csv"]
    assert s3.names() == ["list_objects_v2"] * 3  # six objects under the prefix, two per page
    assert [c["ContinuationToken"] for _, c in s3.calls] == [None, "2", "4"]
    pattern = fi.new_data_pattern("incoming/")
    assert pattern == "incoming/*.csv"
    assert sorted(k for k in objects if fnmatch.fnmatchcase(k, pattern)) == keys


@pytest.mark.parametrize(
    ("prefix", "message"),
    [
        ("", "new_data_prefix must be a non-empty S3 prefix such as 'incoming/', got ''"),
        ("/incoming/", "new_data_prefix '/incoming/' must not start with '/'"),
        ("incoming", "new_data_prefix 'incoming' must end with '/'"),
        ("in*coming/", "new_data_prefix 'in*coming/' must not contain wildcard characters * ? ["),
    ],
)
def test_prefixes_are_validated(prefix, message):
    with pytest.raises(ValueError) as caught:
        fi.list_new_keys(FakeS3(BUCKET, {}), BUCKET, prefix)
    assert str(caught.value) == message


def test_ingest_objects_reads_validates_and_writes_every_file(abalone_lines):
    modified = datetime(2026, 11, 24, 23, 59, 1, tzinfo=timezone.utc)
    s3 = FakeS3(BUCKET, split_files(abalone_lines), modified)
    put = RecordingPut()
    keys = fi.list_new_keys(s3, BUCKET, "incoming/")

    summary = fi.ingest_objects(s3, put, BUCKET, keys, max_workers=4, sleep=lambda _: None)

    assert summary == {
        "keys": keys,
        "files": 2,
        "rows": 4177,
        "records": 4177,
        "batches": 9,  # 4177 records in batches of 500
        "retries": 0,
    }
    assert len(put.stored) == 4177
    first_b = fi.record_id(f"s3://{BUCKET}/incoming/batch-b.csv", 2)
    assert put.stored[first_b][1] == {"FeatureName": "event_time", "ValueAsString": "2026-11-24T23:59:01Z"}
    assert put.stored[first_b][-1] == {"FeatureName": "rings", "ValueAsString": abalone_lines[2001].split(",")[-1]}


def test_ingest_objects_writes_nothing_when_any_file_is_invalid(abalone_lines):
    files = split_files(abalone_lines)
    files["incoming/bad.csv"] = csv_of([abalone_lines[0], abalone_lines[1], "Z" + abalone_lines[2][1:]]).encode()
    s3 = FakeS3(BUCKET, files)
    put = RecordingPut()

    with pytest.raises(fi.IngestValidationError) as caught:
        fi.ingest_objects(s3, put, BUCKET, sorted(files))

    assert caught.value.problems == [f"s3://{BUCKET}/incoming/bad.csv line 3: field 'sex': 'Z' is not one of M, F, I"]
    assert put.attempts == {}


def test_ingest_objects_requires_at_least_one_key():
    with pytest.raises(ValueError, match=r"^no new data files to ingest in s3://edge-mlops-data$"):
        fi.ingest_objects(FakeS3(BUCKET, {}), RecordingPut(), BUCKET, [])


def test_archive_moves_files_under_a_dated_folder():
    s3 = FakeS3(BUCKET, {"incoming/a.csv": b"a", "incoming/2026-11-24/b.csv": b"b", "incoming/c.csv": b"c"})

    moves = fi.archive_keys(
        s3, BUCKET, ["incoming/a.csv", "incoming/2026-11-24/b.csv"], "incoming/", "archive/", "2026-11-25"
    )

    assert moves == {
        "incoming/a.csv": "archive/2026-11-25/a.csv",
        "incoming/2026-11-24/b.csv": "archive/2026-11-25/2026-11-24/b.csv",
    }
    assert sorted(s3.objects) == ["archive/2026-11-25/2026-11-24/b.csv", "archive/2026-11-25/a.csv", "incoming/c.csv"]
    assert s3.objects["archive/2026-11-25/a.csv"][0] == b"a"
    assert s3.names() == ["copy_object", "copy_object", "delete_objects"]
    assert s3.calls[-1][1]["Delete"] == {
        "Objects": [{"Key": "incoming/a.csv"}, {"Key": "incoming/2026-11-24/b.csv"}],
        "Quiet": True,
    }


def test_archive_deletes_in_chunks_of_1000():
    keys = [f"incoming/{i:04d}.csv" for i in range(1001)]
    s3 = FakeS3(BUCKET, {k: b"x" for k in keys})

    moves = fi.archive_keys(s3, BUCKET, keys, "incoming/", "archive/")

    assert len(moves) == 1001 and moves[keys[-1]] == "archive/1000.csv"
    deletes = [c["Delete"]["Objects"] for n, c in s3.calls if n == "delete_objects"]
    assert [len(d) for d in deletes] == [1000, 1]
    assert all(k.startswith("archive/") for k in s3.objects)


def test_archive_never_deletes_when_a_copy_fails():
    s3 = FakeS3(BUCKET, {"incoming/a.csv": b"a", "incoming/b.csv": b"b"})
    s3.fail_copy_of = {"incoming/b.csv"}

    with pytest.raises(FakeClientError):
        fi.archive_keys(s3, BUCKET, ["incoming/a.csv", "incoming/b.csv"], "incoming/", "archive/")

    assert "delete_objects" not in s3.names()
    assert {"incoming/a.csv", "incoming/b.csv"} <= set(s3.objects)


def test_archive_reports_objects_that_were_not_deleted():
    s3 = FakeS3(BUCKET, {"incoming/a.csv": b"a", "incoming/b.csv": b"b"})
    s3.fail_delete_of = {"incoming/b.csv"}

    with pytest.raises(RuntimeError) as caught:
        fi.archive_keys(s3, BUCKET, ["incoming/a.csv", "incoming/b.csv"], "incoming/", "archive/")

    assert str(caught.value) == (
        "archived copies exist but 1 source object(s) were not deleted: incoming/b.csv (AccessDenied: Access Denied)"
    )


@pytest.mark.parametrize(
    ("keys", "source", "archive", "partition", "message"),
    [
        ([], "incoming/", "incoming/archive/", None,
         "archive_prefix 'incoming/archive/' and new_data_prefix 'incoming/' must not contain each other"),
        ([], "data/incoming/", "data/", None,
         "archive_prefix 'data/' and new_data_prefix 'data/incoming/' must not contain each other"),
        (["other/a.csv"], "incoming/", "archive/", None, "keys outside new_data_prefix 'incoming/': other/a.csv"),
        (["incoming/a.csv"], "incoming/", "archive/", "2026/11", "partition must be a non-empty name without '/', got '2026/11'"),
        (["incoming/a.csv"], "incoming/", "archive", None, "archive_prefix 'archive' must end with '/'"),
    ],
)
def test_archive_rejects_bad_arguments_before_any_call(keys, source, archive, partition, message):
    s3 = FakeS3(BUCKET, {"incoming/a.csv": b"a"})
    with pytest.raises(ValueError) as caught:
        fi.archive_keys(s3, BUCKET, keys, source, archive, partition)
    assert str(caught.value) == message
    assert s3.calls == []
