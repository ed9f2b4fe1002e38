"""Split the abalone data into train / validation / test CSV files (80 / 15 / 5 per cent).

Runs as the entry point of a SageMaker processing job in the prebuilt scikit-learn container and
locally:

    .venv/training/bin/python training/preprocess.py [--input-dir DIR] [--train-dir DIR]
        [--validation-dir DIR] [--test-dir DIR] [--seed N]
        [--record-id-column NAME] [--event-time-column NAME]

Defaults are the processing job's paths: input under /opt/ml/processing/input, outputs in
/opt/ml/processing/{train,validation,test}.

Input: every *.csv and *.parquet file under the input directory (searched recursively, read in
path order, hidden files and folders skipped). Two shapes are accepted:

* the feature group's offline store export (Parquet, as the offline store writes it, or CSV):
  the abalone columns plus the record identifier (`record_id`), the event time (`event_time`,
  ISO-8601 text or seconds since the epoch) and the store's own columns `write_time`,
  `api_invocation_time` and `is_deleted`. The store keeps every write, so rows are deduplicated by
  record identifier, keeping the latest event time (ties broken by the later write); a record
  whose latest row has `is_deleted` true is left out. Records are then ordered by identifier, so
  the result does not depend on how the store laid out its files.
* plain abalone CSV (as in ../shared/data/abalone.csv): used in file order.

Output: `train.csv`, `validation.csv` and `test.csv`, each with a header row in the column order
the trainer expects (sex, length, diameter, height, whole_weight, shucked_weight, viscera_weight,
shell_weight, rings). Rows are shuffled with a seeded generator and cut at round(0.80 * n) and
round(0.95 * n), so each split is within one row of its share and the same input and seed always
give byte-identical files. Bad data stops the run with one `error: ...` line on stderr and exit
status 1.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Optional, Sequence

import numpy as np
import pandas as pd

SEX_CATEGORIES = ("M", "F", "I")
NUMERIC_COLUMNS = (
    "length", "diameter", "height", "whole_weight", "shucked_weight", "viscera_weight", "shell_weight", "rings",
)
COLUMNS = ("sex",) + NUMERIC_COLUMNS
# Columns the SageMaker Feature Store offline store adds to every record.
STORE_COLUMNS = ("write_time", "api_invocation_time", "is_deleted")
SPLITS = (("train", 0.80), ("validation", 0.15), ("test", 0.05))
MIN_ROWS = 20  # enough for every split to hold at least one row
DEFAULT_SEED = 42
PROCESSING = Path("/opt/ml/processing")

_SOURCE = "__source__"  # file and row of each record, kept only for error messages


class PreprocessError(Exception):
    """Input that cannot be split; the message names the file, column or argument at fault."""


def data_files(input_dir: Path) -> list[Path]:
    """The *.csv and *.parquet files under input_dir, in path order, hidden entries skipped."""
    if not input_dir.is_dir():
        raise PreprocessError(f"{input_dir}: input directory does not exist")
    files = [
        p for p in input_dir.rglob("*")
        if p.is_file()
        and p.suffix.lower() in (".csv", ".parquet")
        and not any(part.startswith(".") for part in p.relative_to(input_dir).parts)
    ]
    if not files:
        raise PreprocessError(f"{input_dir}: no .csv or .parquet files found (searched recursively)")
    return sorted(files, key=lambda p: p.relative_to(input_dir).as_posix())


def read_file(path: Path) -> pd.DataFrame:
    """One file as a frame with normalised (stripped, lower-case) column names."""
    try:
        if path.suffix.lower() == ".parquet":
            frame = pd.read_parquet(path)
        else:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except ImportError as err:
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise PreprocessError(f"{path}: cannot read Parquet ({reason}); install pyarrow") from None
    except (ValueError, OSError, pd.errors.ParserError) as err:
        raise PreprocessError(f"{path}: unreadable ({err})") from None
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    duplicated = sorted({c for c in frame.columns if list(frame.columns).count(c) > 1})
    if duplicated:
        raise PreprocessError(f"{path}: duplicated column(s) {', '.join(duplicated)}")
    frame[_SOURCE] = [f"{path.name} row {i + 1}" for i in range(len(frame))]
    return frame


def load(files: Sequence[Path], record_id: str, event_time: str) -> pd.DataFrame:
    """Concatenate the files; every file must carry the same kind of columns."""
    frames = [read_file(f) for f in files]
    keyed = [record_id in f.columns for f in frames]
    if any(keyed) and not all(keyed):
        plain = [str(p) for p, k in zip(files, keyed) if not k]
        raise PreprocessError(
            f"column {record_id} is in some input files but missing from {', '.join(plain)}; "
            "mix of feature-store exports and plain CSV"
        )
    required = COLUMNS + ((record_id, event_time) if keyed[0] else ())
    for path, frame in zip(files, frames):
        missing = [c for c in required if c not in frame.columns]
        if missing:
            raise PreprocessError(
                f"{path}: missing column(s) {', '.join(missing)}; required: {', '.join(required)}"
            )
    return pd.concat(frames, ignore_index=True, sort=False)


def _event_seconds(values: pd.Series, column: str) -> pd.Series:
    """Event times as float seconds since the epoch: numbers as they are, text as ISO-8601."""
    as_text = values.astype(str).str.strip()
    numbers = pd.to_numeric(as_text, errors="coerce")
    if numbers.notna().all():
        return numbers.astype(float)
    try:
        stamps = pd.to_datetime(as_text, utc=True)
    except (ValueError, TypeError) as err:
        raise PreprocessError(f"column {column}: not a time in ISO-8601 or seconds since the epoch ({err})") from None
    if stamps.isna().any():
        raise PreprocessError(f"column {column}: missing value")
    return (stamps - pd.Timestamp(0, tz="UTC")).dt.total_seconds()


def _is_true(values: pd.Series) -> pd.Series:
    return values.astype(str).str.strip().str.lower().isin(("true", "1", "t", "yes"))


def latest_records(frame: pd.DataFrame, record_id: str, event_time: str) -> pd.DataFrame:
    """One row per record identifier: the latest event (then the latest write); deleted ones dropped."""
    ids = frame[record_id].astype(str).str.strip()
    if (ids == "").any() or frame[record_id].isna().any():
        bad = frame.loc[(ids == "") | frame[record_id].isna(), _SOURCE].iloc[0]
        raise PreprocessError(f"column {record_id}: missing value ({bad})")
    order = pd.DataFrame({
        "id": ids,
        "event": _event_seconds(frame[event_time], event_time),
        "write": _event_seconds(frame["write_time"], "write_time") if "write_time" in frame else 0.0,
        "position": np.arange(len(frame)),
    })
    order = order.sort_values(["id", "event", "write", "position"], kind="mergesort")
    latest = frame.loc[order.drop_duplicates("id", keep="last").index]
    if "is_deleted" in latest:
        latest = latest[~_is_true(latest["is_deleted"])]
    ids = latest[record_id].astype(str).str.strip()
    return latest.loc[ids.sort_values(kind="mergesort").index]


def clean(frame: pd.DataFrame) -> pd.DataFrame:
    """The abalone columns in trainer order, validated: sex in M/F/I, finite numbers >= 0."""
    out = pd.DataFrame({"sex": frame["sex"].astype(str).str.strip()})
    bad = ~out["sex"].isin(SEX_CATEGORIES)
    if bad.any():
        row = bad.to_numpy().nonzero()[0][0]
        raise PreprocessError(
            f"column sex: unknown value {out['sex'].iloc[row]!r} ({frame[_SOURCE].iloc[row]}); "
            f"allowed: {', '.join(SEX_CATEGORIES)}"
        )
    for column in NUMERIC_COLUMNS:
        raw = frame[column]
        numbers = pd.to_numeric(raw.astype(str).str.strip() if raw.dtype == object else raw, errors="coerce")
        numbers = numbers.astype(float)
        bad = ~np.isfinite(numbers.to_numpy()) | (numbers.to_numpy() < 0)
        if bad.any():
            row = bad.nonzero()[0][0]
            raise PreprocessError(
                f"column {column}: {raw.iloc[row]!r} is not a finite number >= 0 ({frame[_SOURCE].iloc[row]})"
            )
        integral = bool(np.all(numbers.to_numpy() == np.floor(numbers.to_numpy())))
        out[column] = numbers.astype(np.int64) if column == "rings" and integral else numbers
    return out.reset_index(drop=True)


def split_bounds(rows: int) -> list[tuple[str, int, int]]:
    """(name, start, stop) of each split: cuts at round(cumulative share * rows)."""
    bounds, start, share = [], 0, 0.0
    for name, fraction in SPLITS:
        share += fraction
        stop = rows if name == SPLITS[-1][0] else int(math.floor(share * rows + 0.5))
        bounds.append((name, start, stop))
        start = stop
    return bounds


def split(frame: pd.DataFrame, seed: int) -> dict[str, pd.DataFrame]:
    """Seeded shuffle, then the 80/15/5 cut."""
    if len(frame) < MIN_ROWS:
        raise PreprocessError(f"needs at least {MIN_ROWS} records to split, found {len(frame)}")
    order = np.random.RandomState(seed).permutation(len(frame))
    shuffled = frame.iloc[order].reset_index(drop=True)
    return {name: shuffled.iloc[start:stop] for name, start, stop in split_bounds(len(frame))}


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as out:
        frame.to_csv(out, index=False)


def run(input_dir: Path, outputs: dict[str, Path], seed: int = DEFAULT_SEED,
        record_id: str = "record_id", event_time: str = "event_time") -> dict[str, int]:
    """Read, deduplicate, validate, split and write; returns the row count of each split."""
    files = data_files(input_dir)
    frame = load(files, record_id, event_time)
    if record_id in frame.columns:
        frame = latest_records(frame, record_id, event_time)
    splits = split(clean(frame), seed)
    for name, part in splits.items():
        write_csv(part, outputs[name] / f"{name}.csv")
    return {name: len(part) for name, part in splits.items()}


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Split abalone data into train/validation/test CSV files.")
    p.add_argument("--input-dir", type=Path, default=PROCESSING / "input")
    for name, _ in SPLITS:
        p.add_argument(f"--{name}-dir", type=Path, default=PROCESSING / name)
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    p.add_argument("--record-id-column", default="record_id")
    p.add_argument("--event-time-column", default="event_time")
    args = p.parse_args(argv)
    if not 0 <= args.seed <= 2**32 - 1:
        p.error(f"--seed must be between 0 and 4294967295, got {args.seed}")
    return args


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    outputs = {name: getattr(args, f"{name}_dir") for name, _ in SPLITS}
    try:
        counts = run(args.input_dir, outputs, args.seed,
                     args.record_id_column.strip().lower(), args.event_time_column.strip().lower())
    except PreprocessError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(json.dumps({"rows": counts, "seed": args.seed}, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
