"""Analysis flow: CER tables, factor effects, verdicts and grades for every pilot body, recorded as a run.

Reads the warehouse, computes with one named configuration (data/analysis.yaml) and stores the
results under a new run id. Inside the annual refresh it joins the refresh's warehouse session (one
publish for loads and analysis); run alone it publishes by itself. Models and frames are passed to
tasks ``quote``d: Prefect would otherwise walk every field of them for each task run (dependency
tracking these tasks do not need: they run in order).
"""

from __future__ import annotations

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext
from prefect.runtime import flow_run
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.utilities.annotations import quote

import warehouse
from flows.artifacts import publish
from pilotwatch import analysis, artifacts
from pilotwatch.analysis.config import AnalysisConfig, load_analysis_config


@task(name="read-analysis-inputs", cache_policy=NO_CACHE)
def read_inputs(cfg: AnalysisConfig) -> analysis.Inputs:
    with warehouse.writer() as con:
        return analysis.read_inputs(con, cfg)


@task(name="compute-analysis", task_run_name="compute-{label}", cache_policy=NO_CACHE)
def compute_task(inputs: analysis.Inputs, cfg: AnalysisConfig, bodies: list[str] | None, label: str) -> analysis.Results:
    """The results of ``bodies`` (None: every body), pure: the unit that runs on the task runner."""
    return analysis.compute(inputs if bodies is None else analysis.for_bodies(inputs, bodies), cfg)


def _label(chunk: list[str]) -> str:
    return chunk[0] if len(chunk) == 1 else f"{chunk[0]}..{chunk[-1]}"


def compute(inputs: analysis.Inputs, cfg: AnalysisConfig) -> analysis.Results:
    """Every body's results in one task (all bodies at once are column operations: 250 bodies take
    well under a second), or in chunks of bodies when the flow runs on a distributed task runner (Dask,
    see docs/operations.md: ``recompute_analysis.with_options(task_runner=DaskTaskRunner())``)."""
    ctx = FlowRunContext.get()
    runner = ctx.task_runner if ctx else None
    bodies = analysis.pilot_bodies(inputs)
    if runner is None or isinstance(runner, ThreadPoolTaskRunner) or not bodies:
        return compute_task(quote(inputs), quote(cfg), None, "all")
    parts = analysis.chunks(bodies)
    # not quoted here: a distributed runner ships the arguments, and a quote arrives as a bare tuple
    futures = [compute_task.submit(inputs, cfg, chunk, _label(chunk)) for chunk in parts]
    return analysis.combine([f.result() for f in futures])


@task(name="store-analysis", cache_policy=NO_CACHE)
def store(run_id: str, cfg: AnalysisConfig, results: analysis.Results) -> dict[str, int]:
    with warehouse.writer() as con:
        return analysis.store(con, run_id, cfg, results)


@flow(name="recompute_analysis", log_prints=True)
def recompute_analysis(config: str = "default", config_file: str | None = None) -> dict[str, object]:
    """Recompute every analysis result with configuration ``config`` and record the run."""
    cfg = load_analysis_config(config, config_file)
    failure: Exception | None = None
    with warehouse.writer("recompute_analysis") as con:
        run_id = analysis.start_run(con, cfg, flow_run.get_id())
        try:
            results = compute(read_inputs(quote(cfg)), cfg)
            counts = store(run_id, quote(cfg), quote(results))
            publish(artifacts.verdicts(con, run_id))
        except Exception as exc:  # recorded (and published when run alone), then raised
            get_run_logger().error("analysis run %s failed: %s", run_id, exc)
            analysis.fail_run(con, run_id, str(exc))
            failure = exc
    if failure is not None:
        raise failure
    print(analysis.summary(cfg, results))
    return {"run_id": run_id, "config": cfg.name, "rows": counts, "load_ids": results.load_ids}
