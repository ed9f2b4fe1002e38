"""training/train.py and the model contract: reproducibility, schema, parity with scikit-learn, bad data."""
import copy
import hashlib
import json
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import model_format
import train

SHIPPED_MODEL = Path("service/model/model.json")
SHIPPED_FIXTURE = Path("service/model/fixtures/predictions.json")
SCHEMA = Path("service/model/model.schema.json")
HEADER = "sex,length,diameter,height,whole_weight,shucked_weight,viscera_weight,shell_weight,rings"


def run_train(root: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(root / "training" / "train.py"), *args],
                          capture_output=True, text=True, env=env, cwd=root, timeout=120)


@pytest.fixture(scope="session")
def shipped(root):
    return json.loads((root / SHIPPED_MODEL).read_text())


@pytest.fixture(scope="session")
def abalone(abalone_csv):
    return train.read_dataset(abalone_csv)


@pytest.fixture(scope="session")
def fitted(abalone):
    return train.fit(abalone, train.Hyperparameters())


@pytest.fixture()
def small_csv(tmp_path, abalone_csv):
    lines = abalone_csv.read_text().splitlines()
    path = tmp_path / "small.csv"
    path.write_text("\n".join(lines[:301]) + "\n")
    return path


# --- reproducibility -------------------------------------------------------------------------------

def test_retraining_reproduces_the_shipped_model_and_fixture_byte_for_byte(root, abalone_csv, tmp_path):
    result = run_train(root, "--train", str(abalone_csv), "--output-dir", str(tmp_path),
                       "--fixture-output", str(tmp_path / "predictions.json"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "model.json").read_bytes() == (root / SHIPPED_MODEL).read_bytes()
    assert (tmp_path / "predictions.json").read_bytes() == (root / SHIPPED_FIXTURE).read_bytes()
    assert result.stdout.splitlines()[0] == f"model_version={json.loads((tmp_path / 'model.json').read_text())['model_version']}"


def test_shipped_model_records_defaults_and_lineage(shipped, abalone_csv):
    assert shipped["hyperparameters"] == {"loss": "squared_error", "n_estimators": 100, "max_depth": 3,
                                          "learning_rate": 0.1, "random_state": 0}
    assert shipped["created_from"] == {"train_sha256": hashlib.sha256(abalone_csv.read_bytes()).hexdigest(),
                                       "validation_sha256": None}
    assert len(shipped["trees"]) == 100
    assert re.fullmatch(r"[0-9a-f]{12}", shipped["model_version"])
    assert shipped["metrics"]["validation"] is None


def test_model_version_follows_data_and_hyperparameters(abalone, tmp_path, small_csv):
    hp = train.Hyperparameters()
    base = train.default_model_version(abalone, None, hp)
    assert base == train.default_model_version(abalone, None, train.Hyperparameters())
    assert base != train.default_model_version(abalone, None, train.Hyperparameters(n_estimators=99))
    assert base != train.default_model_version(abalone, None, train.Hyperparameters(learning_rate=0.05))
    small = train.read_dataset(small_csv)
    assert base != train.default_model_version(small, None, hp)
    assert base != train.default_model_version(abalone, small, hp)


# --- schema ----------------------------------------------------------------------------------------

SUPPORTED_KEYWORDS = {
    "$schema", "$id", "$defs", "$ref", "title", "description", "type", "properties", "required",
    "additionalProperties", "items", "minItems", "const", "pattern", "minLength", "minimum", "maximum",
    "exclusiveMinimum", "minProperties", "oneOf", "anyOf",
}


def schema_errors(value, schema, root_schema, path="$"):
    """A JSON Schema (2020-12) validator for exactly the keywords in SUPPORTED_KEYWORDS."""
    if "$ref" in schema:
        name = schema["$ref"].removeprefix("#/$defs/")
        yield from schema_errors(value, root_schema["$defs"][name], root_schema, path)
    kinds = schema.get("type")
    if kinds is not None:
        kinds = [kinds] if isinstance(kinds, str) else kinds
        checks = {"object": lambda v: isinstance(v, dict), "array": lambda v: isinstance(v, list),
                  "string": lambda v: isinstance(v, str), "null": lambda v: v is None,
                  "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
                  "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)}
        if not any(checks[k](value) for k in kinds):
            yield f"{path}: expected {kinds}, got {type(value).__name__}"
            return
    if "const" in schema and value != schema["const"]:
        yield f"{path}: expected {schema['const']!r}"
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            yield f"{path}: shorter than {schema['minLength']}"
        if "pattern" in schema and not re.search(schema["pattern"], value):
            yield f"{path}: does not match {schema['pattern']}"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            yield f"{path}: below {schema['minimum']}"
        if "maximum" in schema and value > schema["maximum"]:
            yield f"{path}: above {schema['maximum']}"
        if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
            yield f"{path}: not above {schema['exclusiveMinimum']}"
    if isinstance(value, dict):
        for key in schema.get("required", []):
            if key not in value:
                yield f"{path}: missing {key}"
        if len(value) < schema.get("minProperties", 0):
            yield f"{path}: fewer than {schema['minProperties']} properties"
        for key, item in value.items():
            if key in schema.get("properties", {}):
                yield from schema_errors(item, schema["properties"][key], root_schema, f"{path}.{key}")
            elif schema.get("additionalProperties") is False:
                yield f"{path}: unexpected property {key}"
            elif isinstance(schema.get("additionalProperties"), dict):
                yield from schema_errors(item, schema["additionalProperties"], root_schema, f"{path}.{key}")
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            yield f"{path}: fewer than {schema['minItems']} items"
        if "items" in schema:
            for i, item in enumerate(value):
                yield from schema_errors(item, schema["items"], root_schema, f"{path}[{i}]")
    for keyword, wanted in (("oneOf", lambda n: n == 1), ("anyOf", lambda n: n >= 1)):
        if keyword in schema:
            matches = sum(not list(schema_errors(value, s, root_schema, path)) for s in schema[keyword])
            if not wanted(matches):
                yield f"{path}: {matches} of the {keyword} alternatives match"


def used_keywords(node, out):
    if isinstance(node, dict):
        for key, child in node.items():
            out.add(key)
            if key in ("properties", "$defs"):
                for sub in child.values():
                    used_keywords(sub, out)
            elif key not in ("const", "required", "description", "title"):
                used_keywords(child, out)
    elif isinstance(node, list):
        for child in node:
            used_keywords(child, out)
    return out


@pytest.fixture(scope="session")
def schema(root):
    return json.loads((root / SCHEMA).read_text())


def test_schema_uses_only_keywords_the_test_validator_checks(schema):
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert used_keywords(schema, set()) <= SUPPORTED_KEYWORDS


def test_shipped_model_validates_against_the_schema(shipped, schema):
    assert list(schema_errors(shipped, schema, schema)) == []


@pytest.mark.parametrize("mutate, expected", [
    (lambda m: m.pop("trees"), "$: missing trees"),
    (lambda m: m.update(format_version=2), "$.format_version: expected 1"),
    (lambda m: m.update(extra=1), "$: unexpected property extra"),
    (lambda m: m["trees"][0]["left"].__setitem__(0, 1.5), "$.trees[0].left[0]: expected ['integer']"),
    (lambda m: m["trees"][0]["feature"].__setitem__(0, -2), "$.trees[0].feature[0]: below -1"),
    (lambda m: m.update(model_version="has space"), "$.model_version: does not match"),
    (lambda m: m["input_fields"][0].pop("categories"), "$.input_fields[0]: 0 of the oneOf alternatives match"),
    (lambda m: m["training_statistics"]["features"]["length"].update(std=-1), "features.length.std: below 0"),
    (lambda m: m["created_from"].update(validation_sha256="abc"), "$.created_from.validation_sha256: 0 of the anyOf"),
])
def test_schema_rejects_broken_models(shipped, schema, mutate, expected):
    broken = copy.deepcopy(shipped)
    mutate(broken)
    errors = list(schema_errors(broken, schema, schema))
    assert any(expected in e for e in errors), errors


def test_model_invariants_the_schema_cannot_express(shipped):
    features = shipped["features"]
    numeric = [f["name"] for f in shipped["input_fields"] if f["type"] == "number"]
    one_hot = [c for f in shipped["input_fields"] if f["type"] == "category"
               for c in shipped["encoding"][f["name"]]["columns"].values()]
    assert sorted(features) == sorted(numeric + one_hot)
    assert list(shipped["training_statistics"]["features"]) == numeric
    assert list(shipped["training_statistics"]["categories"]["sex"]) == ["M", "F", "I"]
    for tree in shipped["trees"]:
        n = len(tree["feature"])
        assert all(len(tree[k]) == n for k in ("threshold", "left", "right", "value"))
        parents = [0] * n
        for i in range(n):
            leaf = tree["left"][i] == -1
            assert (tree["right"][i] == -1) == leaf
            if leaf:
                assert tree["feature"][i] == -1 and tree["threshold"][i] == 0.0
            else:
                assert 0 <= tree["feature"][i] < len(features) and tree["value"][i] == 0.0
                for child in (tree["left"][i], tree["right"][i]):
                    assert i < child < n
                    parents[child] += 1
        assert parents[0] == 0 and all(p == 1 for p in parents[1:])


# --- parity with scikit-learn -----------------------------------------------------------------------

def test_model_file_reproduces_sklearn_exactly_on_every_row(shipped, abalone, fitted):
    expected = fitted.predict(abalone.features())
    actual = model_format.predict(shipped, abalone.instances(abalone.rows))
    assert np.array_equal(np.array(actual), expected)


def test_committed_fixture_matches_a_fresh_sklearn_prediction(root, abalone, fitted, shipped):
    fixture = json.loads((root / SHIPPED_FIXTURE).read_text())
    assert fixture["model_version"] == shipped["model_version"]
    assert len(fixture["instances"]) == len(fixture["predictions"]) == 200
    frame = pd.read_csv(root.parent / "shared" / "data" / "abalone.csv", nrows=200)
    assert fixture["instances"] == frame.drop(columns="rings").to_dict(orient="records")
    assert fixture["predictions"] == fitted.predict(abalone.features()[:200]).tolist()


def test_metrics_and_training_statistics_are_exact(shipped, abalone, fitted, abalone_csv):
    predicted = fitted.predict(abalone.features())
    residual = abalone.target - predicted
    train_metrics = shipped["metrics"]["train"]
    assert train_metrics["rows"] == 4177
    assert math.isclose(train_metrics["rmse"], math.sqrt(np.mean(residual ** 2)), rel_tol=1e-12)
    assert math.isclose(train_metrics["mae"], np.mean(np.abs(residual)), rel_tol=1e-12)
    r2 = 1 - np.sum(residual ** 2) / np.sum((abalone.target - abalone.target.mean()) ** 2)
    assert math.isclose(train_metrics["r2"], r2, rel_tol=1e-12)
    frame = pd.read_csv(abalone_csv)
    stats = shipped["training_statistics"]
    assert stats["rows"] == 4177
    for name, summary in stats["features"].items():
        column = frame[name]
        assert math.isclose(summary["mean"], column.mean(), rel_tol=1e-12)
        assert math.isclose(summary["std"], column.std(ddof=0), rel_tol=1e-12)
        assert (summary["min"], summary["max"]) == (column.min(), column.max())
    assert math.isclose(stats["target"]["mean"], 9.9337, abs_tol=5e-5)  # the data README's check value
    assert stats["categories"]["sex"] == {c: (frame["sex"] == c).sum() / 4177 for c in "MFI"}
    assert math.isclose(stats["prediction"]["mean"], predicted.mean(), rel_tol=1e-12)
    assert math.isclose(stats["prediction"]["std"], predicted.std(), rel_tol=1e-12)
    assert shipped["init"] == frame["rings"].mean()


# --- SageMaker entry point ---------------------------------------------------------------------------

def test_sagemaker_environment_and_hyperparameters(root, tmp_path, small_csv, abalone_csv):
    train_dir, val_dir = tmp_path / "input" / "train", tmp_path / "input" / "validation"
    train_dir.mkdir(parents=True)
    val_dir.mkdir(parents=True)
    lines = small_csv.read_text().splitlines()
    (train_dir / "part-a.csv").write_text("\n".join(lines[:151]) + "\n")
    (train_dir / "part-b.csv").write_text("\n".join([HEADER] + lines[151:]) + "\n")
    (val_dir / "validation.csv").write_text("\n".join([HEADER] + abalone_csv.read_text().splitlines()[301:401]) + "\n")
    env = {"PATH": "/usr/bin:/bin", "SM_CHANNEL_TRAIN": str(train_dir), "SM_CHANNEL_VALIDATION": str(val_dir),
           "SM_MODEL_DIR": str(tmp_path / "model"), "SM_OUTPUT_DATA_DIR": str(tmp_path / "output")}
    result = run_train(root, "--n_estimators", "20", "--max_depth", "2", "--learning_rate", "0.2", env=env)
    assert result.returncode == 0, result.stderr
    model = json.loads((tmp_path / "model" / "model.json").read_text())
    assert model["hyperparameters"] == {"loss": "squared_error", "n_estimators": 20, "max_depth": 2,
                                        "learning_rate": 0.2, "random_state": 0}
    assert len(model["trees"]) == 20 and model["metrics"]["train"]["rows"] == 300
    assert model["metrics"]["validation"]["rows"] == 100
    both = (train_dir / "part-a.csv").read_bytes() + (train_dir / "part-b.csv").read_bytes()
    assert model["created_from"]["train_sha256"] == hashlib.sha256(both).hexdigest()
    assert model["created_from"]["validation_sha256"] == hashlib.sha256((val_dir / "validation.csv").read_bytes()).hexdigest()
    metrics = json.loads((tmp_path / "output" / "metrics.json").read_text())
    assert metrics == {"model_version": model["model_version"], **model["metrics"]}
    assert f"validation_rows=100" in result.stdout
    assert not list(schema_errors(model, *[json.loads((root / SCHEMA).read_text())] * 2))


def test_explicit_model_version_is_recorded(root, tmp_path, small_csv):
    result = run_train(root, "--train", str(small_csv), "--output-dir", str(tmp_path), "--n-estimators", "5",
                       "--model-version", "2024.06-rc1")
    assert result.returncode == 0, result.stderr
    assert json.loads((tmp_path / "model.json").read_text())["model_version"] == "2024.06-rc1"


# --- bad input ---------------------------------------------------------------------------------------

ROW = "M,0.455,0.365,0.095,0.514,0.2245,0.101,0.15,15"


@pytest.mark.parametrize("content, message", [
    ("", "empty file, expected a header row"),
    (HEADER + "\n", "needs at least 2 data rows, found 0"),
    (HEADER.replace(",height", "") + "\nM,0.455,0.365,0.514,0.2245,0.101,0.15,15\n",
     "missing column(s) height"),
    (HEADER + ",colour\n" + ROW + ",red\n", "unexpected column(s) colour"),
    (HEADER + "\n" + ROW + "\nF,0.53,abc,0.135,0.677,0.2565,0.1415,0.21,9\n",
     ":3: column diameter: 'abc' is not a number"),
    (HEADER + "\n" + ROW + "\nX,0.53,0.42,0.135,0.677,0.2565,0.1415,0.21,9\n",
     ":3: column sex: unknown value 'X'; allowed: M, F, I"),
    (HEADER + "\n" + ROW + "\nF,0.53,0.42,nan,0.677,0.2565,0.1415,0.21,9\n",
     ":3: column height: 'nan' is not a finite number"),
    (HEADER + "\n" + ROW + "\nF,0.53,0.42,0.1,1e999,0.2565,0.1415,0.21,9\n",
     ":3: column whole_weight: '1e999' is not a finite number"),
    (HEADER + "\n" + ROW + "\nF,-0.53,0.42,0.1,0.6,0.2565,0.1415,0.21,9\n",
     ":3: column length: '-0.53' is negative"),
    (HEADER + "\n" + ROW + "\nF,0.53,0.42,0.1,0.6,0.2565,0.1415,0.21\n", ":3: expected 9 values, found 8"),
    (HEADER + "\n" + ROW + "\nF,0.53,0.42,0.1,0.6,0.2565,0.1415,0.21,\n", ":3: column rings: missing value"),
])
def test_bad_csv_fails_with_one_clear_line(root, tmp_path, content, message):
    data = tmp_path / "bad.csv"
    data.write_text(content)
    result = run_train(root, "--train", str(data), "--output-dir", str(tmp_path / "out"))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert message in lines[0]
    assert not (tmp_path / "out").exists()


def test_missing_channel_and_empty_directory(root, tmp_path):
    result = run_train(root, "--train", str(tmp_path / "nope.csv"), "--output-dir", str(tmp_path / "out"))
    assert result.returncode == 1 and "nope.csv: no such file or directory" in result.stderr
    (tmp_path / "empty").mkdir()
    result = run_train(root, "--train", str(tmp_path / "empty"), "--output-dir", str(tmp_path / "out"))
    assert result.returncode == 1 and "directory holds no .csv files" in result.stderr


@pytest.mark.parametrize("args, message", [
    (["--n-estimators", "0"], "--n-estimators must be between 1 and 5000, got 0"),
    (["--max-depth", "64"], "--max-depth must be between 1 and 32, got 64"),
    (["--learning-rate", "0"], "--learning-rate must be in (0, 1], got 0.0"),
])
def test_bad_hyperparameters(root, tmp_path, small_csv, args, message):
    result = run_train(root, "--train", str(small_csv), "--output-dir", str(tmp_path), *args)
    assert result.returncode == 1
    assert result.stderr.strip() == f"error: {message}"


def test_bad_model_version_is_a_usage_error(root, tmp_path, small_csv):
    result = run_train(root, "--train", str(small_csv), "--output-dir", str(tmp_path), "--model-version", "a b")
    assert result.returncode == 2
    assert "--model-version must be 1-64 characters" in result.stderr


def test_dumps_refuses_non_finite_values():
    with pytest.raises(ValueError, match="model values must be finite, got nan"):
        model_format.dumps({"init": float("nan")})
    assert model_format.dumps({"a": [1, 2.5], "b": {"c": None}}) == '{"a": [1, 2.5], "b": {"c": null}}\n'
