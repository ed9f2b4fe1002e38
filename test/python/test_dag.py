"""Tests of airflow/dags/continuous_training.py and airflow/requirements.txt.

Airflow is not installed here, so the DAG file is checked two ways: statically (its syntax tree:
DAG arguments, tasks, imports, the dependency chain, and that parsing it calls nothing but
DAG/operator constructors) and by importing it against a minimal stand-in ``airflow`` package
that records what the file builds; the recorded templates are rendered with Jinja and the task
callables run against in-memory AWS clients.
"""
from __future__ import annotations

import ast
import importlib
import py_compile
import re
import sys
import textwrap
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

import jinja2
import pytest

import feature_ingest
from test_feature_ingest import BUCKET, FakeS3, RecordingPut, csv_of

TASK_CHAIN = ["wait_for_new_data", "ingest_features", "start_training", "wait_for_training", "archive_processed"]
OPERATORS = {
    "S3KeySensor": "airflow.providers.amazon.aws.sensors.s3",
    "PythonOperator": "airflow.operators.python",
    "StepFunctionStartExecutionOperator": "airflow.providers.amazon.aws.operators.step_function",
    "StepFunctionExecutionSensor": "airflow.providers.amazon.aws.sensors.step_function",
}
TASK_CLASSES = {
    "wait_for_new_data": "S3KeySensor",
    "ingest_features": "PythonOperator",
    "start_training": "StepFunctionStartExecutionOperator",
    "wait_for_training": "StepFunctionExecutionSensor",
    "archive_processed": "PythonOperator",
}
#: The only calls allowed while the DAG file is parsed (outside function bodies).
PARSE_TIME_CALLS = {"DAG", *OPERATORS, "datetime", "timedelta"}
SETTINGS = {
    "data_bucket": BUCKET,
    "new_data_prefix": "incoming/",
    "archive_prefix": "archive/",
    "feature_group_name": "edge-mlops-prod-abalone",
    "state_machine_arn": "arn:aws:states:eu-west-1:123456789012:stateMachine:edge-mlops-prod-training",
}


@pytest.fixture(scope="module")
def dag_path(root) -> Path:
    return root / "airflow" / "dags" / "continuous_training.py"


@pytest.fixture(scope="module")
def tree(dag_path) -> ast.Module:
    return ast.parse(dag_path.read_text(encoding="utf-8"), filename=str(dag_path))


def call_name(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else "?"


def dag_statement(tree: ast.Module) -> ast.With:
    withs = [
        node
        for node in tree.body
        if isinstance(node, ast.With) and isinstance(node.items[0].context_expr, ast.Call)
        and call_name(node.items[0].context_expr) == "DAG"
    ]
    assert len(withs) == 1, "exactly one `with DAG(...)` block"
    return withs[0]


def keywords(call: ast.Call) -> dict[str, ast.expr]:
    assert not call.args, f"{call_name(call)}(...) takes keyword arguments only"
    return {k.arg: k.value for k in call.keywords}


def tasks(tree: ast.Module) -> dict[str, tuple[str, str, dict[str, ast.expr]]]:
    """Variable name -> (task_id, operator class, keyword nodes) for every task in the DAG block."""
    found = {}
    for node in dag_statement(tree).body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            kw = keywords(node.value)
            found[node.targets[0].id] = (ast.literal_eval(kw["task_id"]), call_name(node.value), kw)
    return found


def chain_of(expr: ast.expr) -> list[str]:
    """Names of an `a >> b >> c` expression, left to right."""
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.RShift):
        return chain_of(expr.left) + chain_of(expr.right)
    assert isinstance(expr, ast.Name), f"unexpected {ast.dump(expr)} in the dependency chain"
    return [expr.id]


def module_level_nodes(tree: ast.Module):
    """Every node evaluated when the file is imported: skips function bodies (run only by tasks)."""
    stack = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            # decorators and default values run at definition time; the body does not
            stack += getattr(node, "decorator_list", []) + node.args.defaults
            stack += [d for d in node.args.kw_defaults if d is not None]
            continue
        yield node
        stack += list(ast.iter_child_nodes(node))


def settings_template(name: str) -> str:
    return f"{{{{ conf.get('edge_mlops', '{name}') }}}}"


# --- static checks -------------------------------------------------------------------------------


def test_dag_files_compile(root, tmp_path):
    for path in sorted((root / "airflow" / "dags").glob("*.py")):
        py_compile.compile(str(path), cfile=str(tmp_path / (path.name + "c")), doraise=True)


def test_dag_arguments(tree):
    kw = keywords(dag_statement(tree).items[0].context_expr)

    assert ast.literal_eval(kw["dag_id"]) == "continuous_training"
    assert ast.literal_eval(kw["schedule"]) == "@daily"
    assert ast.literal_eval(kw["catchup"]) is False
    assert ast.literal_eval(kw["max_active_runs"]) == 1
    assert ast.literal_eval(kw["tags"]) == ["edge-mlops", "training"]
    start = kw["start_date"]
    assert isinstance(start, ast.Call) and call_name(start) == "datetime"
    assert [ast.literal_eval(a) for a in start.args] == [2026, 1, 1]  # fixed, not relative to today
    assert ast.unparse(keywords_of(start)["tzinfo"]) == "timezone.utc"
    assert ast.unparse(kw["dagrun_timeout"]) == "timedelta(hours=23)"
    assert isinstance(kw["default_args"], ast.Name) and kw["default_args"].id == "default_args"


def keywords_of(call: ast.Call) -> dict[str, ast.expr]:
    return {k.arg: k.value for k in call.keywords}


def test_default_args_retry_with_backoff(tree):
    assigns = [n for n in tree.body if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "default_args"]
    assert len(assigns) == 1
    node = assigns[0].value
    assert isinstance(node, ast.Dict)
    args = {ast.literal_eval(k): v for k, v in zip(node.keys, node.values)}

    assert ast.literal_eval(args["owner"]) == "edge-mlops"
    assert ast.literal_eval(args["retries"]) == 2
    assert ast.unparse(args["retry_delay"]) == "timedelta(minutes=5)"
    assert ast.literal_eval(args["retry_exponential_backoff"]) is True
    assert ast.unparse(args["max_retry_delay"]) == "timedelta(minutes=30)"


def test_task_ids_operator_classes_and_import_paths(tree):
    found = tasks(tree)
    imports = {
        alias.name: node.module
        for node in tree.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }

    assert {task_id: cls for task_id, cls, _ in found.values()} == TASK_CLASSES
    for cls, module in OPERATORS.items():
        assert imports[cls] == module
    assert imports["DAG"] == "airflow"


def test_dependency_chain(tree):
    found = tasks(tree)
    chains = [
        chain_of(node.value)
        for node in dag_statement(tree).body
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.BinOp)
    ]

    assert len(chains) == 1
    assert [found[name][0] for name in chains[0]] == TASK_CHAIN


def test_sensors_free_their_worker_slot_and_watch_the_new_data_pattern(tree):
    found = {task_id: kw for task_id, _, kw in tasks(tree).values()}
    s3 = found["wait_for_new_data"]
    sfn = found["wait_for_training"]

    assert ast.literal_eval(s3["mode"]) == "reschedule"
    assert ast.literal_eval(s3["wildcard_match"]) is True
    assert ast.literal_eval(s3["soft_fail"]) is True
    assert ast.unparse(s3["bucket_key"]) == "NEW_DATA_PATTERN"
    assert ast.unparse(s3["bucket_name"]) == "DATA_BUCKET"
    assert ast.unparse(s3["timeout"]) == "12 * 60 * 60"
    assert ast.literal_eval(sfn["mode"]) == "reschedule"
    assert ast.unparse(sfn["execution_arn"]) == "start_training.output"
    assert ast.unparse(found["start_training"]["state_machine_arn"]) == "STATE_MACHINE_ARN"


def test_settings_are_templates_of_the_edge_mlops_configuration_section(tree):
    constants = {
        node.targets[0].id: ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str) and getattr(node.targets[0], "id", "").isupper()
    }

    assert {k: v for k, v in constants.items() if "{{" in v} == {
        "DATA_BUCKET": settings_template("data_bucket"),
        "NEW_DATA_PREFIX": settings_template("new_data_prefix"),
        "NEW_DATA_PATTERN": settings_template("new_data_prefix") + "*.csv",
        "ARCHIVE_PREFIX": settings_template("archive_prefix"),
        "FEATURE_GROUP_NAME": settings_template("feature_group_name"),
        "STATE_MACHINE_ARN": settings_template("state_machine_arn"),
    }


def test_parsing_the_file_calls_nothing_but_constructors(tree):
    calls = sorted({call_name(n) for n in module_level_nodes(tree) if isinstance(n, ast.Call)})
    assert set(calls) <= PARSE_TIME_CALLS, f"calls at parse time: {set(calls) - PARSE_TIME_CALLS}"

    names = {n.id for n in module_level_nodes(tree) if isinstance(n, ast.Name)}
    attributes = {n.attr for n in module_level_nodes(tree) if isinstance(n, ast.Attribute)}
    assert "Variable" not in names and "get_conn" not in attributes
    assert not [n for n in names if n.endswith("Hook")], "no hook at module level"

    top_imports = {
        alias.name.split(".")[0] if isinstance(node, ast.Import) else (node.module or "").split(".")[0]
        for node in tree.body
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in node.names
    }
    assert top_imports == {"__future__", "datetime", "typing", "airflow", "feature_ingest"}


def test_aws_clients_are_created_inside_the_task_callables_only(tree):
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    assert set(functions) == {"ingest_new_data", "archive_processed"}
    for fn in functions.values():
        inner = [n for n in ast.walk(fn) if isinstance(n, ast.ImportFrom)]
        assert [n.module for n in inner] == ["airflow.providers.amazon.aws.hooks.base_aws"]

    callables = {
        task_id: ast.unparse(kw["python_callable"])
        for task_id, cls, kw in tasks(tree).values()
        if cls == "PythonOperator"
    }
    assert callables == {"ingest_features": "ingest_new_data", "archive_processed": "archive_processed"}


def test_feature_ingest_uses_the_standard_library_only(root):
    path = root / "airflow" / "dags" / "feature_ingest.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = {
        (alias.name if isinstance(node, ast.Import) else node.module or "").split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in node.names
    }
    assert imported and imported <= set(sys.stdlib_module_names) | {"__future__"}


def test_requirements_pin_through_the_airflow_constraints_file(root):
    lines = [
        line.strip()
        for line in (root / "airflow" / "requirements.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]

    assert lines[0] == (
        '--constraint "https://raw.githubusercontent.com/apache/airflow/constraints-2.10.3/constraints-3.11.txt"'
    )
    assert lines[1:] == ["apache-airflow-providers-amazon"]  # preinstalled on MWAA, version from the constraints
    constraint = re.search(r"constraints-(\d+\.\d+\.\d+)/constraints-(3\.\d+)\.txt", lines[0])
    assert constraint is not None and constraint.groups() == ("2.10.3", "3.11")


# --- import against a recording stand-in of the Airflow API ---------------------------------------

STAND_IN = {
    "airflow/__init__.py": """
        CURRENT = []

        class DAG:
            def __init__(self, **kwargs):
                self.kwargs = kwargs
                self.tasks = {}

            def __enter__(self):
                CURRENT.append(self)
                return self

            def __exit__(self, *exc):
                CURRENT.pop()

        class XComArg:
            def __init__(self, task_id, key="return_value"):
                self.task_id, self.key = task_id, key

            def __getitem__(self, key):
                return XComArg(self.task_id, key)

        class BaseOperator:
            def __init__(self, *, task_id, **kwargs):
                self.task_id, self.kwargs, self.downstream = task_id, kwargs, []
                CURRENT[-1].tasks[task_id] = self

            @property
            def output(self):
                return XComArg(self.task_id)

            def __rshift__(self, other):
                self.downstream.append(other.task_id)
                return other
    """,
    "airflow/operators/__init__.py": "",
    "airflow/operators/python.py": "from airflow import BaseOperator\nclass PythonOperator(BaseOperator): pass\n",
    "airflow/providers/__init__.py": "",
    "airflow/providers/amazon/__init__.py": "",
    "airflow/providers/amazon/aws/__init__.py": "",
    "airflow/providers/amazon/aws/sensors/__init__.py": "",
    "airflow/providers/amazon/aws/sensors/s3.py": "from airflow import BaseOperator\nclass S3KeySensor(BaseOperator): pass\n",
    "airflow/providers/amazon/aws/sensors/step_function.py":
        "from airflow import BaseOperator\nclass StepFunctionExecutionSensor(BaseOperator): pass\n",
    "airflow/providers/amazon/aws/operators/__init__.py": "",
    "airflow/providers/amazon/aws/operators/step_function.py":
        "from airflow import BaseOperator\nclass StepFunctionStartExecutionOperator(BaseOperator): pass\n",
    "airflow/providers/amazon/aws/hooks/__init__.py": "",
    "airflow/providers/amazon/aws/hooks/base_aws.py": """
        CLIENTS = {}
        CREATED = []

        class AwsBaseHook:
            def __init__(self, aws_conn_id, client_type):
                CREATED.append((aws_conn_id, client_type))
                self.client_type = client_type

            def get_conn(self):
                return CLIENTS[self.client_type]
    """,
}


class FakeConf:
    """`conf` of the template context, holding the environment's `edge_mlops` options."""

    def __init__(self, options: dict[str, str]):
        self.options = options

    def get(self, section: str, key: str) -> str:
        assert section == "edge_mlops"
        return self.options[key]


class FakeFeatureStore:
    def __init__(self):
        self.calls: list[dict] = []

    def put_record(self, **kwargs):
        self.calls.append(kwargs)
        return {}


@pytest.fixture
def loaded(tmp_path, monkeypatch):
    """The DAG module imported against the stand-in package, plus the stand-in modules."""
    for rel, source in STAND_IN.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source), encoding="utf-8")
    for name in [m for m in sys.modules if m == "airflow" or m.startswith("airflow.") or m == "continuous_training"]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("continuous_training")
    hooks = importlib.import_module("airflow.providers.amazon.aws.hooks.base_aws")
    yield SimpleNamespace(module=module, dag=module.dag, hooks=hooks)
    for name in [m for m in sys.modules if m == "airflow" or m.startswith("airflow.") or m == "continuous_training"]:
        del sys.modules[name]


def render(value, context):
    """Render templates the way Airflow renders templated fields: strings, recursively in dicts and lists."""
    if isinstance(value, str):
        return jinja2.Environment(undefined=jinja2.StrictUndefined).from_string(value).render(**context)
    if isinstance(value, dict):
        return {k: render(v, context) for k, v in value.items()}
    if isinstance(value, list):
        return [render(v, context) for v in value]
    return value


CONTEXT = {
    "conf": FakeConf(SETTINGS),
    "ds": "2026-11-25",
    "ts_nodash": "20261125T000000",
    "run_id": "scheduled__2026-11-25T00:00:00+00:00",
    "ti": SimpleNamespace(try_number=1),
}


def test_import_builds_the_dag_and_the_chain(loaded):
    dag = loaded.dag

    assert dag.kwargs["dag_id"] == "continuous_training"
    assert dag.kwargs["schedule"] == "@daily"
    assert dag.kwargs["start_date"] == datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert dag.kwargs["default_args"]["retry_delay"] == timedelta(minutes=5)
    assert dag.kwargs["doc_md"] == loaded.module.__doc__
    assert list(dag.tasks) == TASK_CHAIN
    assert {t: (type(op).__name__, type(op).__module__) for t, op in dag.tasks.items()} == {
        t: (cls, OPERATORS[cls]) for t, cls in TASK_CLASSES.items()
    }
    edges = {t: op.downstream for t, op in dag.tasks.items()}
    assert edges == {a: [b] for a, b in zip(TASK_CHAIN, TASK_CHAIN[1:])} | {TASK_CHAIN[-1]: []}
    assert loaded.hooks.CREATED == []  # importing the file made no AWS client


def test_templates_render_to_the_environment_settings(loaded):
    tasks = {t: render(op.kwargs, CONTEXT) for t, op in loaded.dag.tasks.items()}

    sensor = tasks["wait_for_new_data"]
    assert (sensor["bucket_name"], sensor["bucket_key"]) == (BUCKET, "incoming/*.csv")
    assert sensor["bucket_key"] == feature_ingest.new_data_pattern(SETTINGS["new_data_prefix"])
    assert tasks["ingest_features"]["op_kwargs"] == {
        "data_bucket": BUCKET,
        "new_data_prefix": "incoming/",
        "feature_group_name": "edge-mlops-prod-abalone",
    }
    start = tasks["start_training"]
    assert start["state_machine_arn"] == SETTINGS["state_machine_arn"]
    assert start["name"] == "continuous-training-20261125T000000-1"
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,80}", start["name"])  # a valid Step Functions execution name
    assert start["state_machine_input"] == {
        "trigger": "continuous_training",
        "dagRunId": "scheduled__2026-11-25T00:00:00+00:00",
        "featureGroupName": "edge-mlops-prod-abalone",
    }
    arn = tasks["wait_for_training"]["execution_arn"]
    assert (arn.task_id, arn.key) == ("start_training", "return_value")
    archive = tasks["archive_processed"]["op_kwargs"]
    assert (archive["keys"].task_id, archive["keys"].key) == ("ingest_features", "keys")
    assert archive["partition"] == "2026-11-25"
    assert loaded.dag.tasks["ingest_features"].kwargs["multiple_outputs"] is True


def test_callables_ingest_then_archive_the_new_files(loaded, abalone_csv):
    lines = abalone_csv.read_text(encoding="utf-8").splitlines()
    s3 = FakeS3(BUCKET, {
        "incoming/a.csv": csv_of(lines[:1001]).encode(),
        "incoming/b.csv": csv_of([lines[0], *lines[1001:]]).encode(),
        "incoming/readme.txt": b"not data",
    })
    featurestore = FakeFeatureStore()
    loaded.hooks.CLIENTS.update({"s3": s3, "sagemaker-featurestore-runtime": featurestore})
    tasks = {t: render(op.kwargs, CONTEXT) for t, op in loaded.dag.tasks.items()}

    summary = tasks["ingest_features"]["python_callable"](**tasks["ingest_features"]["op_kwargs"])

    assert summary == {
        "keys": ["incoming/a.csv", "incoming/b.csv"],
        "files": 2,
        "rows": 4177,
        "records": 4177,
        "batches": 9,
        "retries": 0,
    }
    assert len(featurestore.calls) == 4177
    assert {c["FeatureGroupName"] for c in featurestore.calls} == {"edge-mlops-prod-abalone"}
    assert {tuple(f["FeatureName"] for f in c["Record"]) for c in featurestore.calls} == {feature_ingest.FEATURE_NAMES}

    archive_kwargs = dict(tasks["archive_processed"]["op_kwargs"], keys=summary["keys"])
    result = tasks["archive_processed"]["python_callable"](**archive_kwargs)

    assert result == {
        "archived": 2,
        "moves": {"incoming/a.csv": "archive/2026-11-25/a.csv", "incoming/b.csv": "archive/2026-11-25/b.csv"},
    }
    assert sorted(s3.objects) == ["archive/2026-11-25/a.csv", "archive/2026-11-25/b.csv", "incoming/readme.txt"]
    assert loaded.hooks.CREATED == [
        ("aws_default", "s3"),
        ("aws_default", "sagemaker-featurestore-runtime"),
        ("aws_default", "s3"),
    ]


def test_a_wildcard_in_the_configured_prefix_fails_ingestion_loudly(loaded):
    loaded.hooks.CLIENTS.update({"s3": FakeS3(BUCKET, {}), "sagemaker-featurestore-runtime": FakeFeatureStore()})
    with pytest.raises(ValueError, match=r"new_data_prefix 'in\*/' must not contain wildcard characters"):
        loaded.module.ingest_new_data(BUCKET, "in*/", "edge-mlops-prod-abalone")
