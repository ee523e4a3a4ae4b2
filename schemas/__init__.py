"""pandera schemas (polars backend): the rules a dataset must meet to enter the warehouse.

One module per dataset, named like its staging table (``schemas/payroll.py`` ↔ ``staging.payroll``).

``SCHEMAS`` (dataset → model) is built on first use, not when the package is imported: pandera 0.35
imports pandas whenever it is installed (about 1.3 s CPU on the development machine, more than the 16
bundled loads' own work), and ``schemas.rejects`` — which every load imports to word its refusals —
needs none of it. A load imports pandera when it validates; a refresh whose sources are all unchanged
never does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandera.polars as pa

    SCHEMAS: dict[str, type[pa.DataFrameModel]]


def __getattr__(name: str) -> object:
    if name != "SCHEMAS":
        raise AttributeError(f"module 'schemas' has no attribute {name!r}")
    from schemas.evaluation_center import EvaluationCenter
    from schemas.macro import Macro
    from schemas.payroll import Payroll
    from schemas.public_services_monitoring import PublicServicesMonitoring
    from schemas.targets import Targets

    schemas = {
        "evaluation_center": EvaluationCenter,
        "public_services_monitoring": PublicServicesMonitoring,
        "payroll": Payroll,
        "macro": Macro,
        "targets": Targets,
    }
    globals()["SCHEMAS"] = schemas
    return schemas
