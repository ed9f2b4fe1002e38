"""One run of the continuous-training DAG, end to end, with Airflow's `dag.test()`.

The DAG runs unchanged in real Airflow 2.10.3 against AWS APIs on 127.0.0.1: moto's server for
S3, Step Functions (moto interprets the state machine's ASL, so the execution really succeeds) and
SageMaker (the feature group), and `emulators.FeatureStoreRuntime` for PutRecord/GetRecord, which
moto does not serve. The run's AWS access goes through the `aws_default` connection, as on MWAA; the
test points it at those endpoints. Afterwards the state is read back through the APIs: the records
are in the feature group, the execution was started with the expected input and succeeded, and the
files moved from incoming/ to archive/<run date>/.

Only timing is changed for the run: sensors poke every second for at most a minute instead of every
5-10 minutes for hours, and tasks do not retry, so a broken run fails within a minute.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone

import boto3
import pytest

import feature_ingest as fi
from emulators import FeatureStoreRuntime, MotoServer

REGION = "eu-west-1"
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": REGION}
RUN_DATE = datetime(2026, 11, 25, tzinfo=timezone.utc)
#: A state machine standing in for the training workflow: one Pass state, so its execution succeeds at once.
TRIVIAL_WORKFLOW = {"StartAt": "Train", "States": {"Train": {"Type": "Pass", "End": True}}}
#: Longest a sensor waits in this test; the DAG's own timeouts are hours.
SENSOR_TIMEOUT_S = 60


@pytest.fixture(scope="module")
def moto():
    try:
        server = MotoServer()
    except RuntimeError as err:
        pytest.fail(str(err))
    with server:
        yield server


def client(service: str, url: str):
    return boto3.client(service, endpoint_url=url, **CREDENTIALS)


def seed(moto: MotoServer, settings: dict[str, str], files: dict[str, bytes]) -> None:
    moto.configure({"stepfunctions": {"execute_state_machine": True}})
    s3 = client("s3", moto.url)
    s3.create_bucket(Bucket=settings["data_bucket"], CreateBucketConfiguration={"LocationConstraint": REGION})
    for key, body in files.items():
        s3.put_object(Bucket=settings["data_bucket"], Key=key, Body=body)
    client("sagemaker", moto.url).create_feature_group(
        FeatureGroupName=settings["feature_group_name"],
        RecordIdentifierFeatureName=fi.RECORD_ID_FEATURE,
        EventTimeFeatureName=fi.EVENT_TIME_FEATURE,
        FeatureDefinitions=[{"FeatureName": n, "FeatureType": t} for n, t in fi.FEATURE_TYPES.items()],
        OnlineStoreConfig={"EnableOnlineStore": True},
        # as the training workflow component makes it (moto also fails without an offline store)
        OfflineStoreConfig={
            "S3StorageConfig": {"S3Uri": f"s3://{settings['data_bucket']}/feature-store/"},
            "DisableGlueTableCreation": False,
        },
        RoleArn="arn:aws:iam::123456789012:role/edge-mlops-test-feature-store",
    )
    created = client("stepfunctions", moto.url).create_state_machine(
        name=settings["state_machine_arn"].rsplit(":", 1)[1],
        definition=json.dumps(TRIVIAL_WORKFLOW),
        roleArn="arn:aws:iam::123456789012:role/edge-mlops-test-training",
    )
    assert created["stateMachineArn"] == settings["state_machine_arn"]


def parse_dag(dags_folder):
    from airflow.models import DagBag

    dag = DagBag(dag_folder=str(dags_folder), include_examples=False, safe_mode=False).get_dag("continuous_training")
    for task in dag.tasks:
        task.retries = 0
        if task.task_type.endswith("Sensor"):
            task.poke_interval, task.timeout = 1, SENSOR_TIMEOUT_S
    return dag


def test_a_run_ingests_new_files_starts_training_and_archives_them(
    moto, settings, dags_folder, airflow_db, abalone_csv, monkeypatch
):
    lines = abalone_csv.read_text(encoding="utf-8").splitlines()
    header, rows = lines[0], lines[1:]
    files = {
        "incoming/a.csv": "\n".join([header, *rows[:200]]).encode() + b"\n",
        "incoming/2026-11-24/b.csv": "\n".join([header, *rows[200:300]]).encode() + b"\n",
        "incoming/readme.txt": b"not survey data",
        "elsewhere/c.csv": "\n".join([header, *rows[300:310]]).encode() + b"\n",
    }
    bucket = settings["data_bucket"]
    seed(moto, settings, files)
    s3 = client("s3", moto.url)
    modified = {k: s3.head_object(Bucket=bucket, Key=k)["LastModified"] for k in files}
    sagemaker = client("sagemaker", moto.url)

    with FeatureStoreRuntime(lambda name: sagemaker.describe_feature_group(FeatureGroupName=name)) as featurestore:
        monkeypatch.setenv("AIRFLOW_CONN_AWS_DEFAULT", json.dumps({
            "conn_type": "aws",
            "login": CREDENTIALS["aws_access_key_id"],
            "password": CREDENTIALS["aws_secret_access_key"],
            "extra": {
                "region_name": REGION,
                "endpoint_url": moto.url,
                "service_config": {"sagemaker-featurestore-runtime": {"endpoint_url": featurestore.url}},
            },
        }))
        run = parse_dag(dags_folder).test(execution_date=RUN_DATE)

        states = {ti.task_id: ti.state for ti in run.get_task_instances()}
        assert states == dict.fromkeys(
            ["wait_for_new_data", "ingest_features", "start_training", "wait_for_training", "archive_processed"],
            "success",
        )
        assert run.state == "success"

        # 300 rows of the two CSV files under incoming/, each one record in the feature group
        assert featurestore.puts == 300
        runtime = client("sagemaker-featurestore-runtime", featurestore.url)
        first_b = fi.record_id(f"s3://{bucket}/incoming/2026-11-24/b.csv", 2)
        got = runtime.get_record(FeatureGroupName=settings["feature_group_name"], RecordIdentifierValueAsString=first_b)
        values = {f["FeatureName"]: f["ValueAsString"] for f in got["Record"]}
        assert values == {
            "record_id": first_b,
            "event_time": fi.format_event_time(modified["incoming/2026-11-24/b.csv"]),
            **dict(zip(fi.CSV_COLUMNS, rows[200].split(","))),
        }
        elsewhere = fi.record_id(f"s3://{bucket}/elsewhere/c.csv", 2)
        assert runtime.get_record(FeatureGroupName=settings["feature_group_name"],
                                  RecordIdentifierValueAsString=elsewhere).get("Record") is None

    sfn = client("stepfunctions", moto.url)
    executions = sfn.list_executions(stateMachineArn=settings["state_machine_arn"])["executions"]
    assert [e["name"] for e in executions] == ["continuous-training-20261125T000000-1"]
    execution = sfn.describe_execution(executionArn=executions[0]["executionArn"])
    assert execution["status"] == "SUCCEEDED"
    assert json.loads(execution["input"]) == {
        "trigger": "continuous_training",
        "dagRunId": run.run_id,
        "featureGroupName": settings["feature_group_name"],
    }

    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"])
    assert keys == [
        "archive/2026-11-25/2026-11-24/b.csv",
        "archive/2026-11-25/a.csv",
        "elsewhere/c.csv",
        "incoming/readme.txt",
    ]
    for source, archived in [("incoming/a.csv", "archive/2026-11-25/a.csv"),
                             ("incoming/2026-11-24/b.csv", "archive/2026-11-25/2026-11-24/b.csv")]:
        assert s3.get_object(Bucket=bucket, Key=archived)["Body"].read() == files[source]
