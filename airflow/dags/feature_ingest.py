"""Ingestion of new abalone survey files into the SageMaker Feature Store feature group.

Pure functions, standard library only: AWS clients and the ``put_record`` callable are passed in,
so the continuous-training workflow wires real clients and tests pass fakes.

Validation policy: a batch is all or nothing. Every file is parsed and checked before the first
record is written; if any row of any file is invalid, nothing is ingested and the error lists every
bad row (file, line and field). Blank lines hold no data and are not rows; nothing else is dropped.

Records are idempotent: the record identifier is a hash of the source object and the line number,
and the event time is the source object's last-modified time, so ingesting the same file again
writes the same records with the same identifiers and event times.
"""
from __future__ import annotations

import csv
import hashlib
import io
import math
import random
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Mapping, Sequence

#: Feature holding the record identifier (feature type String).
RECORD_ID_FEATURE = "record_id"
#: Feature holding the event time, ISO-8601 ``yyyy-MM-dd'T'HH:mm:ssZ`` (feature type String).
EVENT_TIME_FEATURE = "event_time"
#: Columns of an abalone survey CSV file, in the order of the shared data set.
CSV_COLUMNS = (
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
#: Every feature of the feature group, in definition order.
FEATURE_NAMES = (RECORD_ID_FEATURE, EVENT_TIME_FEATURE, *CSV_COLUMNS)
#: Columns measured in millimetres or grams: finite numbers >= 0.
MEASUREMENT_COLUMNS = CSV_COLUMNS[1:-1]
#: Feature Store type of each feature (String, Fractional or Integral).
FEATURE_TYPES: Mapping[str, str] = {
    RECORD_ID_FEATURE: "String",
    EVENT_TIME_FEATURE: "String",
    "sex": "String",
    **{name: "Fractional" for name in MEASUREMENT_COLUMNS},
    "rings": "Integral",
}
#: Allowed values of ``sex``: male, female, infant.
SEX_VALUES = ("M", "F", "I")
#: Error codes of a PutRecord call that are worth retrying (throttling and transient faults).
RETRYABLE_ERROR_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "ThrottledException",
        "RequestThrottled",
        "TooManyRequestsException",
        "ServiceUnavailable",
        "InternalFailure",
    }
)
#: How many invalid rows an error message spells out; the exception carries all of them.
MAX_REPORTED_PROBLEMS = 50
#: DeleteObjects accepts at most this many keys per call.
S3_DELETE_BATCH = 1000

Record = list[dict[str, str]]
PutRecord = Callable[[Record], Any]


class IngestValidationError(ValueError):
    """Input files that are not valid abalone survey data; ``problems`` lists every finding."""

    def __init__(self, problems: Sequence[str]):
        self.problems = list(problems)
        shown = "\n".join(f"  {p}" for p in self.problems[:MAX_REPORTED_PROBLEMS])
        more = len(self.problems) - MAX_REPORTED_PROBLEMS
        tail = f"\n  ... and {more} more" if more > 0 else ""
        super().__init__(f"{len(self.problems)} invalid row(s), nothing was ingested:\n{shown}{tail}")


class IngestError(RuntimeError):
    """Records that could not be written after all retries; ``failures`` maps record id to error."""

    def __init__(self, failures: Mapping[str, BaseException], written: int):
        self.failures = dict(failures)
        self.written = written
        listed = "\n".join(f"  {rid}: {err!r}" for rid, err in list(self.failures.items())[:MAX_REPORTED_PROBLEMS])
        super().__init__(
            f"{len(self.failures)} record(s) failed after retries ({written} written before stopping):\n{listed}"
        )


@dataclass(frozen=True)
class AbaloneRow:
    """One validated row; ``line`` is its line number in the source file (the header is line 1)."""

    line: int
    sex: str
    length: float
    diameter: float
    height: float
    whole_weight: float
    shucked_weight: float
    viscera_weight: float
    shell_weight: float
    rings: int


@dataclass(frozen=True)
class IngestResult:
    """Counts of one ``ingest`` call: records written, batches run, retried PutRecord attempts."""

    records: int
    batches: int
    retries: int


def _decode(data: str | bytes, source: str) -> str:
    if isinstance(data, str):
        return data.lstrip("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise IngestValidationError([f"{source}: not UTF-8 text ({err.reason} at byte {err.start})"]) from None


def _check_header(header: list[str], source: str) -> list[str]:
    names = [h.strip() for h in header]
    missing = [c for c in CSV_COLUMNS if c not in names]
    unknown = [n for n in names if n not in CSV_COLUMNS]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    problems = []
    if missing:
        problems.append(f"missing column(s) {', '.join(missing)}")
    if unknown:
        problems.append(f"unknown column(s) {', '.join(repr(u) for u in unknown)}")
    if duplicated:
        problems.append(f"duplicated column(s) {', '.join(duplicated)}")
    if problems:
        raise IngestValidationError(
            [f"{source} line 1 (header): {'; '.join(problems)}; expected {','.join(CSV_COLUMNS)}"]
        )
    return names


def _parse_measurement(name: str, text: str) -> tuple[float | None, str | None]:
    try:
        value = float(text)
    except ValueError:
        return None, f"field '{name}': {text!r} is not a number"
    if not math.isfinite(value):
        return None, f"field '{name}': {text!r} is not a finite number"
    if value < 0:
        return None, f"field '{name}': {text!r} must be >= 0"
    return value, None


def _parse_rings(text: str) -> tuple[int | None, str | None]:
    try:
        value = int(text)
    except ValueError:
        return None, f"field 'rings': {text!r} is not a whole number"
    if value < 1:
        return None, f"field 'rings': {text!r} must be >= 1"
    return value, None


def _parse_row(values: dict[str, str], line: int) -> tuple[AbaloneRow | None, list[str]]:
    problems: list[str] = []
    parsed: dict[str, Any] = {}
    for name in CSV_COLUMNS:
        text = values[name]
        if text == "":
            problems.append(f"field '{name}' is empty")
            continue
        if name == "sex":
            if text in SEX_VALUES:
                parsed[name] = text
            else:
                problems.append(f"field 'sex': {text!r} is not one of {', '.join(SEX_VALUES)}")
        elif name == "rings":
            parsed[name], problem = _parse_rings(text)
            problems += [problem] if problem else []
        else:
            parsed[name], problem = _parse_measurement(name, text)
            problems += [problem] if problem else []
    return (None, problems) if problems else (AbaloneRow(line=line, **parsed), [])


def parse_csv(data: str | bytes, source: str) -> list[AbaloneRow]:
    """Parse and validate an abalone CSV file (header row required, columns in any order).

    ``source`` names the file in error messages (e.g. ``s3://bucket/key``). Raises
    ``IngestValidationError`` listing every invalid row; returns the rows in file order.
    """
    reader = csv.reader(io.StringIO(_decode(data, source), newline=""))
    header = next(reader, None)
    if header is None:
        raise IngestValidationError([f"{source}: empty file, expected a header row {','.join(CSV_COLUMNS)}"])
    names = _check_header(header, source)
    rows: list[AbaloneRow] = []
    problems: list[str] = []
    for fields in reader:
        line = reader.line_num
        if not fields or all(f.strip() == "" for f in fields):
            continue  # blank line: no data
        if len(fields) != len(names):
            problems.append(f"{source} line {line}: expected {len(names)} fields, found {len(fields)}")
            continue
        row, row_problems = _parse_row({n: f.strip() for n, f in zip(names, fields)}, line)
        if row is None:
            problems += [f"{source} line {line}: {p}" for p in row_problems]
        else:
            rows.append(row)
    if problems:
        raise IngestValidationError(problems)
    if not rows:
        raise IngestValidationError([f"{source}: header only, no data rows"])
    return rows


def record_id(source: str, line: int) -> str:
    """Deterministic record identifier: first 32 hex digits of SHA-256 of ``<source>#<line>``."""
    return hashlib.sha256(f"{source}#{line}".encode("utf-8")).hexdigest()[:32]


def format_event_time(moment: datetime) -> str:
    """Event time in the Feature Store String format ``yyyy-MM-dd'T'HH:mm:ssZ`` (UTC)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"event time {moment.isoformat()} has no time zone; pass an aware datetime")
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_record(row: AbaloneRow, source: str, event_time: str) -> Record:
    """One Feature Store record (``[{"FeatureName", "ValueAsString"}]``) in ``FEATURE_NAMES`` order."""
    values = {
        RECORD_ID_FEATURE: record_id(source, row.line),
        EVENT_TIME_FEATURE: event_time,
        "sex": row.sex,
        **{name: repr(float(getattr(row, name))) for name in MEASUREMENT_COLUMNS},
        "rings": str(row.rings),
    }
    return [{"FeatureName": name, "ValueAsString": values[name]} for name in FEATURE_NAMES]


def build_records(rows: Iterable[AbaloneRow], source: str, event_time: datetime) -> list[Record]:
    """Records for every row of one source file, all stamped with the same event time."""
    stamp = format_event_time(event_time)
    return [build_record(row, source, stamp) for row in rows]


def is_retryable_error(error: BaseException) -> bool:
    """True for throttling and transient service errors (botocore ``ClientError`` shape)."""
    response = getattr(error, "response", None)
    if not isinstance(response, Mapping):
        return False
    code = response.get("Error", {}).get("Code")
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return code in RETRYABLE_ERROR_CODES or status in (429, 500, 502, 503, 504)


def _record_id_of(record: Record) -> str:
    return next((f["ValueAsString"] for f in record if f["FeatureName"] == RECORD_ID_FEATURE), "<no record_id>")


def ingest(
    records: Sequence[Record],
    put_record: PutRecord,
    max_workers: int = 8,
    *,
    batch_size: int = 500,
    max_attempts: int = 5,
    base_delay: float = 0.5,
    max_delay: float = 20.0,
    sleep: Callable[[float], None] = time.sleep,
    is_retryable: Callable[[BaseException], bool] = is_retryable_error,
) -> IngestResult:
    """Write ``records`` with ``put_record`` (one PutRecord per record) on ``max_workers`` threads.

    Records go in batches of ``batch_size``, so at most one batch is in flight. A retryable error
    (see ``is_retryable``) is retried up to ``max_attempts`` attempts in all, sleeping an exponential
    backoff with jitter (half to all of ``base_delay * 2**(attempt-1)``, capped at ``max_delay``).
    Any other error, or a retryable one that outlasts the attempts, fails its record; after the
    batch holding a failure completes, ``IngestError`` is raised and later batches are not started.
    """
    for name, value in (("max_workers", max_workers), ("batch_size", batch_size), ("max_attempts", max_attempts)):
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")

    def put_with_retry(record: Record) -> int:
        """Write one record; returns how many retries it took."""
        attempt = 1
        while True:
            try:
                put_record(record)
                return attempt - 1
            except Exception as err:  # noqa: BLE001 - classified below
                if attempt >= max_attempts or not is_retryable(err):
                    raise
                delay = min(max_delay, base_delay * 2 ** (attempt - 1))
                sleep(random.uniform(delay / 2, delay))
                attempt += 1

    written = retries = batches = 0
    with ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="put-record") as pool:
        for start in range(0, len(records), batch_size):
            batch = records[start : start + batch_size]
            futures = [(record, pool.submit(put_with_retry, record)) for record in batch]
            failures: dict[str, BaseException] = {}
            for record, future in futures:
                error = future.exception()
                if error is None:
                    written += 1
                    retries += future.result()
                else:
                    failures[_record_id_of(record)] = error
            batches += 1
            if failures:
                raise IngestError(failures, written)
    return IngestResult(records=written, batches=batches, retries=retries)


def normalize_prefix(prefix: str, name: str) -> str:
    """Check an S3 key prefix used as a folder: non-empty, relative, ends in '/', no wildcard characters."""
    if not isinstance(prefix, str) or prefix.strip() == "":
        raise ValueError(f"{name} must be a non-empty S3 prefix such as 'incoming/', got {prefix!r}")
    if prefix.startswith("/"):
        raise ValueError(f"{name} {prefix!r} must not start with '/'")
    if not prefix.endswith("/"):
        raise ValueError(f"{name} {prefix!r} must end with '/'")
    if any(ch in prefix for ch in "*?["):
        raise ValueError(f"{name} {prefix!r} must not contain wildcard characters * ? [")
    return prefix


def new_data_pattern(new_data_prefix: str) -> str:
    """The key pattern new data files match: ``<prefix>*.csv`` (``*`` spans sub-folders)."""
    return normalize_prefix(new_data_prefix, "new_data_prefix") + "*.csv"


def list_new_keys(s3_client: Any, bucket: str, prefix: str, suffix: str = ".csv") -> list[str]:
    """Sorted keys under ``prefix`` (sub-folders included) ending in ``suffix``; other objects are left alone."""
    prefix = normalize_prefix(prefix, "new_data_prefix")
    keys: list[str] = []
    request: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix}
    while True:
        page = s3_client.list_objects_v2(**request)
        keys += [obj["Key"] for obj in page.get("Contents", []) if obj["Key"].endswith(suffix)]
        if not page.get("IsTruncated"):
            return sorted(keys)
        request["ContinuationToken"] = page["NextContinuationToken"]


def ingest_objects(
    s3_client: Any,
    put_record: PutRecord,
    bucket: str,
    keys: Sequence[str],
    max_workers: int = 8,
    **ingest_options: Any,
) -> dict[str, Any]:
    """Read, validate and ingest every object in ``keys``; all files are validated before any write.

    Returns ``{"keys", "files", "rows", "records", "batches", "retries"}`` (JSON-serializable).
    """
    if not keys:
        raise ValueError(f"no new data files to ingest in s3://{bucket}")
    records: list[Record] = []
    problems: list[str] = []
    for key in keys:
        obj = s3_client.get_object(Bucket=bucket, Key=key)
        source = f"s3://{bucket}/{key}"
        try:
            rows = parse_csv(obj["Body"].read(), source)
        except IngestValidationError as err:
            problems += err.problems
            continue
        records += build_records(rows, source, obj["LastModified"])
    if problems:
        raise IngestValidationError(problems)
    result = ingest(records, put_record, max_workers, **ingest_options)
    return {
        "keys": list(keys),
        "files": len(keys),
        "rows": len(records),
        "records": result.records,
        "batches": result.batches,
        "retries": result.retries,
    }


def archive_keys(
    s3_client: Any,
    bucket: str,
    keys: Sequence[str],
    source_prefix: str,
    archive_prefix: str,
    partition: str | None = None,
) -> dict[str, str]:
    """Move ``keys`` from ``source_prefix`` to ``archive_prefix[<partition>/]<rest of key>``.

    Copies every object first and deletes the sources only when all copies succeeded, so a failure
    never loses data. Returns ``{source key: archive key}``.
    """
    source_prefix = normalize_prefix(source_prefix, "new_data_prefix")
    archive_prefix = normalize_prefix(archive_prefix, "archive_prefix")
    if archive_prefix.startswith(source_prefix) or source_prefix.startswith(archive_prefix):
        raise ValueError(
            f"archive_prefix {archive_prefix!r} and new_data_prefix {source_prefix!r} must not contain each other"
        )
    if partition is not None and (partition.strip() == "" or "/" in partition):
        raise ValueError(f"partition must be a non-empty name without '/', got {partition!r}")
    outside = [k for k in keys if not k.startswith(source_prefix)]
    if outside:
        raise ValueError(f"keys outside new_data_prefix {source_prefix!r}: {', '.join(outside)}")

    folder = archive_prefix + (f"{partition}/" if partition else "")
    moves = {key: folder + key[len(source_prefix) :] for key in keys}
    for key, target in moves.items():
        s3_client.copy_object(Bucket=bucket, Key=target, CopySource={"Bucket": bucket, "Key": key})
    sources = list(moves)
    for start in range(0, len(sources), S3_DELETE_BATCH):
        chunk = sources[start : start + S3_DELETE_BATCH]
        response = s3_client.delete_objects(
            Bucket=bucket, Delete={"Objects": [{"Key": k} for k in chunk], "Quiet": True}
        )
        errors = response.get("Errors", [])
        if errors:
            listed = ", ".join(f"{e.get('Key')} ({e.get('Code')}: {e.get('Message')})" for e in errors)
            raise RuntimeError(f"archived copies exist but {len(errors)} source object(s) were not deleted: {listed}")
    return moves
