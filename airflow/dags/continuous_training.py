"""Continuous training: new abalone survey data in S3 -> feature group -> training workflow.

Once a day (one run at a time, no catch-up):

1. `wait_for_new_data` waits (reschedule mode, worker slot freed between pokes) for a
   `*.csv` object under the new-data prefix of the data bucket. When none arrives within
   12 hours the sensor and everything after it are skipped; the run does not fail.
2. `ingest_features` validates every new file and writes its rows to the SageMaker Feature
   Store feature group (`feature_ingest.py`: all-or-nothing validation, idempotent records,
   PutRecord on a bounded thread pool with retries on throttling).
3. `start_training` starts an execution of the training state machine.
4. `wait_for_training` waits (reschedule mode) until the execution succeeds; it fails the
   run when the execution fails, times out or is aborted.
5. `archive_processed` moves exactly the files ingested in step 2 to
   `<archive prefix><run date>/`, so they are not ingested again. After a failed training the
   files stay where they are and the next run ingests (same record ids) and trains again.

Settings are Airflow configuration options of the section `edge_mlops`, set on Amazon MWAA
through the environment's `airflowConfigurationOptions` (MWAA exports each as the environment
variable `AIRFLOW__EDGE_MLOPS__<KEY>`). Tasks read them through Jinja templates when they run,
never while this file is parsed:

| configuration option                | meaning                                          |
|-------------------------------------|--------------------------------------------------|
| `edge_mlops.data_bucket`            | name of the data bucket                          |
| `edge_mlops.new_data_prefix`        | prefix new survey files land under, ends in `/`  |
| `edge_mlops.archive_prefix`         | prefix processed files move to, ends in `/`      |
| `edge_mlops.feature_group_name`     | SageMaker feature group receiving the rows       |
| `edge_mlops.state_machine_arn`      | ARN of the training state machine                |

AWS access uses the `aws_default` connection, which on MWAA is the environment's execution role.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from airflow import DAG
from airflow.operators.python import PythonOperator
from airflow.providers.amazon.aws.operators.step_function import StepFunctionStartExecutionOperator
from airflow.providers.amazon.aws.sensors.s3 import S3KeySensor
from airflow.providers.amazon.aws.sensors.step_function import StepFunctionExecutionSensor

import feature_ingest

AWS_CONN_ID = "aws_default"
#: Threads writing PutRecord calls; below botocore's default pool of 10 connections per client.
INGEST_WORKERS = 8

DATA_BUCKET = "{{ conf.get('edge_mlops', 'data_bucket') }}"
NEW_DATA_PREFIX = "{{ conf.get('edge_mlops', 'new_data_prefix') }}"
NEW_DATA_PATTERN = "{{ conf.get('edge_mlops', 'new_data_prefix') }}*.csv"
ARCHIVE_PREFIX = "{{ conf.get('edge_mlops', 'archive_prefix') }}"
FEATURE_GROUP_NAME = "{{ conf.get('edge_mlops', 'feature_group_name') }}"
STATE_MACHINE_ARN = "{{ conf.get('edge_mlops', 'state_machine_arn') }}"


def ingest_new_data(data_bucket: str, new_data_prefix: str, feature_group_name: str) -> dict[str, Any]:
    """Ingest every `*.csv` under the new-data prefix into the feature group; returns the counts and keys."""
    from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook

    s3 = AwsBaseHook(aws_conn_id=AWS_CONN_ID, client_type="s3").get_conn()
    featurestore = AwsBaseHook(aws_conn_id=AWS_CONN_ID, client_type="sagemaker-featurestore-runtime").get_conn()

    def put_record(record: feature_ingest.Record) -> None:
        featurestore.put_record(FeatureGroupName=feature_group_name, Record=record)

    keys = feature_ingest.list_new_keys(s3, data_bucket, new_data_prefix)
    return feature_ingest.ingest_objects(s3, put_record, data_bucket, keys, max_workers=INGEST_WORKERS)


def archive_processed(
    data_bucket: str, new_data_prefix: str, archive_prefix: str, keys: list[str], partition: str
) -> dict[str, Any]:
    """Move the ingested files to `<archive_prefix><partition>/`; returns the moves."""
    from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook

    s3 = AwsBaseHook(aws_conn_id=AWS_CONN_ID, client_type="s3").get_conn()
    moved = feature_ingest.archive_keys(s3, data_bucket, keys, new_data_prefix, archive_prefix, partition)
    return {"archived": len(moved), "moves": moved}


default_args = {
    "owner": "edge-mlops",
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=30),
}

with DAG(
    dag_id="continuous_training",
    description="New survey data -> feature group -> training state machine -> archive",
    doc_md=__doc__,
    schedule="@daily",
    start_date=datetime(2026, 1, 1, tzinfo=timezone.utc),
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(hours=23),
    default_args=default_args,
    tags=["edge-mlops", "training"],
) as dag:
    wait_for_new_data = S3KeySensor(
        task_id="wait_for_new_data",
        aws_conn_id=AWS_CONN_ID,
        bucket_name=DATA_BUCKET,
        bucket_key=NEW_DATA_PATTERN,
        wildcard_match=True,
        mode="reschedule",
        poke_interval=10 * 60,
        timeout=12 * 60 * 60,
        soft_fail=True,
    )

    ingest_features = PythonOperator(
        task_id="ingest_features",
        python_callable=ingest_new_data,
        op_kwargs={
            "data_bucket": DATA_BUCKET,
            "new_data_prefix": NEW_DATA_PREFIX,
            "feature_group_name": FEATURE_GROUP_NAME,
        },
        multiple_outputs=True,
        execution_timeout=timedelta(hours=1),
    )

    start_training = StepFunctionStartExecutionOperator(
        task_id="start_training",
        aws_conn_id=AWS_CONN_ID,
        state_machine_arn=STATE_MACHINE_ARN,
        name="continuous-training-{{ ts_nodash }}-{{ ti.try_number }}",
        state_machine_input={
            "trigger": "continuous_training",
            "dagRunId": "{{ run_id }}",
            "featureGroupName": FEATURE_GROUP_NAME,
        },
    )

    wait_for_training = StepFunctionExecutionSensor(
        task_id="wait_for_training",
        aws_conn_id=AWS_CONN_ID,
        execution_arn=start_training.output,
        mode="reschedule",
        poke_interval=5 * 60,
        timeout=6 * 60 * 60,
    )

    archive_files = PythonOperator(
        task_id="archive_processed",
        python_callable=archive_processed,
        op_kwargs={
            "data_bucket": DATA_BUCKET,
            "new_data_prefix": NEW_DATA_PREFIX,
            "archive_prefix": ARCHIVE_PREFIX,
            "keys": ingest_features.output["keys"],
            "partition": "{{ ds }}",
        },
        execution_timeout=timedelta(minutes=30),
    )

    wait_for_new_data >> ingest_features >> start_training >> wait_for_training >> archive_files
