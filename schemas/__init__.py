"""pandera schemas (polars backend): the rules a dataset must meet to enter the warehouse.

One module per dataset, named like its staging table (``schemas/payroll.py`` ↔ ``staging.payroll``).
"""

from __future__ import annotations

import pandera.polars as pa

from schemas.evaluation_center import EvaluationCenter
from schemas.macro import Macro
from schemas.payroll import Payroll
from schemas.public_services_monitoring import PublicServicesMonitoring
from schemas.targets import Targets

SCHEMAS: dict[str, type[pa.DataFrameModel]] = {
    "evaluation_center": EvaluationCenter,
    "public_services_monitoring": PublicServicesMonitoring,
    "payroll": Payroll,
    "macro": Macro,
    "targets": Targets,
}
