"""Payroll records at national scale: load employee-month microdata out of core, derive yearly figures.

``pilotwatch ingest payroll_records FILE_OR_URL`` (CSV, CSV.gz or Parquet; a file or HTTP) ends in
``core.payroll_records`` and, derived from it, ``core.payroll_aggregates`` /
``core.payroll_category_pay`` / ``core.payroll_pay_gap`` and indicator facts with basis
``derived`` (dataset ``payroll_records``; the analysis reads them where nothing is published).

Why it is not the small-table path of ``pilotwatch.ingest`` (which holds a source in memory as
strings): 100,000 civil servants x 12 months x 10 years is 12 million rows, over a gigabyte of CSV.
Every step is out of core. The load is a recipe (``load.py``) of steps named by what they do, each
in its module, passing small frozen values (``model.py``):

1. ``stage.py`` — fetch (a URL streamed to a private temporary directory; an unchanged file is
   recorded as such) and parse the file once, with DuckDB's own reader, into a scratch database;
2. ``check.py`` — the rules, in SQL and with pandera on bounded chunks beside it; uniqueness;
3. ``ids.py`` — pseudonymise: each distinct id hashed once (HMAC-SHA256, ``PILOTWATCH_ID_SALT``);
4. ``write.py`` — quarantine, body-years replaced, ledger row (``ledger.py``): one transaction;
5. ``derive.py`` — the yearly figures of the years the load replaced.

SQL longer than a line is in ``warehouse/sql/payroll/*.sql``. Synthetic bodies: codes
``syn_c001``/``syn_l001``... (``pilotwatch synth payroll``) are registered on first sight as
bodies with ``core.bodies.synthetic = true``. See docs/payroll.md.
"""

from pilotwatch.payroll.check import load_rate_series
from pilotwatch.payroll.derive import Derived, derive
from pilotwatch.payroll.ids import hash_id, id_salt, salt_fingerprint
from pilotwatch.payroll.load import bounded_memory, ingest_records, load_records
from pilotwatch.payroll.model import DATASET, PayrollError, RecordsResult

__all__ = ["DATASET", "Derived", "PayrollError", "RecordsResult", "bounded_memory", "derive", "hash_id", "id_salt",
           "ingest_records", "load_rate_series", "load_records", "salt_fingerprint"]
