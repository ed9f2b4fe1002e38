"""Shared pytest fixtures: paths into the repository and the shared abalone data set."""
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ABALONE = ROOT.parent / "shared" / "data" / "abalone.csv"

# Job scripts and DAG modules are plain scripts, imported by path like SageMaker and MWAA do.
for folder in (ROOT / "training", ROOT / "airflow" / "dags"):
    sys.path.insert(0, str(folder))


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def abalone_csv() -> Path:
    if not ABALONE.exists():
        pytest.fail(f"shared data set missing: {ABALONE}")
    return ABALONE
