"""training/evaluate.py: scores model.json (from SageMaker's model.tar.gz) on the test split."""
import io
import json
import math
import subprocess
import sys
import tarfile
from pathlib import Path

import numpy as np
import pytest

import evaluate
import model_format
import preprocess
import train

HEADER = "sex,length,diameter,height,whole_weight,shucked_weight,viscera_weight,shell_weight,rings"
NUMERIC = ["length", "diameter", "height", "whole_weight", "shucked_weight", "viscera_weight", "shell_weight"]


def run_cli(root: Path, script: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(root / "training" / script), *args],
                          capture_output=True, text=True, cwd=root, timeout=300)


def tar_model(model_json: Path, folder: Path) -> Path:
    """Package model.json the way SageMaker packages /opt/ml/model: model.tar.gz, file at the top."""
    folder.mkdir(parents=True, exist_ok=True)
    with tarfile.open(folder / "model.tar.gz", "w:gz") as tar:
        tar.add(model_json, arcname="model.json")
    return folder


def hand_model() -> dict:
    """init 10; one stump on shell_weight: <= 0.2 adds -2 (predicts 8), else +3 (predicts 13)."""
    features = ["sex_M", "sex_F", "sex_I", *NUMERIC]
    return {
        "format": model_format.FORMAT,
        "format_version": model_format.FORMAT_VERSION,
        "model_version": "hand-1",
        "target": "rings",
        "input_fields": [{"name": "sex", "type": "category", "categories": ["M", "F", "I"]}]
        + [{"name": n, "type": "number", "minimum": 0} for n in NUMERIC],
        "encoding": {"sex": {"type": "one_hot", "columns": {c: f"sex_{c}" for c in "MFI"}}},
        "features": features,
        "init": 10.0,
        "trees": [{"feature": [features.index("shell_weight"), -1, -1], "threshold": [0.2, 0.0, 0.0],
                   "left": [1, -1, -1], "right": [2, -1, -1], "value": [0.0, -2.0, 3.0]}],
    }


def write_test_split(folder: Path, rows: list) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "test.csv").write_text(HEADER + "\n" + "\n".join(rows) + "\n")
    return folder


# Predictions 8, 8, 13, 13 against targets 8, 10, 13, 12: errors 0, -2, 0, 1.
HAND_ROWS = [
    "M,0.5,0.4,0.1,0.8,0.3,0.2,0.1,8",
    "F,0.5,0.4,0.1,0.8,0.3,0.2,0.1,10",
    "I,0.5,0.4,0.1,0.8,0.3,0.2,0.5,13",
    "M,0.5,0.4,0.1,0.8,0.3,0.2,0.5,12",
]


def test_hand_made_model_gives_the_hand_computed_metrics(root, tmp_path):
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "model.json").write_text(json.dumps(hand_model()))
    model_dir = tar_model(tmp_path / "m" / "model.json", tmp_path / "model")
    test_dir = write_test_split(tmp_path / "test", HAND_ROWS)
    result = run_cli(root, "evaluate.py", "--model-dir", str(model_dir), "--test-dir", str(test_dir),
                     "--output-dir", str(tmp_path / "evaluation"))
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "evaluation" / "evaluation.json").read_text())
    # targets mean 10.75; total sum of squares 2.75^2 + 0.75^2 + 2.25^2 + 1.25^2 = 14.75; residual 5.
    assert report == {
        "regression_metrics": {
            "mae": {"value": 0.75},
            "mse": {"value": 1.25},
            "r2": {"value": 1 - 5 / 14.75},
            "rmse": {"value": math.sqrt(1.25)},
        },
        "model_version": "hand-1",
        "test_rows": 4,
    }
    assert json.loads(result.stdout) == report


def test_trained_model_rmse_matches_a_direct_scikit_learn_computation(root, abalone_csv, tmp_path):
    """preprocess -> train.py (subprocess) -> model.tar.gz -> evaluate.py, against scikit-learn itself."""
    (tmp_path / "input").mkdir()
    (tmp_path / "input" / "abalone.csv").write_bytes(abalone_csv.read_bytes())
    splits = {name: tmp_path / name for name in ("train", "validation", "test")}
    preprocess.run(tmp_path / "input", splits)
    trained = run_cli(root, "train.py", "--train", str(splits["train"]), "--validation", str(splits["validation"]),
                      "--output-dir", str(tmp_path / "trained"), "--n-estimators", "20", "--max-depth", "3")
    assert trained.returncode == 0, trained.stderr
    model_dir = tar_model(tmp_path / "trained" / "model.json", tmp_path / "model")
    result = run_cli(root, "evaluate.py", "--model-dir", str(model_dir), "--test-dir", str(splits["test"]),
                     "--output-dir", str(tmp_path / "evaluation"))
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "evaluation" / "evaluation.json").read_text())

    # Direct computation: fit the same estimator on the same split with scikit-learn and score it.
    hp = train.Hyperparameters(n_estimators=20, max_depth=3)
    fitted = train.fit(train.read_dataset(splits["train"]), hp)
    test = train.read_dataset(splits["test"])
    predicted = fitted.predict(test.features())
    direct_rmse = math.sqrt(float(np.mean((predicted - test.target) ** 2)))
    direct_mae = float(np.mean(np.abs(predicted - test.target)))

    assert report["test_rows"] == test.rows == 209
    assert report["regression_metrics"]["rmse"]["value"] == pytest.approx(direct_rmse, rel=1e-12, abs=1e-12)
    assert report["regression_metrics"]["mae"]["value"] == pytest.approx(direct_mae, rel=1e-12, abs=1e-12)
    assert report["model_version"] == json.loads((tmp_path / "trained" / "model.json").read_text())["model_version"]
    assert 1.0 < report["regression_metrics"]["rmse"]["value"] < 3.5  # a real fit of ring counts


def test_plain_model_json_in_the_model_dir_is_read_too(tmp_path):
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "model.json").write_text(json.dumps(hand_model()))
    report = evaluate.evaluate(tmp_path / "model", write_test_split(tmp_path / "test", HAND_ROWS))
    assert report["regression_metrics"]["rmse"]["value"] == math.sqrt(1.25)


def test_r2_of_a_constant_target_follows_scikit_learn():
    assert evaluate.regression_metrics([5.0, 5.0], [5.0, 5.0])["r2"] == 1.0
    assert evaluate.regression_metrics([5.0, 5.0], [4.0, 6.0])["r2"] == 0.0


# --- bad input -------------------------------------------------------------------------------------

def test_missing_model_is_reported_with_what_was_found(root, tmp_path):
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "other.bin").write_bytes(b"x")
    result = run_cli(root, "evaluate.py", "--model-dir", str(tmp_path / "model"),
                     "--test-dir", str(write_test_split(tmp_path / "test", HAND_ROWS)),
                     "--output-dir", str(tmp_path / "evaluation"))
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"error: {tmp_path / 'model'}: neither model.json nor model.tar.gz found (found: ['other.bin'])"
    )
    assert not (tmp_path / "evaluation").exists()


def test_archive_without_model_json_and_unknown_format_are_refused(tmp_path):
    folder = tmp_path / "a"
    folder.mkdir()
    with tarfile.open(folder / "model.tar.gz", "w:gz") as tar:
        data = b"{}"
        info = tarfile.TarInfo("nested/model.json")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    with pytest.raises(evaluate.EvaluationError, match=r"model\.tar\.gz: no model\.json at the top of the archive"):
        evaluate.load_model(folder)
    other = tmp_path / "b"
    other.mkdir()
    (other / "model.json").write_text(json.dumps({**hand_model(), "format_version": 2}))
    with pytest.raises(evaluate.EvaluationError, match=r"version 2 is not 'edge-mlops/gradient-boosted-trees' version 1"):
        evaluate.load_model(other)


def test_test_split_errors_name_the_file_line_and_column(tmp_path):
    model = hand_model()
    folder = tmp_path / "t1"
    folder.mkdir()
    (folder / "test.csv").write_text(HEADER.replace(",rings", "") + "\nM,0.5,0.4,0.1,0.8,0.3,0.2,0.1\n")
    with pytest.raises(evaluate.EvaluationError, match=r"test\.csv: missing column\(s\) rings"):
        evaluate.read_test_split(folder, model)
    folder = write_test_split(tmp_path / "t2", [HAND_ROWS[0], "X" + HAND_ROWS[1][1:]])
    with pytest.raises(evaluate.EvaluationError, match=r"test\.csv:3: column sex: unknown value 'X'"):
        evaluate.read_test_split(folder, model)
    folder = write_test_split(tmp_path / "t3", [HAND_ROWS[0].replace("0.8", "nan")])
    with pytest.raises(evaluate.EvaluationError, match=r"test\.csv:2: column whole_weight: 'nan' is not a finite number"):
        evaluate.read_test_split(folder, model)
    (tmp_path / "t4").mkdir()
    with pytest.raises(evaluate.EvaluationError, match=r"t4: no \.csv files found"):
        evaluate.read_test_split(tmp_path / "t4", model)
