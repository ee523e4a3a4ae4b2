"""Analysis domain, pure part: pilot windows and bases (``windows``), CER tables and formula (2)
(``cer``), factor effects (``effects``), grades and hypothesis verdicts (``grades``, ``verdicts``).

No I/O: ``pilotwatch.analysis`` reads the warehouse, calls these and stores the results.
"""
