"""Airflow DAG ``process_kafka_to_postgres``: runs txpipe's own tasks through its CLI.

Airflow reimplements nothing here. Each task is a BashOperator that runs

    $TXPIPE_CMD task run <task_id> --logical-date <data_interval_start>
        --data-interval-end <data_interval_end> --run-id <run_id>

which is the very code txpipe's built-in runner executes (``txpipe dag run``).
See ``DOC_MD`` below (shown on the DAG's page in the Airflow UI) for the settings.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime, timedelta, timezone
from urllib.parse import quote, urlencode

from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

try:  # Airflow >= 3.2 exports the timetables from the task SDK
    from airflow.sdk import CronDataIntervalTimetable
except ImportError:  # Airflow 3.0 / 3.1 (e.g. an apache/airflow:3.1 image)
    from airflow.timetables.interval import CronDataIntervalTimetable

log = logging.getLogger(__name__)

DAG_ID = "process_kafka_to_postgres"
TASK_IDS = (
    "run_transformations",
    "refresh_views",
    "index_hourly_metrics_to_elasticsearch",
)
DEFAULT_SCHEDULE = "@hourly"
POSTGRES_CONN_ID = "txpipe_postgres"
SEARCH_CONN_ID = "txpipe_search"

# Presets mapped to cron by hand, so the schedule is always a CronDataIntervalTimetable (a real
# [start, end) interval) and never a trigger timetable whose data interval is a single point.
CRON_PRESETS = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@quarterly": "0 0 1 */3 *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}
MANUAL_ONLY = {"none", "null", "manual", "@none"}

DOC_MD = """
### process_kafka_to_postgres

The seed pipeline's DAG: **run_transformations → refresh_views → index_hourly_metrics_to_elasticsearch**.

Transaction events reach the raw PostgreSQL table `transactions` through txpipe's ingester
(`txpipe ingest --follow`, Kafka → PostgreSQL). This DAG then

1. **run_transformations** rebuilds `transactions_clean` for the event hours that received raw rows
   since the last run (late arrivals for old hours included);
2. **refresh_views** recomputes `hourly_metrics` for those hours;
3. **index_hourly_metrics_to_elasticsearch** upserts the changed `hourly_metrics` rows into the search
   index (alias `TXPIPE_INDEX`, default `hourly_metrics`) with `_id` = event hour, so reruns and retries
   rewrite the same documents. It exits 0 as a clean skip when no search engine is configured.

Airflow reimplements nothing: every task runs
`$TXPIPE_CMD task run <task_id> --logical-date <data_interval_start> --data-interval-end <data_interval_end> --run-id <run_id>`,
the same code as txpipe's built-in runner, and txpipe records each try in its own run history under
Airflow's `run_id` (`txpipe status`, `txpipe dag runs`).

**Settings** (environment of the Airflow worker, passed through to the tasks):

| what | how |
| --- | --- |
| command | `TXPIPE_CMD` (default `txpipe`, as installed in the image) |
| warehouse | `DATABASE_URL`, or the Airflow connection `txpipe_postgres` (e.g. `AIRFLOW_CONN_TXPIPE_POSTGRES=postgresql://user:pw@host:5432/db`), which then wins |
| search engine | `OPENSEARCH_URL` / `ELASTICSEARCH_URL` (+ credentials), or the connection `txpipe_search` (e.g. `AIRFLOW_CONN_TXPIPE_SEARCH=http://admin:pw@opensearch:9200`; extra `engine=elasticsearch`, `api_key=…`, `index=…` as needed) |
| schedule | env `TXPIPE_SCHEDULE`, else the Airflow Variable `txpipe_schedule`, else `@hourly`; a cron expression, a preset (`@hourly`, `@daily`, …) or `none` for manual runs only. Always an interval timetable in UTC, so each run covers a real `[start, end)` interval. The dag-processor reads the Variable from the metadata DB; CLI parses without a DB session (`airflow dags test`) see only `AIRFLOW_VAR_TXPIPE_SCHEDULE`, and an unreadable Variable never breaks the parse |
| catchup | env `TXPIPE_CATCHUP` (default false) |
| retries | env `TXPIPE_RETRIES` (default 2; delay 1 min, doubling, at most 15 min) |

One run at a time (`max_active_runs=1`; txpipe also holds an advisory lock), 2 retries with exponential
backoff. A retry is safe: the work follows txpipe's queue of changed hours, which a failed task leaves in place.
"""


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if raw == "":
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"{name}={raw!r}: expected true or false")


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if raw == "":
        return default
    if not raw.isdigit():
        raise ValueError(f"{name}={raw!r}: expected a whole number >= 0")
    return int(raw)


def _exponential_backoff() -> bool | float:
    """Doubling retry delays: a multiplier since Airflow 3.2 (where True would mean 1.0, no backoff),
    a flag before it (which rejects a float)."""
    import inspect

    from airflow.sdk import BaseOperator

    try:
        annotation = inspect.signature(BaseOperator.__init__).parameters["retry_exponential_backoff"].annotation
    except (KeyError, TypeError, ValueError):
        return 2.0
    return True if str(annotation).strip("'\"") in {"bool", "<class 'bool'>"} else 2.0


def _configured_schedule() -> str:
    """TXPIPE_SCHEDULE, else the Variable txpipe_schedule, else @hourly. Never lets a lookup break the parse."""
    from_env = os.environ.get("TXPIPE_SCHEDULE", "").strip()
    if from_env:
        return from_env
    try:
        from airflow.sdk import Variable

        value = Variable.get("txpipe_schedule", default=None)
    except Exception as err:  # no metadata DB / API at parse time, or any other lookup problem
        log.debug("Variable txpipe_schedule not readable at parse time (%s); using %s", err, DEFAULT_SCHEDULE)
        value = None
    value = (value or "").strip()
    return value or DEFAULT_SCHEDULE


def build_timetable(schedule: str) -> CronDataIntervalTimetable | None:
    """A cron schedule (or preset) as an interval timetable in UTC; None for manual-only."""
    spec = schedule.strip()
    if spec.lower() in MANUAL_ONLY:
        return None
    cron = CRON_PRESETS.get(spec.lower(), spec)
    if cron.startswith("@"):
        raise ValueError(f"txpipe schedule {schedule!r}: unsupported preset (use a cron expression or one of {sorted(CRON_PRESETS)})")
    from croniter import croniter

    if not croniter.is_valid(cron):
        raise ValueError(f"txpipe schedule {schedule!r}: not a valid cron expression")
    return CronDataIntervalTimetable(cron, timezone="UTC")


def _get_connection(conn_id: str):
    try:
        from airflow.sdk import Connection

        return Connection.get(conn_id)
    except Exception as err:  # not defined (the usual case) or no secrets backend reachable
        log.debug("connection %s not used: %s", conn_id, err)
        return None


def _mask(secret: str) -> None:
    """Hide a derived secret (e.g. the URL-encoded password) in task logs, as Airflow does for the raw one."""
    try:
        from airflow.sdk.log import mask_secret

        mask_secret(secret)
    except Exception:
        pass


def _extra(conn) -> dict:
    try:
        extra = conn.extra_dejson
    except Exception:
        return {}
    return extra if isinstance(extra, dict) else {}


def postgres_url(conn) -> str:
    """postgresql://login:password@host:port/schema?extra… from an Airflow connection."""
    auth = ""
    if conn.login:
        auth = quote(conn.login, safe="")
        if conn.password:
            quoted = quote(conn.password, safe="")
            _mask(quoted)
            auth += ":" + quoted
        auth += "@"
    host = conn.host or "localhost"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # IPv6 literal
    port = f":{conn.port}" if conn.port else ""
    database = quote(conn.schema, safe="") if conn.schema else ""
    params = {k: str(v) for k, v in _extra(conn).items() if isinstance(v, (str, int, float)) and not isinstance(v, bool)}
    query = f"?{urlencode(params)}" if params else ""
    return f"postgresql://{auth}{host}{port}/{database}{query}"


SEARCH_VARS = (
    "OPENSEARCH_URL",
    "OPENSEARCH_USERNAME",
    "OPENSEARCH_PASSWORD",
    "ELASTICSEARCH_URL",
    "ELASTICSEARCH_API_KEY",
    "ELASTICSEARCH_USERNAME",
    "ELASTICSEARCH_PASSWORD",
)


def search_env(conn) -> dict[str, str]:
    """OPENSEARCH_* or ELASTICSEARCH_* settings from an Airflow connection (http, https, opensearch, elasticsearch)."""
    extra = _extra(conn)
    conn_type = (conn.conn_type or "").lower()
    engine = str(extra.get("engine") or "").lower()
    if not engine:
        engine = "elasticsearch" if "elastic" in conn_type else "opensearch"
    if engine not in {"opensearch", "elasticsearch"}:
        raise ValueError(f"connection {SEARCH_CONN_ID}: extra engine must be opensearch or elasticsearch, not {engine!r}")
    host = conn.host or "localhost"
    if "://" in host:
        scheme, host = host.split("://", 1)
    else:
        scheme = str(extra.get("scheme") or "").lower()
        if not scheme:
            use_ssl = str(extra.get("use_ssl", "")).lower() in {"1", "true", "yes"}
            scheme = "https" if conn_type == "https" or use_ssl else "http"
    port = f":{conn.port}" if conn.port else ""
    path = f"/{conn.schema}" if conn.schema and conn_type in {"http", "https"} else ""
    prefix = "ELASTICSEARCH" if engine == "elasticsearch" else "OPENSEARCH"
    env = {f"{prefix}_URL": f"{scheme}://{host}{port}{path}"}
    if conn.login:
        env[f"{prefix}_USERNAME"] = conn.login
    if conn.password:
        env[f"{prefix}_PASSWORD"] = conn.password
    if engine == "elasticsearch" and extra.get("api_key"):
        env["ELASTICSEARCH_API_KEY"] = str(extra["api_key"])
        _mask(env["ELASTICSEARCH_API_KEY"])
    if extra.get("index"):
        env["TXPIPE_INDEX"] = str(extra["index"])
    return env


class TxpipeTaskOperator(BashOperator):
    """A BashOperator running one txpipe task; the environment is the worker's, plus settings
    derived from the connections txpipe_postgres / txpipe_search when they exist."""

    def get_env(self, context) -> dict:
        env = super().get_env(context)
        pg = _get_connection(POSTGRES_CONN_ID)
        if pg is not None:
            env["DATABASE_URL"] = postgres_url(pg)
        search = _get_connection(SEARCH_CONN_ID)
        if search is not None:
            for name in SEARCH_VARS:
                env.pop(name, None)
            env.update(search_env(search))
        return env


# Rendered at run time. A run without a logical date (possible in Airflow 3 for manual triggers)
# has no data interval: its run_after stands in for both ends.
TASK_COMMAND = (
    '${TXPIPE_CMD:-txpipe} task run %s'
    " --logical-date '{{ (data_interval_start or dag_run.run_after) | ts }}'"
    " --data-interval-end '{{ (data_interval_end or dag_run.run_after) | ts }}'"
    " --run-id '{{ run_id }}'"
    # A backfill recomputes its interval's hours from the raw rows, as `txpipe dag backfill` does;
    # scheduled and manual runs take the hours ingest changed.
    "{%% if dag_run.run_type == 'backfill' %%} --recompute-interval{%% endif %%}"
)

with DAG(
    dag_id=DAG_ID,
    description="txpipe: transactions -> transactions_clean -> hourly_metrics -> search index",
    doc_md=DOC_MD,
    schedule=build_timetable(_configured_schedule()),
    start_date=datetime(2025, 1, 1, tzinfo=timezone.utc),
    catchup=_env_bool("TXPIPE_CATCHUP", False),
    max_active_runs=1,
    tags=["txpipe", "transactions", "kafka", "postgres", "search"],
    default_args={
        "owner": "txpipe",
        "retries": _env_int("TXPIPE_RETRIES", 2),
        "retry_delay": timedelta(minutes=1),
        "retry_exponential_backoff": _exponential_backoff(),
        "max_retry_delay": timedelta(minutes=15),
        "execution_timeout": timedelta(hours=1),
    },
) as dag:
    tasks = [
        TxpipeTaskOperator(
            task_id=task_id,
            bash_command=TASK_COMMAND % task_id,
            append_env=True,
            skip_on_exit_code=None,  # txpipe exits 0 on a clean skip; every non-zero exit is a failure
        )
        for task_id in TASK_IDS
    ]
    for upstream, downstream in zip(tasks, tasks[1:]):
        upstream >> downstream
