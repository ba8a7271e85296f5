"""Airflow DAG ``process_kafka_to_postgres``: runs txpipe's own tasks through its CLI.

Airflow reimplements nothing here. Each task is a BashOperator that runs

    $TXPIPE_CMD task run <task_id> --logical-date <data_interval_start>
        --data-interval-end <data_interval_end> --run-id <run_id> --try-number <try_number>

(a run without a logical date passes ``--run-after <run_after>`` instead of the interval; a backfill
adds ``--recompute-interval``), which is the very code txpipe's built-in runner executes
(``txpipe dag run``). A try that fails where txpipe could not record it is recorded by the failure
and retry callbacks (``txpipe task record-failure``). See ``DOC_MD`` below (shown on the DAG's page
in the Airflow UI) for the settings and how each kind of run behaves.
"""

from __future__ import annotations

import logging
import os
import shlex
import subprocess
from datetime import datetime, timedelta, timezone
from urllib.parse import quote, urlencode

from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG, Param

try:  # Airflow >= 3.2 exports the timetables from the task SDK
    from airflow.sdk import CronDataIntervalTimetable
except ImportError:  # Airflow 3.0 / 3.1 (e.g. an apache/airflow:3.1 image)
    from airflow.timetables.interval import CronDataIntervalTimetable

log = logging.getLogger(__name__)

DAG_ID = "process_kafka_to_postgres"
TASK_IDS = (
    "run_transformations",
    "refresh_views",
    "check_data_quality",
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

The seed pipeline's DAG: **run_transformations → refresh_views → check_data_quality → index_hourly_metrics_to_elasticsearch**.

Transaction events reach the raw PostgreSQL table `transactions` through txpipe's ingester
(`txpipe ingest --follow`, Kafka → PostgreSQL). This DAG then

1. **run_transformations** rebuilds `transactions_clean` for the event hours that received raw rows
   since the last run (late arrivals for old hours included);
2. **refresh_views** recomputes `hourly_metrics` for those hours;
3. **check_data_quality** runs txpipe's data-quality checks (not null, unique `transaction_id`, accepted
   `status`/`currency`, amount and latency ranges, freshness, dead-letter rate, hourly volume) on those
   hours (every hour with `full_refresh`) and stores the results (`txpipe quality`). A failed check of
   severity `error` fails the task, so indexing waits and the documents keep their last good values
   (settings `TXPIPE_QUALITY_*`; a retry gives the same answer on the same data);
4. **index_hourly_metrics_to_elasticsearch** upserts the changed `hourly_metrics` rows into the search
   index (alias `TXPIPE_INDEX`, default `hourly_metrics`) with `_id` = event hour, so reruns and retries
   rewrite the same documents. It exits 0 as a clean skip when no search engine is configured.

Airflow reimplements nothing: every task runs
`$TXPIPE_CMD task run <task_id> --logical-date <data_interval_start> --data-interval-end <data_interval_end> --run-id <run_id> --try-number <try_number>`,
the same code as txpipe's built-in runner, and txpipe records each try in its own run history under
Airflow's `run_id` and `try_number` (`txpipe status`, `txpipe dag runs`).

**Runs** (every kind takes the hours changed since the last run, like `txpipe dag run`):

| run | what it covers |
| --- | --- |
| scheduled | its hourly data interval `[hour, hour + 1h)`; at unpause (catchup off) one run for the last complete hour starts at once |
| manual with a logical date (`airflow dags trigger -l …`, REST `logical_date`) | the interval Airflow infers for that date |
| manual without one (`airflow dags trigger`, REST `"logical_date": null`) | no data interval in Airflow 3; recorded under the hour before its trigger time (`--run-after`) |
| backfill (`airflow backfill create --from-date … --to-date …`) | one run per hour, each also recomputing its hour from the raw rows (`--recompute-interval`), as `txpipe dag backfill` |
| conf `{"full_refresh": true}` (the trigger form's checkbox) | rebuilds everything from the raw rows |

A try that fails where txpipe cannot record it (before `txpipe task run` starts, or killed while it
runs) is recorded by the failure/retry callbacks (`txpipe task record-failure`), so `txpipe dag runs`
lists it; when txpipe itself cannot start in the callback either (wrong `TXPIPE_CMD`, warehouse down),
only Airflow has the record. Tasks of concurrent runs (a backfill runs up to its own `--max-active-runs`
beside the scheduled runs) take turns on txpipe's lock, waiting up to 15 minutes.

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


def txpipe_env(base: dict[str, str]) -> dict[str, str]:
    """The environment txpipe runs in: ``base`` (the worker's), plus DATABASE_URL and the search settings
    derived from the connections txpipe_postgres / txpipe_search when they exist (they then win)."""
    env = dict(base)
    pg = _get_connection(POSTGRES_CONN_ID)
    if pg is not None:
        env["DATABASE_URL"] = postgres_url(pg)
    search = _get_connection(SEARCH_CONN_ID)
    if search is not None:
        for name in SEARCH_VARS:
            env.pop(name, None)
        env.update(search_env(search))
    return env


class TxpipeTaskOperator(BashOperator):
    """A BashOperator running one txpipe task; the environment is the worker's, plus settings
    derived from the connections txpipe_postgres / txpipe_search when they exist."""

    def get_env(self, context) -> dict:
        return txpipe_env(super().get_env(context))


def _utc_iso(value) -> str:
    return value.astimezone(timezone.utc).isoformat()


def _run_type(dag_run) -> str:
    run_type = getattr(dag_run, "run_type", None)
    return str(getattr(run_type, "value", run_type) or "")


def interval_args(dag_run) -> list[str]:
    """The run's data interval as txpipe's flags, from attributes every DagRun has (None when unset).

    Airflow 3 puts ``data_interval_start``/``_end``, ``ds``, ``ts`` and ``logical_date`` into the template
    context only when the run has a logical date; a manual run without one (``airflow dags trigger``
    without ``-l``, the REST API with ``logical_date: null``) has no data interval at all. Such a run
    passes its ``run_after`` and txpipe records it under the hour before, as ``txpipe dag run`` does.
    """
    start = getattr(dag_run, "data_interval_start", None) if dag_run is not None else None
    end = getattr(dag_run, "data_interval_end", None) if dag_run is not None else None
    if getattr(dag_run, "logical_date", None) is not None and start is not None and end is not None:
        return ["--logical-date", _utc_iso(start), "--data-interval-end", _utc_iso(end)]
    run_after = getattr(dag_run, "run_after", None) if dag_run is not None else None
    return ["--run-after", _utc_iso(run_after)] if run_after is not None else []


def task_args(dag_run, ti, params=None) -> str:
    """Everything after ``txpipe task run <task_id>``, shell-quoted (the DAG's macro ``txpipe_task_args``).

    Only ``dag_run`` and ``ti`` are read, which every run type has: scheduled, manual with or without a
    logical date, REST API, backfill, asset-triggered. A backfill run recomputes its interval's hours
    from the raw rows (``--recompute-interval``), as ``txpipe dag backfill`` does; the other runs take
    the hours changed since the last run. ``full_refresh`` (a run's conf / the trigger form) rebuilds
    everything from the raw rows.
    """
    args = [*interval_args(dag_run), "--run-id", str(ti.run_id), "--try-number", str(ti.try_number)]
    if _run_type(dag_run) == "backfill" and "--logical-date" in args:
        args.append("--recompute-interval")
    full_refresh = (params or {}).get("full_refresh", False)
    if not isinstance(full_refresh, bool):
        raise ValueError(f"param full_refresh must be true or false, not {full_refresh!r}")
    if full_refresh:
        args.append("--full-refresh")
    return " ".join(shlex.quote(a) for a in args)


def _callback_error(context) -> str:
    err = context.get("exception")
    text = f"{type(err).__name__}: {err}" if isinstance(err, BaseException) else str(err or "")
    text = text.strip() or "failed in Airflow (no exception recorded)"
    return text if len(text) <= 2000 else text[:2000] + "…"


def record_failure(context, up_for_retry: bool = False) -> None:
    """Failure and retry callback: records the failed try in txpipe's run history (``txpipe task
    record-failure``), so ``txpipe dag runs`` lists runs that failed before txpipe started (a template,
    the command, the worker) or while it ran and was killed. txpipe keeps its own record of a try it
    ended itself. Never raises: a callback error would only hide the task's own."""
    ti = context.get("ti") or context.get("task_instance")
    if ti is None:
        return
    dag_run = context.get("dag_run")
    args = [
        "task",
        "record-failure",
        ti.task_id,
        *interval_args(dag_run),
        "--run-id",
        str(ti.run_id),
        "--try-number",
        str(ti.try_number),
        "--error",
        _callback_error(context),
    ]
    if up_for_retry:
        args.append("--up-for-retry")
    command = '${TXPIPE_CMD:-txpipe} ' + " ".join(shlex.quote(a) for a in args)
    try:
        done = subprocess.run(
            ["bash", "-c", command],
            env=txpipe_env(dict(os.environ)),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    except Exception as err:  # noqa: BLE001 - logged, never raised (see above)
        log.warning("txpipe task record-failure could not run: %s", err)
        return
    if done.returncode != 0:
        log.warning("txpipe task record-failure exited %s: %s", done.returncode, (done.stderr or done.stdout).strip()[-2000:])
    else:
        log.info("%s", done.stdout.strip())


def record_retry(context) -> None:
    record_failure(context, up_for_retry=True)


TASK_COMMAND = "${TXPIPE_CMD:-txpipe} task run %s {{ txpipe_task_args(dag_run, ti, params) }}"

with DAG(
    dag_id=DAG_ID,
    description="txpipe: transactions -> transactions_clean -> hourly_metrics -> search index",
    doc_md=DOC_MD,
    schedule=build_timetable(_configured_schedule()),
    start_date=datetime(2025, 1, 1, tzinfo=timezone.utc),
    catchup=_env_bool("TXPIPE_CATCHUP", False),
    max_active_runs=1,
    user_defined_macros={"txpipe_task_args": task_args},
    params={
        "full_refresh": Param(
            False,
            type="boolean",
            title="Full refresh",
            description="Rebuild transactions_clean and hourly_metrics from all raw rows (txpipe dag run --full-refresh).",
        ),
    },
    tags=["txpipe", "transactions", "kafka", "postgres", "search"],
    default_args={
        "owner": "txpipe",
        "retries": _env_int("TXPIPE_RETRIES", 2),
        "retry_delay": timedelta(minutes=1),
        "retry_exponential_backoff": _exponential_backoff(),
        "max_retry_delay": timedelta(minutes=15),
        "execution_timeout": timedelta(hours=1),
        "on_failure_callback": record_failure,
        "on_retry_callback": record_retry,
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
