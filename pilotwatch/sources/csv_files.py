"""CSV bytes to a grid of strings: encodings detected and named (UTF-8 with or without BOM, cp1251,
UTF-16/32 by BOM or NUL pattern, mixed encodings refused), delimiter sniffed from the header."""


from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Sequence

from pilotwatch.catalogue import Source
from pilotwatch.sources.tables import _BOM, _DELIMITERS, _check_row_limit, _error, _Found, _locate

_WIDE_BOMS = ((b"\xff\xfe\x00\x00", "utf-32-le", "UTF-32"), (b"\x00\x00\xfe\xff", "utf-32-be", "UTF-32"),
              (b"\xff\xfe", "utf-16-le", "UTF-16"), (b"\xfe\xff", "utf-16-be", "UTF-16"))


def _wide_encoding(content: bytes) -> tuple[str, str, int] | None:
    """(codec, name, BOM length) of UTF-16/UTF-32 text, by its BOM or its pattern of NUL bytes."""
    for bom, codec, name in _WIDE_BOMS:
        if content.startswith(bom):
            return codec, name, len(bom)
    sample = content[:4096]
    if sample.count(0) < max(4, len(sample) // 10):
        return None
    share = [sample[k::4].count(0) / max(1, len(sample[k::4])) for k in range(4)]
    if min(share[1:]) > 0.9 and share[0] < 0.5:
        return "utf-32-le", "UTF-32", 0
    if min(share[:3]) > 0.9 and share[3] < 0.5:
        return "utf-32-be", "UTF-32", 0
    odd, even = sample[1::2].count(0), sample[0::2].count(0)
    return ("utf-16-le", "UTF-16", 0) if odd > even else ("utf-16-be", "UTF-16", 0)


def _mixed_lines(content: bytes) -> tuple[list[int], list[int]]:
    """(lines that are non-ASCII UTF-8, lines that are not UTF-8), 1-based physical lines."""
    utf8, other = [], []
    for n, line in enumerate(content.split(b"\n"), start=1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            utf8.append(n)
        except UnicodeDecodeError:
            other.append(n)
    return utf8, other


def _ranges(lines: list[int], limit: int = 5) -> str:
    shown = ", ".join(str(n) for n in lines[:limit])
    return shown + (f" (+{len(lines) - limit} more)" if len(lines) > limit else "")


def _decode(content: bytes, source: Source) -> tuple[str, str]:
    """Decode CSV bytes to (text, encoding name).

    ``auto``: UTF-16/UTF-32 by BOM or NUL pattern, then UTF-8 (BOM or not), then cp1251 (Windows
    exports) — unless some lines are UTF-8 and others are not: a file glued from two exports
    would otherwise turn one half into mojibake that fails later as "unknown body".
    """
    encoding = source.csv.encoding
    wide = _wide_encoding(content)
    if encoding == "auto" and wide:
        codec, name, bom = wide
        try:
            return content[bom:].decode(codec), name
        except UnicodeDecodeError as exc:
            raise _error(source, f"the file looks like {name} text ({codec}) but is not valid {name} at byte "
                                 f"{exc.start + bom}; re-export it as UTF-8 CSV") from None
    if wide and encoding in ("utf-8", "utf-8-sig", "cp1251"):
        raise _error(source, f"the file is {wide[1]} text ({wide[0]}, NUL bytes between characters), not "
                             f"{encoding}; set csv.encoding: auto or {wide[1].lower()}, or re-export it as UTF-8")
    candidates = ["utf-8-sig", "cp1251"] if encoding == "auto" else [encoding]
    problems = []
    for enc in candidates:
        codec = {"utf-8": "utf-8-sig", "utf-16": "utf-16", "utf-32": "utf-32"}.get(enc, enc)
        try:
            return content.decode(codec), enc
        except UnicodeDecodeError as exc:
            problems.append(f"{enc} fails at byte {exc.start}")
            if enc.startswith("utf-8"):
                utf8, other = _mixed_lines(content)
                if utf8 and other:
                    raise _error(
                        source,
                        f"mixed text encodings: line(s) {_ranges(utf8)} are UTF-8 but line(s) {_ranges(other)} "
                        "are not (cp1251?); the file was probably glued from two exports — re-export it in one "
                        "encoding",
                    ) from None
        except UnicodeError as exc:
            problems.append(f"{enc}: {exc}")
    raise _error(source, f"cannot decode the CSV text ({'; '.join(problems)}); set csv.encoding")


def _sniff_delimiter(lines: Sequence[str]) -> str:
    """The candidate delimiter that splits the most lines into the same number (>1) of fields.

    Title rows above the header have one field whatever the delimiter, so they do not vote; on a
    tie the delimiter giving more fields wins (decimal commas in a ';' file split consistently too).
    """
    best, best_score = ",", (0, 0)
    for d in _DELIMITERS:
        counts = [len(r) for r in csv.reader(lines, delimiter=d) if r]
        multi = [n for n in counts if n > 1]
        if not multi:
            continue
        mode = max(set(multi), key=lambda n: (multi.count(n), n))
        score = (multi.count(mode), mode)  # ties: more fields ("89,8" in a ';' file splits at ',' too)
        if score > best_score:
            best, best_score = d, score
    return best


def _read_csv(content: bytes, source: Source) -> _Found:
    text, encoding = _decode(content, source)
    text = text.lstrip(_BOM)
    head = list(itertools.islice(io.StringIO(text, newline=""), 50))
    delimiter = source.csv.delimiter or _sniff_delimiter(head)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    grid: list[tuple[int, list[str | None]]] = []
    line = 0  # physical lines consumed so far; a record starts on the line after
    try:
        for record in reader:
            start, line = line + 1, reader.line_num
            if not record:  # a blank line
                continue
            grid.append((start, [v if v != "" else None for v in record]))
            if len(grid) > source.limits.max_rows:
                _check_row_limit(len(grid), source)
    except csv.Error as exc:
        raise _error(source, f"malformed CSV at line {reader.line_num}: {exc}") from None
    if not grid:
        raise _error(source, "empty: the CSV has no header line")
    found = _locate(grid, source, source.csv.header_row, "CSV")
    found.encoding = encoding if encoding not in ("auto", "utf-8", "utf-8-sig") else None
    return found


# -- XLSX -----------------------------------------------------------------------------------


