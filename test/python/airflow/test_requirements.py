"""airflow/requirements.txt, the file MWAA installs, resolved by pip against Airflow's 2.10.3 constraints.

MWAA reads the constraints from the URL on the file's `--constraint` line; the test resolves the same
file with that line pointed at the local copy (python/constraints-airflow-2.10.3-py3.11.txt), with
`pip install --dry-run --report`:

- offline (`--no-index`), in .venv/airflow, which holds MWAA 2.10.3's packages at the constraints'
  pins: nothing is to be installed, so MWAA downloads nothing and no pin conflicts, dependencies
  included;
- against PyPI, requirements only (`--no-deps`): each resolves to the constraints' pin.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

CONSTRAINT_URL = "https://raw.githubusercontent.com/apache/airflow/constraints-2.10.3/constraints-3.11.txt"
#: pip's answer comes within this many seconds or the test fails.
PIP_TIMEOUT_S = 180


@pytest.fixture(scope="module")
def requirement_lines(root) -> list[str]:
    text = (root / "airflow" / "requirements.txt").read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


@pytest.fixture(scope="module")
def local_requirements(root, requirement_lines, tmp_path_factory) -> Path:
    """airflow/requirements.txt with its constraints URL replaced by the local copy of that file."""
    local = root / "python" / "constraints-airflow-2.10.3-py3.11.txt"
    assert local.exists()
    lines = [f'--constraint "{local}"' if line == f'--constraint "{CONSTRAINT_URL}"' else line for line in requirement_lines]
    path = tmp_path_factory.mktemp("mwaa") / "requirements.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def constraint_pins(root) -> dict[str, str]:
    pins = {}
    for line in (root / "python" / "constraints-airflow-2.10.3-py3.11.txt").read_text(encoding="utf-8").splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==", 1)
            pins[re.sub(r"[-_.]+", "-", name).lower()] = version.strip()
    return pins


def pip_dry_run(requirements: Path, tmp_path: Path, *options: str) -> dict:
    report = tmp_path / "report.json"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--quiet", "--disable-pip-version-check",
         "--report", str(report), *options, "-r", str(requirements)],
        capture_output=True, text=True, timeout=PIP_TIMEOUT_S,
    )
    errors = [line for line in done.stderr.splitlines() if line.startswith("ERROR")]
    assert done.returncode == 0, f"pip could not resolve {requirements}: {errors or done.stderr[-2000:]}"
    return json.loads(report.read_text(encoding="utf-8"))


def test_requirements_pin_through_the_airflow_constraints_file(requirement_lines):
    assert requirement_lines[0] == f'--constraint "{CONSTRAINT_URL}"'
    assert requirement_lines[1:] == ["apache-airflow-providers-amazon"]  # preinstalled on MWAA, version from the constraints
    constraint = re.search(r"constraints-(\d+\.\d+\.\d+)/constraints-(3\.\d+)\.txt", requirement_lines[0])
    assert constraint is not None and constraint.groups() == ("2.10.3", "3.11")
    assert sys.version_info[:2] == (3, 11)  # MWAA 2.10.3 runs Python 3.11, and so does .venv/airflow


def test_mwaa_environment_already_satisfies_the_requirements_offline(local_requirements, tmp_path):
    report = pip_dry_run(local_requirements, tmp_path, "--no-index")

    assert report["install"] == []


def test_each_requirement_resolves_on_pypi_to_the_constraints_pin(root, local_requirements, tmp_path):
    report = pip_dry_run(local_requirements, tmp_path, "--ignore-installed", "--no-deps")

    resolved = {item["metadata"]["name"]: item["metadata"]["version"] for item in report["install"]}
    assert resolved == {"apache-airflow-providers-amazon": "9.0.0"}
    assert resolved["apache-airflow-providers-amazon"] == constraint_pins(root)["apache-airflow-providers-amazon"]
    assert all(item["download_info"]["url"].startswith("https://") for item in report["install"])
