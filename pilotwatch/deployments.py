"""Check ``prefect.yaml`` the way ``prefect deploy`` would use it, without a server.

``prefect deploy`` has no dry run and only warns on a bad file, so the checks live here and a test
runs them on every CI build: every entrypoint imports and is a flow, every parameter exists in the
flow's signature and validates against its schema (the one Prefect checks runs against), every
schedule has a valid cron and IANA timezone, and every deployment names the declared work pool.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import yaml

from pilotwatch import PROJECT_ROOT

PREFECT_YAML = PROJECT_ROOT / "prefect.yaml"


def load(path: Path = PREFECT_YAML) -> dict[str, Any]:
    doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(doc, dict) or not isinstance(doc.get("deployments"), list):
        raise ValueError(f"{path}: expected a mapping with a 'deployments' list")
    return doc


def load_flow(entrypoint: str, root: Path = PROJECT_ROOT) -> Any:
    """Import ``path/to/file.py:function`` relative to ``root`` and return the object (a Prefect flow)."""
    file_part, _, func = entrypoint.rpartition(":")
    if not file_part or not func:
        raise ValueError(f"entrypoint {entrypoint!r} is not 'path/to/file.py:flow_function'")
    path = (root / file_part).resolve()
    if not path.is_file():
        raise FileNotFoundError(f"entrypoint file {file_part} does not exist")
    rel = path.relative_to(root.resolve()).with_suffix("")
    module_name = ".".join(rel.parts)
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    module = importlib.import_module(module_name)
    if not hasattr(module, func):
        raise AttributeError(f"{file_part} has no {func!r}")
    return getattr(module, func)


def check_parameters(flow_obj: Any, params: dict[str, Any]) -> list[str]:
    """Problems with ``params`` for ``flow_obj``: unknown names and values failing the flow's schema."""
    import inspect

    from prefect.utilities.callables import parameter_schema
    from prefect.utilities.schema_tools.validation import validate

    names = set(inspect.signature(flow_obj.fn).parameters)
    problems = [f"parameter {k!r} is not an argument of {flow_obj.fn.__name__}()" for k in params if k not in names]
    schema = parameter_schema(flow_obj.fn).model_dump_for_openapi()
    known = {k: v for k, v in params.items() if k in names}
    for err in validate(known, schema, ignore_required=True, allow_none_with_default=True):
        where = ".".join(str(p) for p in err.path) or "parameters"
        problems.append(f"parameter {where}: {err.message}")
    return problems


def check_schedule(schedule: dict[str, Any]) -> list[str]:
    from prefect.client.schemas.schedules import CronSchedule

    if "cron" not in schedule:
        return [f"schedule {schedule!r}: pilotwatch schedules are crons (interval/rrule are not used)"]
    try:
        CronSchedule(cron=schedule["cron"], timezone=schedule.get("timezone"))
    except ValueError as exc:
        return [f"schedule {schedule.get('cron')!r} ({schedule.get('timezone')}): {exc}".replace("\n", " ")]
    if not schedule.get("timezone"):
        return [f"schedule {schedule['cron']!r}: give a timezone (Asia/Almaty), or the cron runs in UTC"]
    if len(str(schedule["cron"]).split()) != 5:
        return [f"schedule {schedule['cron']!r}: use the five cron fields (minute hour day month weekday)"]
    return _check_fires(schedule)


def _check_fires(schedule: dict[str, Any]) -> list[str]:
    """A cron that never fires (``0 6 31 2 *``: 31 February) is valid syntax and silently does nothing."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from prefect._vendor.croniter import CroniterBadDateError, croniter

    start = datetime.now(ZoneInfo(schedule["timezone"]))
    try:
        nxt = croniter(schedule["cron"], start, max_years_between_matches=1).get_next(datetime)
    except CroniterBadDateError:
        nxt = None
    if nxt is None or (nxt - start).days > 366:
        return [f"schedule {schedule['cron']!r}: the cron does not fire within a year"]
    return []


def check(path: Path = PREFECT_YAML, root: Path = PROJECT_ROOT) -> list[str]:
    """Every problem found in the deployments file (empty when it is good)."""
    doc = load(path)
    pools = {p.get("name") for p in ((doc.get("definitions") or {}).get("work_pools") or {}).values()}
    problems: list[str] = []
    seen: set[str] = set()
    for i, dep in enumerate(doc["deployments"]):
        name = dep.get("name") or f"#{i}"
        say = lambda msg, n=name: problems.append(f"deployment {n}: {msg}")  # noqa: E731
        if name in seen:
            say("duplicate deployment name")
        seen.add(name)
        try:
            flow_obj = load_flow(str(dep.get("entrypoint", "")), root)
        except Exception as exc:  # import errors of any kind are what this check is for
            say(f"entrypoint {dep.get('entrypoint')!r} does not load: {type(exc).__name__}: {exc}")
            continue
        if not hasattr(flow_obj, "fn") or type(flow_obj).__name__ != "Flow":
            say(f"entrypoint {dep['entrypoint']!r} is not a Prefect flow")
            continue
        for p in check_parameters(flow_obj, dep.get("parameters") or {}):
            say(p)
        for s in dep.get("schedules") or []:
            for p in check_schedule(s):
                say(p)
        pool = (dep.get("work_pool") or {}).get("name")
        if not pool:
            say("no work_pool")
        elif pools and pool not in pools:
            say(f"work pool {pool!r} is not declared under definitions.work_pools")
    return problems
