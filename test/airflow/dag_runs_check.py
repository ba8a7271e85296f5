"""Checks of how the DAG file turns each kind of Airflow run into txpipe's flags, run by
test/airflow/scheduler.test.ts with the Airflow venv's Python (no Airflow components needed).

argv: the DAG file, then a scratch directory. Every task's bash_command is rendered with the DAG's own
Jinja environment and a context holding only ``dag_run``, ``ti`` and ``params`` (what every run type
has; Airflow 3 leaves ``data_interval_start``, ``ds``, ``ts``, ``logical_date`` out of a run without a
logical date), for a scheduled run, a manual run without a logical date, a backfill run and a full
refresh. The failure callback is called with a fake TXPIPE_CMD that records its arguments.
Exits non-zero with a message on the first failed check; prints "ok" otherwise.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shlex
import sys
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace

DAG_FILE, SCRATCH = sys.argv[1], Path(sys.argv[2])


def check(cond: bool, what: str) -> None:
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)


os.environ.update({"TXPIPE_SCHEDULE": "", "TXPIPE_CATCHUP": "", "TXPIPE_RETRIES": ""})
spec = importlib.util.spec_from_file_location("txpipe_dag_runs_check", DAG_FILE)
m = importlib.util.module_from_spec(spec)
spec.loader.exec_module(m)
dag = m.dag
utc = timezone.utc


def dag_run(run_type: str, logical=None, start=None, end=None, run_after=None):
    return SimpleNamespace(run_type=run_type, logical_date=logical, data_interval_start=start, data_interval_end=end, run_after=run_after, conf={})


def ti(task_id: str, run_id: str, try_number: int = 1):
    return SimpleNamespace(task_id=task_id, run_id=run_id, try_number=try_number)


def rendered(task, run, params=None) -> list[str]:
    """The task's command rendered with only what every run type has in its context."""
    env = dag.get_template_env()
    context = {"dag_run": run, "ti": ti(task.task_id, "r1", 2), "params": params or {"full_refresh": False}}
    text = env.from_string(task.bash_command).render(**context)
    words = shlex.split(text.replace("${TXPIPE_CMD:-txpipe}", "txpipe"))
    check(words[:4] == ["txpipe", "task", "run", task.task_id], f"command {text}")
    return words[4:]


h = lambda hour: datetime(2026, 3, 1, hour, 0, tzinfo=utc)  # noqa: E731

# The template environment is strict: a missing key fails, as it does under Airflow.
import jinja2  # noqa: E402

check(dag.get_template_env().undefined is jinja2.StrictUndefined, f"template undefined is {dag.get_template_env().undefined}")

for task in dag.tasks:
    # Scheduled (or manual with -l): the data interval as it is.
    args = rendered(task, dag_run("scheduled", h(4), h(4), h(5), h(5)))
    check(
        args == ["--logical-date", "2026-03-01T04:00:00+00:00", "--data-interval-end", "2026-03-01T05:00:00+00:00", "--run-id", "r1", "--try-number", "2"],
        f"{task.task_id} scheduled: {args}",
    )
    # Manual without a logical date: no data interval in Airflow 3; the run_after goes to txpipe.
    args = rendered(task, dag_run("manual", run_after=datetime(2026, 3, 1, 5, 17, 42, 123456, tzinfo=utc)))
    check(args == ["--run-after", "2026-03-01T05:17:42.123456+00:00", "--run-id", "r1", "--try-number", "2"], f"{task.task_id} manual without logical date: {args}")
    # Backfill: recompute the interval from the raw rows.
    args = rendered(task, dag_run("backfill", h(1), h(1), h(2), h(2)))
    check(args[-1] == "--recompute-interval" and args[:2] == ["--logical-date", "2026-03-01T01:00:00+00:00"], f"{task.task_id} backfill: {args}")
    # A run type enum (what Airflow passes) compares by value.
    args = rendered(task, dag_run(SimpleNamespace(value="backfill"), h(1), h(1), h(2), h(2)))
    check(args[-1] == "--recompute-interval", f"{task.task_id} backfill enum: {args}")
    # Full refresh from the run's params.
    args = rendered(task, dag_run("manual", run_after=h(6)), {"full_refresh": True})
    check(args[-1] == "--full-refresh", f"{task.task_id} full refresh: {args}")

check("full_refresh" in dag.params, "param full_refresh")
try:
    m.task_args(dag_run("manual", run_after=h(6)), ti("x", "r"), {"full_refresh": "yes"})
    check(False, "a non-boolean full_refresh must fail")
except ValueError as err:
    check("full_refresh" in str(err), f"error names the param: {err}")

# The failure and retry callbacks call `txpipe task record-failure` with the try's run, number and error.
def callbacks(value) -> list:
    return list(value) if isinstance(value, (list, tuple)) else [value]


for task in dag.tasks:
    check(m.record_failure in callbacks(task.on_failure_callback), f"{task.task_id} on_failure_callback {task.on_failure_callback}")
    check(m.record_retry in callbacks(task.on_retry_callback), f"{task.task_id} on_retry_callback {task.on_retry_callback}")
out = SCRATCH / "callback-args.json"
fake = SCRATCH / "fake-txpipe"
fake.write_text(f"#!/usr/bin/env python3\nimport json, sys\njson.dump(sys.argv[1:], open({str(out)!r}, 'w'))\nprint('recorded')\n")
fake.chmod(0o755)
os.environ["TXPIPE_CMD"] = str(fake)
context = {
    "ti": ti("refresh_views", "manual__2026-03-01T05:17:42+00:00", 1),
    "dag_run": dag_run("manual", run_after=datetime(2026, 3, 1, 5, 17, 42, tzinfo=utc)),
    "exception": RuntimeError("Bash command failed. The command returned a non-zero exit code 127."),
}
m.record_failure(context)
args = json.loads(out.read_text())
check(
    args
    == [
        "task",
        "record-failure",
        "refresh_views",
        "--run-after",
        "2026-03-01T05:17:42+00:00",
        "--run-id",
        "manual__2026-03-01T05:17:42+00:00",
        "--try-number",
        "1",
        "--error",
        "RuntimeError: Bash command failed. The command returned a non-zero exit code 127.",
    ],
    f"callback arguments {args}",
)
out.unlink()
m.record_retry({**context, "dag_run": dag_run("scheduled", h(4), h(4), h(5), h(5))})
args = json.loads(out.read_text())
check(args[3:7] == ["--logical-date", "2026-03-01T04:00:00+00:00", "--data-interval-end", "2026-03-01T05:00:00+00:00"], f"retry interval {args}")
check(args[-1] == "--up-for-retry", f"retry callback {args}")
# A callback that cannot run txpipe logs and returns: it never raises over the task's own error.
os.environ["TXPIPE_CMD"] = str(SCRATCH / "no-such-txpipe")
m.record_failure(context)

print("ok")
