"""Checks of the DAG file's settings, run by test/airflow/airflow.test.ts with the Airflow venv's Python.

Loads airflow/dags/process_kafka_to_postgres.py under several environments (schedule, catchup,
retries) and checks the timetable keeps a real hourly data interval, and that the connections
txpipe_postgres / txpipe_search become DATABASE_URL / OPENSEARCH_URL / ELASTICSEARCH_URL.
Exits non-zero with a message on the first failed check; prints "ok" otherwise.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from datetime import datetime, timedelta, timezone

DAG_FILE = sys.argv[1]


def load(env: dict[str, str]):
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        spec = importlib.util.spec_from_file_location(f"txpipe_dag_{abs(hash(tuple(env.items())))}", DAG_FILE)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def check(cond: bool, what: str) -> None:
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)


def core_interval(dag, run_after: datetime):
    """The data interval Airflow's scheduler computes for a manual run at run_after."""
    from airflow.serialization.serialized_objects import decode_timetable, encode_timetable

    import pendulum

    core = decode_timetable(encode_timetable(dag.timetable))
    return core.infer_manual_data_interval(run_after=pendulum.instance(run_after))


utc = timezone.utc
from airflow.sdk import CronDataIntervalTimetable  # noqa: E402

# Default: @hourly as an interval timetable in UTC, no catchup, one run at a time, 2 retries.
m = load({"TXPIPE_SCHEDULE": "", "TXPIPE_CATCHUP": "", "TXPIPE_RETRIES": ""})
dag = m.dag
check(isinstance(dag.timetable, CronDataIntervalTimetable), f"timetable is {type(dag.timetable).__name__}")
check(dag.timetable.expression == "0 * * * *", f"expression {dag.timetable.expression}")
check(str(dag.timetable.timezone) in {"UTC", "Timezone('UTC')"}, f"timezone {dag.timetable.timezone}")
interval = core_interval(dag, datetime(2026, 3, 1, 5, 0, tzinfo=utc))
check(
    (interval.start, interval.end) == (datetime(2026, 3, 1, 4, 0, tzinfo=utc), datetime(2026, 3, 1, 5, 0, tzinfo=utc)),
    f"manual run at 05:00 covers {interval}",
)
interval = core_interval(dag, datetime(2026, 3, 1, 5, 17, tzinfo=utc))
check(interval.end - interval.start == timedelta(hours=1), f"manual run at 05:17 covers {interval}")
check(dag.catchup is False, "catchup defaults to False")
check(dag.max_active_runs == 1, "max_active_runs")
check([t.task_id for t in dag.tasks] == list(m.TASK_IDS), f"tasks {[t.task_id for t in dag.tasks]}")
for task in dag.tasks:
    check(task.retries == 2, f"{task.task_id} retries {task.retries}")
    check(bool(task.retry_exponential_backoff), f"{task.task_id} exponential backoff")
    check(task.append_env is True, f"{task.task_id} append_env")
    check(f"task run {task.task_id} " in task.bash_command, f"{task.task_id} command {task.bash_command}")
check(dag.start_date.tzinfo is not None and dag.start_date.utcoffset() == timedelta(0), "start_date in UTC")
check(bool(dag.doc_md) and "txpipe_postgres" in dag.doc_md, "doc_md")

# Presets, cron and manual-only; catchup and retries from the environment.
dag = load({"TXPIPE_SCHEDULE": "@daily", "TXPIPE_CATCHUP": "true", "TXPIPE_RETRIES": "0"}).dag
check(dag.timetable.expression == "0 0 * * *", f"@daily -> {dag.timetable.expression}")
interval = core_interval(dag, datetime(2026, 3, 2, 0, 0, tzinfo=utc))
check(interval.end - interval.start == timedelta(days=1), f"daily interval {interval}")
check(dag.catchup is True, "TXPIPE_CATCHUP=true")
check(all(t.retries == 0 for t in dag.tasks), "TXPIPE_RETRIES=0")
dag = load({"TXPIPE_SCHEDULE": "*/15 * * * *"}).dag
check(dag.timetable.expression == "*/15 * * * *", "cron expression kept")
dag = load({"TXPIPE_SCHEDULE": "none"}).dag
check(type(dag.timetable).__name__ == "NullTimetable", f"none -> {type(dag.timetable).__name__}")
try:
    load({"TXPIPE_SCHEDULE": "every hour"})
    check(False, "an invalid schedule must fail the parse")
except ValueError as err:
    check("every hour" in str(err), f"error names the value: {err}")

# Connections -> environment of the tasks.
from airflow.sdk import Connection  # noqa: E402

pg = Connection.from_uri("postgresql://us%40er:p%3Aw%2Fd@db.example:5433/txdb?sslmode=require", conn_id="txpipe_postgres")
url = m.postgres_url(pg)
check(url == "postgresql://us%40er:p%3Aw%2Fd@db.example:5433/txdb?sslmode=require", f"postgres url {url}")
check(m.postgres_url(Connection.from_uri("postgres://db/txdb", conn_id="x")) == "postgresql://db/txdb", "no credentials")
env = m.search_env(Connection.from_uri("http://admin:secret@opensearch:9200", conn_id="txpipe_search"))
check(env == {"OPENSEARCH_URL": "http://opensearch:9200", "OPENSEARCH_USERNAME": "admin", "OPENSEARCH_PASSWORD": "secret"}, f"opensearch {env}")
env = m.search_env(Connection.from_uri("elasticsearch://es:9200?scheme=https&api_key=KEY&index=metrics", conn_id="txpipe_search"))
check(env == {"ELASTICSEARCH_URL": "https://es:9200", "ELASTICSEARCH_API_KEY": "KEY", "TXPIPE_INDEX": "metrics"}, f"elasticsearch {env}")
env = m.search_env(Connection.from_uri("https://search.example:443", conn_id="txpipe_search"))
check(env == {"OPENSEARCH_URL": "https://search.example:443"}, f"https {env}")

print("ok")
