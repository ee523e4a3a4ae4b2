"""Survey domain, pure part: the instrument (``spec``), coding answers (``mapping``), screening,
reliability, answer distributions, and the structural equation model (``sem`` engine, ``fit`` indices).

No I/O here: ``pilotwatch.survey`` reads exports, calls these and stores the results.
"""
