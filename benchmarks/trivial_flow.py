"""The orchestrator's floor: a three-task Prefect flow that does nothing, started like the refresh."""

from __future__ import annotations

from prefect import flow, task


@task
def noop(i: int) -> int:
    return i


@flow(name="trivial_three_tasks")
def trivial() -> int:
    return sum(noop(i) for i in range(3))


if __name__ == "__main__":
    trivial()
