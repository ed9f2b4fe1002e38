"""Train the abalone ring-count regressor and write it as `model.json` (see model_format.py).

Runs locally:

    .venv/training/bin/python training/train.py --train data.csv --output-dir out/ [--validation val.csv]
        [--n-estimators 100] [--max-depth 3] [--learning-rate 0.1] [--random-state 0]
        [--model-version V] [--output-data-dir metrics/] [--fixture-output f.json --fixture-rows 200]

and as the entry point of SageMaker's scikit-learn container: SM_CHANNEL_TRAIN, SM_CHANNEL_VALIDATION,
SM_MODEL_DIR and SM_OUTPUT_DATA_DIR supply the defaults of --train, --validation, --output-dir and
--output-data-dir, and hyperparameters arrive as command-line options (`--n_estimators` and
`--n-estimators` are both accepted).

Input: CSV with a header row naming exactly the columns sex, length, diameter, height, whole_weight,
shucked_weight, viscera_weight, shell_weight, rings (any order). `sex` is M, F or I; every other value
is a finite number >= 0. A channel may be one file or a directory of *.csv files (read in name order).
Bad data stops the run with one `error: ...` line on stderr and exit status 1.

Output: `<output-dir>/model.json`; with --output-data-dir also `metrics.json` there. Nothing in
either file depends on time or paths, so the same data and hyperparameters give the same bytes.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import math
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import sklearn
from sklearn.ensemble import GradientBoostingRegressor
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

import model_format

SEX_CATEGORIES = ("M", "F", "I")
NUMERIC_FIELDS = (
    "length", "diameter", "height", "whole_weight", "shucked_weight", "viscera_weight", "shell_weight",
)
INPUT_FIELDS = ("sex",) + NUMERIC_FIELDS
TARGET = "rings"
COLUMNS = INPUT_FIELDS + (TARGET,)
FEATURES = tuple(f"sex_{c}" for c in SEX_CATEGORIES) + NUMERIC_FIELDS
MIN_ROWS = 2


class DataError(Exception):
    """Input data or arguments that cannot be trained on; the message names what is wrong."""


@dataclass(frozen=True)
class Dataset:
    sex: list[str]
    numeric: np.ndarray  # rows x NUMERIC_FIELDS, float64
    target: np.ndarray  # rows, float64
    sha256: str  # of the raw bytes of the files, concatenated in read order

    @property
    def rows(self) -> int:
        return len(self.sex)

    def features(self) -> np.ndarray:
        """The encoded matrix in FEATURES order (one-hot sex, then the numeric fields)."""
        one_hot = np.array([[1.0 if s == c else 0.0 for c in SEX_CATEGORIES] for s in self.sex])
        return np.hstack([one_hot.reshape(self.rows, len(SEX_CATEGORIES)), self.numeric])

    def instances(self, count: int) -> list[dict[str, Any]]:
        """The first `count` rows as raw request instances (the service's input format)."""
        return [
            {"sex": self.sex[i], **{f: float(self.numeric[i, j]) for j, f in enumerate(NUMERIC_FIELDS)}}
            for i in range(min(count, self.rows))
        ]


def channel_files(path: Path) -> list[Path]:
    """The CSV files of a channel: the file itself, or the *.csv files of a directory in name order."""
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() == ".csv")
        if not files:
            raise DataError(f"{path}: directory holds no .csv files")
        return files
    if not path.is_file():
        raise DataError(f"{path}: no such file or directory")
    return [path]


def read_dataset(path: Path) -> Dataset:
    """Read and validate a channel; raises DataError naming the file, line and column at fault."""
    digest = hashlib.sha256()
    sex: list[str] = []
    numeric: list[list[float]] = []
    target: list[float] = []
    for file in channel_files(path):
        raw = file.read_bytes()
        digest.update(raw)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            raise DataError(f"{file}: not UTF-8 text ({err.reason} at byte {err.start})") from None
        _parse_csv(file, text, sex, numeric, target)
    if len(sex) < MIN_ROWS:
        raise DataError(f"{path}: needs at least {MIN_ROWS} data rows, found {len(sex)}")
    return Dataset(sex, np.array(numeric, dtype=np.float64), np.array(target, dtype=np.float64),
                   digest.hexdigest())


def _parse_csv(file: Path, text: str, sex: list[str], numeric: list[list[float]], target: list[float]) -> None:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None or not any(h.strip() for h in header):
            raise DataError(f"{file}: empty file, expected a header row: {','.join(COLUMNS)}")
        names = [h.strip() for h in header]
        missing = [c for c in COLUMNS if c not in names]
        unknown = [n for n in names if n not in COLUMNS]
        duplicated = sorted({n for n in names if names.count(n) > 1})
        if missing:
            raise DataError(f"{file}: missing column(s) {', '.join(missing)}; the header must name {','.join(COLUMNS)}")
        if unknown:
            raise DataError(f"{file}: unexpected column(s) {', '.join(unknown)}; allowed: {','.join(COLUMNS)}")
        if duplicated:
            raise DataError(f"{file}: duplicated column(s) {', '.join(duplicated)}")
        index = {name: names.index(name) for name in COLUMNS}
        for row in reader:
            line = reader.line_num
            if not row or all(not v.strip() for v in row):
                continue
            if len(row) != len(names):
                raise DataError(f"{file}:{line}: expected {len(names)} values, found {len(row)}")
            s = row[index["sex"]].strip()
            if s not in SEX_CATEGORIES:
                raise DataError(f"{file}:{line}: column sex: unknown value {s!r}; allowed: {', '.join(SEX_CATEGORIES)}")
            sex.append(s)
            numeric.append([_number(file, line, f, row[index[f]]) for f in NUMERIC_FIELDS])
            target.append(_number(file, line, TARGET, row[index[TARGET]]))
    except csv.Error as err:
        raise DataError(f"{file}:{reader.line_num}: malformed CSV: {err}") from None


def _number(file: Path, line: int, column: str, text: str) -> float:
    value = text.strip()
    if not value:
        raise DataError(f"{file}:{line}: column {column}: missing value")
    try:
        number = float(value)
    except ValueError:
        raise DataError(f"{file}:{line}: column {column}: {value!r} is not a number") from None
    if not math.isfinite(number):
        raise DataError(f"{file}:{line}: column {column}: {value!r} is not a finite number")
    if number < 0:
        raise DataError(f"{file}:{line}: column {column}: {value!r} is negative; values must be >= 0")
    return number


@dataclass(frozen=True)
class Hyperparameters:
    n_estimators: int = 100
    max_depth: int = 3
    learning_rate: float = 0.1
    random_state: int = 0

    def check(self) -> None:
        if not 1 <= self.n_estimators <= 5000:
            raise DataError(f"--n-estimators must be between 1 and 5000, got {self.n_estimators}")
        if not 1 <= self.max_depth <= 32:
            raise DataError(f"--max-depth must be between 1 and 32, got {self.max_depth}")
        if not (math.isfinite(self.learning_rate) and 0 < self.learning_rate <= 1):
            raise DataError(f"--learning-rate must be in (0, 1], got {self.learning_rate}")
        if not 0 <= self.random_state <= 2**32 - 1:
            raise DataError(f"--random-state must be between 0 and 4294967295, got {self.random_state}")

    def as_dict(self) -> dict[str, Any]:
        return {"loss": "squared_error", "n_estimators": self.n_estimators, "max_depth": self.max_depth,
                "learning_rate": self.learning_rate, "random_state": self.random_state}


def fit(train: Dataset, hp: Hyperparameters) -> GradientBoostingRegressor:
    hp.check()
    model = GradientBoostingRegressor(loss="squared_error", n_estimators=hp.n_estimators, max_depth=hp.max_depth,
                                      learning_rate=hp.learning_rate, random_state=hp.random_state)
    return model.fit(train.features(), train.target)


def default_model_version(train: Dataset, validation: Dataset | None, hp: Hyperparameters) -> str:
    """12 hex digits of a SHA-256 over the data hashes, hyperparameters, format and library version."""
    basis = {"format_version": model_format.FORMAT_VERSION, "train_sha256": train.sha256,
             "validation_sha256": validation.sha256 if validation else None,
             "hyperparameters": hp.as_dict(), "scikit_learn": sklearn.__version__}
    return hashlib.sha256(json.dumps(basis, sort_keys=True).encode()).hexdigest()[:12]


def metrics(model: GradientBoostingRegressor, data: Dataset) -> dict[str, Any]:
    predicted = model.predict(data.features())
    return {"rows": data.rows,
            "rmse": float(math.sqrt(mean_squared_error(data.target, predicted))),
            "mae": float(mean_absolute_error(data.target, predicted)),
            "r2": float(r2_score(data.target, predicted))}


def _summary(values: np.ndarray) -> dict[str, float]:
    return {"mean": float(np.mean(values)), "std": float(np.std(values)),
            "min": float(np.min(values)), "max": float(np.max(values))}


def training_statistics(model: GradientBoostingRegressor, train: Dataset) -> dict[str, Any]:
    """Distribution of the training data and of the model's predictions on it (population std)."""
    return {
        "rows": train.rows,
        "features": {f: _summary(train.numeric[:, j]) for j, f in enumerate(NUMERIC_FIELDS)},
        "categories": {"sex": {c: train.sex.count(c) / train.rows for c in SEX_CATEGORIES}},
        "target": _summary(train.target),
        "prediction": _summary(model.predict(train.features())),
    }


def export_trees(model: GradientBoostingRegressor) -> list[dict[str, list]]:
    """The fitted trees as parallel node arrays; leaf values multiplied by the learning rate."""
    trees = []
    for estimator in model.estimators_[:, 0]:
        t = estimator.tree_
        leaf = t.children_left == -1
        trees.append({
            "feature": [-1 if is_leaf else int(f) for f, is_leaf in zip(t.feature, leaf)],
            "threshold": [0.0 if is_leaf else float(v) for v, is_leaf in zip(t.threshold, leaf)],
            "left": [int(v) for v in t.children_left],
            "right": [int(v) for v in t.children_right],
            "value": [float(model.learning_rate * v) if is_leaf else 0.0 for v, is_leaf in zip(t.value[:, 0, 0], leaf)],
        })
    return trees


def build_model(model: GradientBoostingRegressor, train: Dataset, validation: Dataset | None,
                hp: Hyperparameters, model_version: str | None = None) -> dict[str, Any]:
    version = model_version if model_version is not None else default_model_version(train, validation, hp)
    return {
        "format": model_format.FORMAT,
        "format_version": model_format.FORMAT_VERSION,
        "model_version": version,
        "target": TARGET,
        "input_fields": [{"name": "sex", "type": "category", "categories": list(SEX_CATEGORIES)}]
        + [{"name": f, "type": "number", "minimum": 0} for f in NUMERIC_FIELDS],
        "encoding": {"sex": {"type": "one_hot", "columns": {c: f"sex_{c}" for c in SEX_CATEGORIES}}},
        "features": list(FEATURES),
        "hyperparameters": hp.as_dict(),
        "trainer": {"library": "scikit-learn", "version": sklearn.__version__,
                    "estimator": "GradientBoostingRegressor"},
        "created_from": {"train_sha256": train.sha256,
                         "validation_sha256": validation.sha256 if validation else None},
        "metrics": {"train": metrics(model, train),
                    "validation": metrics(model, validation) if validation else None},
        "training_statistics": training_statistics(model, train),
        "init": float(np.asarray(model.init_.constant_).ravel()[0]),
        "trees": export_trees(model),
    }


def prediction_fixture(model: GradientBoostingRegressor, data: Dataset, version: str, rows: int) -> dict[str, Any]:
    """Inputs and scikit-learn's predictions for the first `rows` rows (the service's parity test)."""
    count = min(rows, data.rows)
    return {"model_version": version, "instances": data.instances(count),
            "predictions": [float(p) for p in model.predict(data.features()[:count])]}


MODEL_VERSION_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    env = os.environ
    p = argparse.ArgumentParser(description="Train the abalone rings regressor and write model.json.")
    p.add_argument("--train", type=Path, default=env.get("SM_CHANNEL_TRAIN"),
                   required="SM_CHANNEL_TRAIN" not in env, help="training CSV file or directory (SM_CHANNEL_TRAIN)")
    p.add_argument("--validation", type=Path, default=env.get("SM_CHANNEL_VALIDATION"),
                   help="optional validation CSV file or directory (SM_CHANNEL_VALIDATION)")
    p.add_argument("--output-dir", "--output_dir", dest="output_dir", type=Path,
                   default=env.get("SM_MODEL_DIR"), required="SM_MODEL_DIR" not in env,
                   help="where model.json is written (SM_MODEL_DIR)")
    p.add_argument("--output-data-dir", "--output_data_dir", dest="output_data_dir", type=Path,
                   default=env.get("SM_OUTPUT_DATA_DIR"), help="where metrics.json is written (SM_OUTPUT_DATA_DIR)")
    defaults = Hyperparameters()
    p.add_argument("--n-estimators", "--n_estimators", dest="n_estimators", type=int, default=defaults.n_estimators)
    p.add_argument("--max-depth", "--max_depth", dest="max_depth", type=int, default=defaults.max_depth)
    p.add_argument("--learning-rate", "--learning_rate", dest="learning_rate", type=float,
                   default=defaults.learning_rate)
    p.add_argument("--random-state", "--random_state", dest="random_state", type=int, default=defaults.random_state)
    p.add_argument("--model-version", "--model_version", dest="model_version",
                   help="version string to record (default: derived from the data and hyperparameters)")
    p.add_argument("--fixture-output", type=Path, help="also write inputs and predictions of the first rows here")
    p.add_argument("--fixture-rows", type=int, default=200)
    args = p.parse_args(argv)
    if args.model_version is not None and not (
        1 <= len(args.model_version) <= 64 and set(args.model_version) <= MODEL_VERSION_CHARS
    ):
        p.error("--model-version must be 1-64 characters of A-Z a-z 0-9 . _ -")
    if args.fixture_rows < 1:
        p.error("--fixture-rows must be at least 1")
    return args


def write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    hp = Hyperparameters(args.n_estimators, args.max_depth, args.learning_rate, args.random_state)
    try:
        hp.check()
        train = read_dataset(args.train)
        validation = read_dataset(args.validation) if args.validation else None
    except DataError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    model = fit(train, hp)
    document = build_model(model, train, validation, hp, args.model_version)
    write_text(args.output_dir / "model.json", model_format.dumps(document))
    if args.output_data_dir:
        summary = {"model_version": document["model_version"], **document["metrics"]}
        write_text(args.output_data_dir / "metrics.json", model_format.dumps(summary))
    if args.fixture_output:
        fixture = prediction_fixture(model, train, document["model_version"], args.fixture_rows)
        write_text(args.fixture_output, model_format.dumps(fixture))
    print(f"model_version={document['model_version']}")
    for split, values in document["metrics"].items():
        if values:
            print(" ".join(f"{split}_{k}={v:.6g}" for k, v in values.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
