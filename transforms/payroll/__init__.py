"""Payroll domain, pure part: the yearly aggregates derived from employee-month records
(``aggregates``). The out-of-core load itself is SQL in ``pilotwatch/payroll/``.
"""
