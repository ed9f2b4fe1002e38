"""Real Apache Airflow 2.10.3 for the DAG tests, in a throw-away AIRFLOW_HOME.

Airflow reads its configuration when it is first imported, so the environment is set here, before
any test module imports it: AIRFLOW_HOME in a temporary folder, a SQLite metadata database in it,
no example DAGs, the DAG folder of this repository, and the `edge_mlops.*` options MWAA sets on the
environment (the component's `airflowConfigurationOptions`, exported as `AIRFLOW__EDGE_MLOPS__*`).
The database is created once per session with `airflow.utils.db.initdb`, without Airflow's sixty
default connections (about a second on SQLite).
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

DAGS = Path(__file__).resolve().parents[3] / "airflow" / "dags"
#: Values of the `edge_mlops` section the DAG reads through `conf.get` templates.
SETTINGS = {
    "data_bucket": "edge-mlops-test-data",
    "new_data_prefix": "incoming/",
    "archive_prefix": "archive/",
    "feature_group_name": "edge-mlops-test-abalone",
    "state_machine_arn": "arn:aws:states:eu-west-1:123456789012:stateMachine:edge-mlops-test-training",
}

# In memory where the machine has /dev/shm: SQLite's commits are then not disk writes.
_HOME = tempfile.mkdtemp(prefix="edge-mlops-airflow-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
os.environ.update(
    {
        "AIRFLOW_HOME": _HOME,
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{_HOME}/airflow.db",
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__LOAD_DEFAULT_CONNECTIONS": "False",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
        **{f"AIRFLOW__EDGE_MLOPS__{key.upper()}": value for key, value in SETTINGS.items()},
    }
)
# No AWS credentials or profile of the machine may leak into a test.
for name in [n for n in os.environ if n.startswith("AWS_")]:
    del os.environ[name]


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(_HOME, ignore_errors=True)


@pytest.fixture(scope="session")
def airflow_db() -> str:
    """The metadata database, created once; returns AIRFLOW_HOME."""
    from airflow.utils import db

    db.initdb()
    return _HOME


@pytest.fixture(scope="session")
def settings() -> dict[str, str]:
    return dict(SETTINGS)


@pytest.fixture(scope="session")
def dags_folder() -> Path:
    return DAGS
