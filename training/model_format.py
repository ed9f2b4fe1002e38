"""The model contract shared by the trainer (training/train.py) and the inference service (service/).

A model file (`model.json`) holds a gradient-boosted regression tree ensemble in plain JSON; its
fields are documented in service/model/model.schema.json. This module writes it in a stable layout
(so retraining the same data gives the same bytes) and holds a reference predictor that reads only
the file, which tests compare with scikit-learn and which documents the prediction rule:

    prediction = init + sum over trees of value[leaf reached]

Inside a tree, node 0 is the root; at an inner node go to `left` when
float32(x[feature]) <= threshold, else to `right`; a node is a leaf when left == right == -1.
Inputs are rounded to float32 before the comparison because scikit-learn's trees compare float32
inputs with float64 thresholds. Leaf values are already multiplied by the learning rate.
"""
from __future__ import annotations

import json
import math
from typing import Any, Mapping, Sequence

import numpy as np

FORMAT = "edge-mlops/gradient-boosted-trees"
FORMAT_VERSION = 1
INLINE_WIDTH = 100  # objects that fit on a line this long are written on one line


def dumps(model: Mapping[str, Any]) -> str:
    """Serialise a model as JSON text: objects one key per line, arrays of scalars on one line.

    Floats are written in Python's shortest round-trip form, so a reader parsing them as IEEE
    doubles (JavaScript's JSON.parse included) gets exactly the trained values. NaN and infinities
    are refused.
    """
    return _format(model, 0) + "\n"


def _format(value: Any, depth: int) -> str:
    pad, inner = "  " * depth, "  " * (depth + 1)
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        flat = "{" + ", ".join(f"{json.dumps(str(k))}: {_format(v, depth + 1)}" for k, v in value.items()) + "}"
        if len(flat) <= INLINE_WIDTH and "\n" not in flat:
            return flat
        items = [f"{inner}{json.dumps(str(k))}: {_format(v, depth + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(value, (list, tuple)):
        if all(not isinstance(v, (Mapping, list, tuple)) for v in value):
            return "[" + ", ".join(_scalar(v) for v in value) + "]"
        return "[\n" + ",\n".join(inner + _format(v, depth + 1) for v in value) + "\n" + pad + "]"
    return _scalar(value)


def _scalar(value: Any) -> str:
    if isinstance(value, (bool, type(None), str)):
        return json.dumps(value)
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(f"model values must be finite, got {number}")
        return json.dumps(number)
    raise TypeError(f"cannot serialise {type(value).__name__} in a model file")


def encode(model: Mapping[str, Any], instance: Mapping[str, Any]) -> list[float]:
    """The feature vector (in `model["features"]` order) of one raw input instance."""
    column = {name: i for i, name in enumerate(model["features"])}
    vector = [0.0] * len(column)
    for field in model["input_fields"]:
        name, raw = field["name"], instance[field["name"]]
        if field["type"] == "category":
            vector[column[model["encoding"][name]["columns"][raw]]] = 1.0
        else:
            vector[column[name]] = float(raw)
    return vector


def predict(model: Mapping[str, Any], instances: Sequence[Mapping[str, Any]]) -> list[float]:
    """Predict from a parsed model file alone (the reference implementation of the format)."""
    rows = np.asarray([encode(model, inst) for inst in instances], dtype=np.float32)
    out = []
    for row in rows:
        total = float(model["init"])
        for tree in model["trees"]:
            node = 0
            while tree["left"][node] != -1:
                x = float(row[tree["feature"][node]])  # float32 value, compared as a double
                node = tree["left"][node] if x <= tree["threshold"][node] else tree["right"][node]
            total += tree["value"][node]
        out.append(total)
    return out
