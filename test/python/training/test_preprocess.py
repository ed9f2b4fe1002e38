"""training/preprocess.py: deterministic 80/15/5 splits of plain CSV and of feature-store exports."""
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

import preprocess

HEADER = "sex,length,diameter,height,whole_weight,shucked_weight,viscera_weight,shell_weight,rings"
SPLITS = {"train": 0.80, "validation": 0.15, "test": 0.05}


def run_cli(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(root / "training" / "preprocess.py"), *args],
                          capture_output=True, text=True, cwd=root, timeout=120)


def out_args(out: Path) -> list:
    return ["--train-dir", str(out / "train"), "--validation-dir", str(out / "validation"),
            "--test-dir", str(out / "test")]


def outputs(out: Path) -> dict:
    return {name: out / name for name in SPLITS}


def parsed(line: str) -> tuple:
    """A data line as values (sex, then numbers), so 0 and 0.0 compare equal."""
    sex, *numbers = line.split(",")
    return (sex, *(float(n) for n in numbers))


@pytest.fixture()
def abalone_dir(tmp_path, abalone_csv):
    folder = tmp_path / "input"
    folder.mkdir()
    (folder / "abalone.csv").write_bytes(abalone_csv.read_bytes())
    return folder


@pytest.fixture(scope="session")
def abalone_frame(abalone_csv):
    return pd.read_csv(abalone_csv, dtype=str)


# --- plain CSV -------------------------------------------------------------------------------------

def test_splits_are_80_15_5_with_the_trainer_header_and_partition_the_input(root, abalone_dir, abalone_csv, tmp_path):
    result = run_cli(root, "--input-dir", str(abalone_dir), *out_args(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    source = abalone_csv.read_text().splitlines()
    total = len(source) - 1
    parts = {}
    for name, share in SPLITS.items():
        text = (tmp_path / "out" / name / f"{name}.csv").read_text()
        assert text.splitlines()[0] == HEADER
        assert text.endswith("\n") and "\r" not in text
        parts[name] = text.splitlines()[1:]
        assert abs(len(parts[name]) - share * total) <= 1, (name, len(parts[name]))
    assert sum(len(p) for p in parts.values()) == total == 4177
    # Together the splits hold every input row exactly as often as the input does: no row lost,
    # none copied into two splits.
    split_rows = [parsed(line) for part in parts.values() for line in part]
    assert Counter(split_rows) == Counter(parsed(line) for line in source[1:])
    # Shuffled, not cut in file order.
    assert parts["train"][:50] != source[1:51]
    assert result.stdout.strip() == '{"rows": {"test": 209, "train": 3342, "validation": 626}, "seed": 42}'


def test_same_input_and_seed_give_byte_identical_files_and_another_seed_differs(abalone_dir, tmp_path):
    first = preprocess.run(abalone_dir, outputs(tmp_path / "a"))
    second = preprocess.run(abalone_dir, outputs(tmp_path / "b"))
    assert first == second == {"train": 3342, "validation": 626, "test": 209}
    for name in SPLITS:
        assert (tmp_path / "a" / name / f"{name}.csv").read_bytes() == (tmp_path / "b" / name / f"{name}.csv").read_bytes()
    preprocess.run(abalone_dir, outputs(tmp_path / "c"), seed=7)
    assert (tmp_path / "c" / "train" / "train.csv").read_bytes() != (tmp_path / "a" / "train" / "train.csv").read_bytes()


def test_values_are_written_unchanged_apart_from_integral_floats(abalone_dir, abalone_csv, tmp_path):
    preprocess.run(abalone_dir, outputs(tmp_path))
    written = (tmp_path / "test" / "test.csv").read_text().splitlines()[1:]
    source = {parsed(line) for line in abalone_csv.read_text().splitlines()[1:]}
    assert len(written) == 209 and all(parsed(line) in source for line in written)
    # Measurements in their shortest round-trip form (0.2245, not 0.22450000000000001); rings as integers.
    for line in written:
        *measurements, rings = line.split(",")[1:]
        assert all(repr(float(v)) == v for v in measurements) and rings == str(int(rings))


def test_split_bounds_stay_within_one_row_of_each_share():
    for rows in (20, 21, 99, 100, 101, 4177, 10_001):
        bounds = preprocess.split_bounds(rows)
        assert bounds[0][1] == 0 and bounds[-1][2] == rows
        assert all(a[2] == b[1] for a, b in zip(bounds, bounds[1:]))
        for name, start, stop in bounds:
            assert stop - start >= 1
            assert abs((stop - start) - SPLITS[name] * rows) <= 1, (rows, name)


# --- feature-store exports -------------------------------------------------------------------------

def store_rows(frame: pd.DataFrame, ids: range, event: str, write: str, deleted: bool = False) -> pd.DataFrame:
    part = frame.iloc[list(ids)].copy()
    part.insert(0, "record_id", [f"r{i:04d}" for i in ids])
    part["event_time"] = event
    part["write_time"] = write
    part["api_invocation_time"] = write
    part["is_deleted"] = "true" if deleted else "false"
    return part


@pytest.fixture()
def store_export(tmp_path, abalone_frame):
    """An offline-store-like export: 100 records, some rewritten with new values, one deleted."""
    root = tmp_path / "offline-store" / "data"
    first = store_rows(abalone_frame, range(100), "2024-01-01T00:00:00Z", "2024-01-01T00:05:00Z")
    # Records 0-9 get newer values (taken from rows 200-209) with a later event time; the older
    # version is put in the later file so file order alone would pick the wrong one.
    newer = store_rows(abalone_frame, range(200, 210), "2024-02-01T00:00:00Z", "2024-02-01T00:05:00Z")
    newer["record_id"] = [f"r{i:04d}" for i in range(10)]
    older_again = store_rows(abalone_frame, range(300, 310), "2023-12-01T00:00:00Z", "2024-03-01T00:00:00Z")
    older_again["record_id"] = [f"r{i:04d}" for i in range(10)]
    deleted = store_rows(abalone_frame, range(50, 51), "2024-02-02T00:00:00Z", "2024-02-02T00:05:00Z", deleted=True)
    (root / "year=2024" / "month=02").mkdir(parents=True)
    (root / "year=2024" / "month=01").mkdir(parents=True)
    pd.concat([newer, deleted]).to_csv(root / "year=2024" / "month=01" / "a.csv", index=False)
    pd.concat([first, older_again]).to_csv(root / "year=2024" / "month=02" / "b.csv", index=False)
    return tmp_path / "offline-store"


def test_store_export_keeps_the_latest_event_of_each_record_and_drops_deleted_ones(store_export, abalone_frame, tmp_path):
    counts = preprocess.run(store_export, outputs(tmp_path / "out"))
    assert sum(counts.values()) == 99  # 100 records, one deleted
    frames = [pd.read_csv(tmp_path / "out" / n / f"{n}.csv", dtype=str) for n in SPLITS]
    assert all(list(f.columns) == HEADER.split(",") for f in frames)
    written = Counter(tuple(r) for f in frames for r in f.itertuples(index=False))
    expected_rows = [200 + i for i in range(10)] + [i for i in range(10, 100) if i != 50]
    expected = Counter(tuple(r) for r in abalone_frame.iloc[expected_rows].itertuples(index=False))
    assert written == expected


def test_store_export_output_does_not_depend_on_file_layout(store_export, tmp_path):
    preprocess.run(store_export, outputs(tmp_path / "a"))
    relaid = tmp_path / "relaid"
    relaid.mkdir()
    rows = pd.concat([pd.read_csv(p, dtype=str) for p in sorted(store_export.rglob("*.csv"))])
    rows.iloc[::-1].to_csv(relaid / "all.csv", index=False)
    preprocess.run(relaid, outputs(tmp_path / "b"))
    for name in SPLITS:
        assert (tmp_path / "a" / name / f"{name}.csv").read_bytes() == (tmp_path / "b" / name / f"{name}.csv").read_bytes()


def test_event_time_as_epoch_seconds_orders_versions(tmp_path, abalone_frame):
    folder = tmp_path / "in"
    folder.mkdir()
    old = store_rows(abalone_frame, range(30), "1700000000.5", "1700000001")
    new = store_rows(abalone_frame, range(100, 101), "1700000100.25", "1700000101")
    new["record_id"] = ["r0000"]
    pd.concat([new, old]).to_csv(folder / "part.csv", index=False)
    preprocess.run(folder, outputs(tmp_path / "out"))
    written = pd.concat([pd.read_csv(tmp_path / "out" / n / f"{n}.csv", dtype=str) for n in SPLITS])
    assert len(written) == 30
    record0_new = tuple(abalone_frame.iloc[100])
    record0_old = tuple(abalone_frame.iloc[0])
    rows = [tuple(r) for r in written.itertuples(index=False)]
    assert record0_new in rows and record0_old not in rows


def test_parquet_needs_an_engine_and_says_so(tmp_path):
    try:
        import pyarrow  # noqa: F401
        pytest.skip("pyarrow is installed here; the Parquet branch reads files instead of failing")
    except ImportError:
        pass
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "part-0.parquet").write_bytes(b"PAR1 not really parquet PAR1")
    with pytest.raises(preprocess.PreprocessError, match=r"part-0\.parquet: cannot read Parquet \(Unable to find a usable engine.*\); install pyarrow$"):
        preprocess.run(folder, outputs(tmp_path / "out"))


# --- bad input -------------------------------------------------------------------------------------

def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text)
    return folder


def valid_lines(abalone_csv: Path, count: int = 30) -> list:
    return abalone_csv.read_text().splitlines()[1:count + 1]


def test_missing_column_is_named_and_the_cli_exits_1(root, tmp_path, abalone_csv):
    lines = [",".join(line.split(",")[:-1]) for line in valid_lines(abalone_csv)]
    folder = write(tmp_path / "in", "data.csv", HEADER.rsplit(",", 1)[0] + "\n" + "\n".join(lines) + "\n")
    result = run_cli(root, "--input-dir", str(folder), *out_args(tmp_path / "out"))
    assert result.returncode == 1
    assert result.stderr.strip() == f"error: {folder / 'data.csv'}: missing column(s) rings; required: {HEADER.replace(',', ', ')}"
    assert not (tmp_path / "out").exists()


def test_unknown_sex_and_negative_numbers_name_the_column_and_row(tmp_path, abalone_csv):
    lines = valid_lines(abalone_csv)
    lines[4] = "X" + lines[4][1:]
    folder = write(tmp_path / "a", "data.csv", HEADER + "\n" + "\n".join(lines) + "\n")
    with pytest.raises(preprocess.PreprocessError, match=r"column sex: unknown value 'X' \(data\.csv row 5\)"):
        preprocess.run(folder, outputs(tmp_path / "out"))
    lines = valid_lines(abalone_csv)
    lines[2] = lines[2].replace(lines[2].split(",")[2], "-0.1", 1)
    folder = write(tmp_path / "b", "data.csv", HEADER + "\n" + "\n".join(lines) + "\n")
    with pytest.raises(preprocess.PreprocessError, match=r"column diameter: '-0.1' is not a finite number >= 0 \(data\.csv row 3\)"):
        preprocess.run(folder, outputs(tmp_path / "out"))


def test_mixing_store_exports_with_plain_csv_is_refused(tmp_path, abalone_frame, abalone_csv):
    folder = tmp_path / "in"
    folder.mkdir()
    store_rows(abalone_frame, range(30), "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z").to_csv(folder / "a.csv", index=False)
    (folder / "b.csv").write_bytes(abalone_csv.read_bytes())
    with pytest.raises(preprocess.PreprocessError, match=r"column record_id is in some input files but missing from .*b\.csv"):
        preprocess.run(folder, outputs(tmp_path / "out"))


def test_store_export_without_event_time_is_refused(tmp_path, abalone_frame):
    rows = store_rows(abalone_frame, range(30), "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z").drop(columns="event_time")
    folder = tmp_path / "in"
    folder.mkdir()
    rows.to_csv(folder / "a.csv", index=False)
    with pytest.raises(preprocess.PreprocessError, match=r"a\.csv: missing column\(s\) event_time"):
        preprocess.run(folder, outputs(tmp_path / "out"))


def test_empty_input_and_too_few_rows_are_refused(tmp_path, abalone_csv):
    (tmp_path / "empty").mkdir()
    with pytest.raises(preprocess.PreprocessError, match=r"no \.csv or \.parquet files found"):
        preprocess.run(tmp_path / "empty", outputs(tmp_path / "out"))
    folder = write(tmp_path / "few", "data.csv", HEADER + "\n" + "\n".join(valid_lines(abalone_csv, 19)) + "\n")
    with pytest.raises(preprocess.PreprocessError, match=r"needs at least 20 records to split, found 19"):
        preprocess.run(folder, outputs(tmp_path / "out"))
    with pytest.raises(preprocess.PreprocessError, match=r"input directory does not exist"):
        preprocess.run(tmp_path / "missing", outputs(tmp_path / "out"))
