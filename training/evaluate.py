"""Score a trained model on the test split and write `evaluation.json`.

Runs as the entry point of a SageMaker processing job in the prebuilt scikit-learn container and
locally:

    .venv/training/bin/python training/evaluate.py [--model-dir DIR] [--test-dir DIR] [--output-dir DIR]

Defaults are the processing job's paths: the training job's artifact under
/opt/ml/processing/model (SageMaker delivers it as `model.tar.gz`; a plain `model.json` there is
accepted too), the test split under /opt/ml/processing/test (every *.csv, read in name order) and
the report written to /opt/ml/processing/evaluation/evaluation.json.

Predictions come from the model file alone, walking its trees with the reference predictor in
model_format.py (no scikit-learn objects), so the figures describe exactly what the inference
service and the edge devices will serve.

The report follows SageMaker's model-quality statistics layout, so the model registry can attach
it to a model package as ModelMetrics.ModelQuality.Statistics:

    {"regression_metrics": {"mae": {"value": ...}, "mse": {...}, "r2": {...}, "rmse": {...}},
     "model_version": "...", "test_rows": N}

Bad input stops the run with one `error: ...` line on stderr and exit status 1.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import math
import posixpath
import sys
import tarfile
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence

import model_format

PROCESSING = Path("/opt/ml/processing")
MODEL_FILE = "model.json"
ARCHIVE = "model.tar.gz"
REPORT = "evaluation.json"


class EvaluationError(Exception):
    """A model or test split that cannot be scored; the message names the file and field at fault."""


def read_model_text(model_dir: Path) -> str:
    """model.json from model_dir, read from model.tar.gz (SageMaker's artifact) when not there as a file."""
    plain = model_dir / MODEL_FILE
    if plain.is_file():
        return plain.read_text(encoding="utf-8")
    archive = model_dir / ARCHIVE
    if not archive.is_file():
        found = sorted(p.name for p in model_dir.iterdir()) if model_dir.is_dir() else []
        raise EvaluationError(f"{model_dir}: neither {MODEL_FILE} nor {ARCHIVE} found (found: {found or 'nothing'})")
    try:
        with tarfile.open(archive, "r:*") as tar:
            member = next(
                (m for m in tar.getmembers() if m.isfile() and posixpath.normpath(m.name) == MODEL_FILE), None
            )
            handle = tar.extractfile(member) if member is not None else None
            if handle is None:
                raise EvaluationError(f"{archive}: no {MODEL_FILE} at the top of the archive")
            return handle.read().decode("utf-8")
    except (tarfile.TarError, OSError, UnicodeDecodeError) as err:
        raise EvaluationError(f"{archive}: unreadable ({err})") from None


def load_model(model_dir: Path) -> dict[str, Any]:
    """The parsed model file, checked to be a format this script can walk."""
    try:
        model = json.loads(read_model_text(model_dir))
    except json.JSONDecodeError as err:
        raise EvaluationError(f"{MODEL_FILE}: not JSON ({err})") from None
    if not isinstance(model, dict):
        raise EvaluationError(f"{MODEL_FILE}: expected a JSON object")
    if model.get("format") != model_format.FORMAT or model.get("format_version") != model_format.FORMAT_VERSION:
        raise EvaluationError(
            f"{MODEL_FILE}: format {model.get('format')!r} version {model.get('format_version')!r} is not "
            f"{model_format.FORMAT!r} version {model_format.FORMAT_VERSION}"
        )
    for field in ("model_version", "target", "input_fields", "encoding", "features", "init", "trees"):
        if field not in model:
            raise EvaluationError(f"{MODEL_FILE}: missing field {field}")
    return model


def read_test_split(test_dir: Path, model: Mapping[str, Any]) -> tuple[list[dict[str, Any]], list[float]]:
    """Instances (input fields only) and targets of every *.csv in test_dir."""
    files = sorted(p for p in test_dir.glob("*.csv") if p.is_file()) if test_dir.is_dir() else []
    if not files:
        raise EvaluationError(f"{test_dir}: no .csv files found")
    fields = {f["name"]: f for f in model["input_fields"]}
    target = model["target"]
    instances: list[dict[str, Any]] = []
    targets: list[float] = []
    for file in files:
        reader = csv.DictReader(io.StringIO(file.read_text(encoding="utf-8-sig"), newline=""))
        header = [h.strip() for h in reader.fieldnames or []]
        missing = [c for c in [*fields, target] if c not in header]
        if missing:
            raise EvaluationError(f"{file}: missing column(s) {', '.join(missing)}")
        reader.fieldnames = header
        for row in reader:
            line = reader.line_num
            instance: dict[str, Any] = {}
            for name, field in fields.items():
                raw = (row[name] or "").strip()
                if field["type"] == "category":
                    if raw not in field["categories"]:
                        raise EvaluationError(f"{file}:{line}: column {name}: unknown value {raw!r}")
                    instance[name] = raw
                else:
                    instance[name] = _number(file, line, name, raw)
            instances.append(instance)
            targets.append(_number(file, line, target, (row[target] or "").strip()))
    if not instances:
        raise EvaluationError(f"{test_dir}: the test split has no rows")
    return instances, targets


def _number(file: Path, line: int, column: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise EvaluationError(f"{file}:{line}: column {column}: {text!r} is not a number") from None
    if not math.isfinite(value):
        raise EvaluationError(f"{file}:{line}: column {column}: {text!r} is not a finite number")
    return value


def regression_metrics(actual: Sequence[float], predicted: Sequence[float]) -> dict[str, float]:
    """mse, rmse, mae and r2 (r2 is 1.0 for a perfect fit and 0.0 for a constant target otherwise)."""
    n = len(actual)
    errors = [p - a for a, p in zip(actual, predicted)]
    mse = math.fsum(e * e for e in errors) / n
    mean = math.fsum(actual) / n
    total = math.fsum((a - mean) ** 2 for a in actual)
    residual = mse * n
    if total > 0:
        r2 = 1.0 - residual / total
    else:
        r2 = 1.0 if residual == 0 else 0.0
    return {"mse": mse, "rmse": math.sqrt(mse), "mae": math.fsum(abs(e) for e in errors) / n, "r2": r2}


def evaluate(model_dir: Path, test_dir: Path) -> dict[str, Any]:
    """The evaluation report for the model in model_dir on the split in test_dir."""
    model = load_model(model_dir)
    instances, targets = read_test_split(test_dir, model)
    predicted = model_format.predict(model, instances)
    figures = regression_metrics(targets, predicted)
    return {
        "regression_metrics": {name: {"value": value} for name, value in sorted(figures.items())},
        "model_version": model["model_version"],
        "test_rows": len(targets),
    }


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Score model.json on the test split and write evaluation.json.")
    p.add_argument("--model-dir", type=Path, default=PROCESSING / "model")
    p.add_argument("--test-dir", type=Path, default=PROCESSING / "test")
    p.add_argument("--output-dir", type=Path, default=PROCESSING / "evaluation")
    return p.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    try:
        report = evaluate(args.model_dir, args.test_dir)
    except EvaluationError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    args.output_dir.mkdir(parents=True, exist_ok=True)
    (args.output_dir / REPORT).write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(json.dumps(report, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
