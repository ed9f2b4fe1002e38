"""The DAG files as Apache Airflow 2.10.3 (MWAA's version) parses them, and what parsing may not do.

Every file in airflow/dags is imported by a real DagBag with zero import errors; the
continuous-training DAG's arguments, task graph, retries and sensors are asserted on the parsed
objects. Parsing must call no AWS API (MWAA parses DAG files every 30 seconds): checked statically on
the syntax tree, and at run time by parsing while every botocore API call raises.
"""
from __future__ import annotations

import ast
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

TASK_CLASSES = {
    "wait_for_new_data": "airflow.providers.amazon.aws.sensors.s3.S3KeySensor",
    "ingest_features": "airflow.operators.python.PythonOperator",
    "start_training": "airflow.providers.amazon.aws.operators.step_function.StepFunctionStartExecutionOperator",
    "wait_for_training": "airflow.providers.amazon.aws.sensors.step_function.StepFunctionExecutionSensor",
    "archive_processed": "airflow.operators.python.PythonOperator",
}
#: upstream -> downstream; archive_processed also depends on ingest_features through the XCom of its keys.
EDGES = {
    ("wait_for_new_data", "ingest_features"),
    ("ingest_features", "start_training"),
    ("ingest_features", "archive_processed"),
    ("start_training", "wait_for_training"),
    ("wait_for_training", "archive_processed"),
}
#: The only calls allowed while the DAG file is parsed (outside function bodies).
PARSE_TIME_CALLS = {"DAG", "S3KeySensor", "PythonOperator", "StepFunctionStartExecutionOperator",
                    "StepFunctionExecutionSensor", "datetime", "timedelta"}


@pytest.fixture(scope="module")
def dagbag(airflow_db, dags_folder):
    from airflow.models import DagBag

    # safe_mode=False imports every .py file, not only those that look like DAG files.
    return DagBag(dag_folder=str(dags_folder), include_examples=False, safe_mode=False)


@pytest.fixture(scope="module")
def dag(dagbag):
    return dagbag.get_dag("continuous_training")


def test_every_dag_file_imports_without_errors(dagbag, dags_folder):
    files = sorted(str(p) for p in dags_folder.glob("*.py"))

    assert dagbag.import_errors == {}
    assert sorted(dagbag.file_last_changed) == files  # every file was imported
    assert list(dagbag.dags) == ["continuous_training"]
    assert dagbag.dags["continuous_training"].fileloc == str(dags_folder / "continuous_training.py")


def test_dag_arguments(dag):
    import continuous_training

    assert dag.schedule_interval == "@daily"
    assert dag.start_date == datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert dag.catchup is False
    assert dag.max_active_runs == 1
    assert dag.dagrun_timeout == timedelta(hours=23)
    assert dag.tags == ["edge-mlops", "training"]
    assert dag.doc_md == continuous_training.__doc__
    assert dag.owner == "edge-mlops"


def test_task_graph_and_operator_classes(dag):
    tasks = dag.task_dict

    assert {t: f"{type(op).__module__}.{type(op).__name__}" for t, op in tasks.items()} == TASK_CLASSES
    edges = {(t, down) for t, op in tasks.items() for down in op.downstream_task_ids}
    assert edges == EDGES
    assert [t.task_id for t in dag.topological_sort()] == list(TASK_CLASSES)
    assert [t.task_id for t in dag.roots] == ["wait_for_new_data"]
    assert [t.task_id for t in dag.leaves] == ["archive_processed"]


def test_every_task_retries_twice_with_exponential_backoff(dag):
    for task in dag.tasks:
        assert (task.task_id, task.retries) == (task.task_id, 2)
        assert task.retry_delay == timedelta(minutes=5)
        assert task.retry_exponential_backoff is True
        assert task.max_retry_delay == timedelta(minutes=30)
    assert dag.task_dict["ingest_features"].execution_timeout == timedelta(hours=1)
    assert dag.task_dict["archive_processed"].execution_timeout == timedelta(minutes=30)


def test_sensors_free_their_worker_slot_between_pokes(dag):
    new_data = dag.task_dict["wait_for_new_data"]
    training = dag.task_dict["wait_for_training"]

    assert (new_data.mode, new_data.poke_interval, new_data.timeout) == ("reschedule", 600, 12 * 3600)
    assert new_data.soft_fail is True  # no new data within 12 hours skips the run, it does not fail it
    assert new_data.wildcard_match is True
    assert (new_data.bucket_name, new_data.bucket_key) == (
        "{{ conf.get('edge_mlops', 'data_bucket') }}",
        "{{ conf.get('edge_mlops', 'new_data_prefix') }}*.csv",
    )
    assert (training.mode, training.poke_interval, training.timeout) == ("reschedule", 300, 6 * 3600)
    assert training.soft_fail is False


def test_the_training_sensor_reads_the_execution_started_by_start_training(dag):
    from airflow.models.xcom_arg import PlainXComArg

    arn = dag.task_dict["wait_for_training"].execution_arn
    assert isinstance(arn, PlainXComArg)
    assert (arn.operator.task_id, arn.key) == ("start_training", "return_value")
    start = dag.task_dict["start_training"]
    assert start.state_machine_arn == "{{ conf.get('edge_mlops', 'state_machine_arn') }}"
    assert start.name == "continuous-training-{{ ts_nodash }}-{{ ti.try_number }}"


def test_parsing_creates_no_aws_client_call(dags_folder, airflow_db, monkeypatch):
    import botocore.client
    from airflow.models import DagBag

    def no_api_calls(self, operation_name, api_params):
        raise AssertionError(f"AWS API call {operation_name} while parsing DAG files")

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", no_api_calls)
    for module in [m for m in sys.modules if m in ("continuous_training", "feature_ingest")]:
        monkeypatch.delitem(sys.modules, module)

    parsed = DagBag(dag_folder=str(dags_folder), include_examples=False, safe_mode=False)

    assert parsed.import_errors == {}
    assert list(parsed.dags) == ["continuous_training"]


# --- static checks of the file: what parsing it may call -----------------------------------------


@pytest.fixture(scope="module")
def tree(dags_folder) -> ast.Module:
    path = dags_folder / "continuous_training.py"
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def call_name(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else "?"


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


def test_parsing_the_file_calls_nothing_but_constructors(tree):
    calls = {call_name(n) for n in module_level_nodes(tree) if isinstance(n, ast.Call)}
    assert calls <= PARSE_TIME_CALLS, f"calls at parse time: {calls - PARSE_TIME_CALLS}"

    names = {n.id for n in module_level_nodes(tree) if isinstance(n, ast.Name)}
    attributes = {n.attr for n in module_level_nodes(tree) if isinstance(n, ast.Attribute)}
    assert "Variable" not in names and "get_conn" not in attributes
    assert not [n for n in names if n.endswith("Hook")], "no hook at module level"


def test_aws_clients_are_created_inside_the_task_callables_only(tree):
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    assert set(functions) == {"ingest_new_data", "archive_processed"}
    for fn in functions.values():
        inner = [n for n in ast.walk(fn) if isinstance(n, ast.ImportFrom)]
        assert [n.module for n in inner] == ["airflow.providers.amazon.aws.hooks.base_aws"]


def test_feature_ingest_uses_the_standard_library_only(dags_folder):
    path = dags_folder / "feature_ingest.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = {
        (alias.name if isinstance(node, ast.Import) else node.module or "").split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in node.names
    }
    assert imported and imported <= set(sys.stdlib_module_names) | {"__future__"}
