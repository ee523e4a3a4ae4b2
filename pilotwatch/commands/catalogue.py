"""``pilotwatch catalogue``: the catalogue's reference (generated from its model) and a dry run of one entry.

Why generated: the catalogue is validated by the pydantic models in ``pilotwatch/catalogue.py``;
writing its keys down a second time by hand would drift. ``pilotwatch catalogue reference``
renders every key, type, default and docstring from those models, and a test checks that the
committed ``docs/catalogue.md`` equals the output.
"""

from __future__ import annotations

import argparse
import ast
import inspect
import textwrap
import types
import typing
from typing import Any, Literal

import yaml
from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from pilotwatch.catalogue import Catalogue, CatalogueError, Source

#: One worked example per layout (each is validated by the tests, so none can rot).
EXAMPLES: list[tuple[str, str, str]] = [
    ("long — an agency's CSV with a title line, Russian headers and a footnote",
     "Ведомость (cp1251, `;`):\n\n"
     "```text\nРезультаты оценки эффективности за 2021 год\n"
     "Государственный орган;Год;Показатель;Значение;Единица измерения\n"
     "Агентство РК по делам государственной службы;2021;Общая оценка эффективности;91,4;балл\n"
     "Примечание: данные предварительные\n```\n\n"
     "The header is found below the title, `Государственный орган`, `Год`, `Показатель`, `Значение` and "
     "`Единица измерения` are recognised as body, year, indicator, value and unit, and the note is reported, "
     "not refused. The same file loads ad hoc with `pilotwatch ingest evaluation_center results_2021.csv`.",
     """\
- id: ec_2021
  dataset: evaluation_center
  years: [2021]
  kind: file
  path: deliveries/results_2021.csv
  format: csv
  layout: long
  columns: {body: body, year: year, indicator: indicator, value: value}
"""),
    ("wide_bodies — an XLSX with a column per body, a units row and the table on a second sheet",
     "Sheet `Данные`: a title row, then `Показатель | АДГС | Акимат г. Нур-Султан`, then a units row "
     "(`| млн. тенге | млн. тенге`), then one row per indicator. Without `columns.bodies` every column "
     "other than the mapped ones is a body named by its header; the units row fills each value's unit. "
     "Ad hoc: `pilotwatch ingest payroll fund_2021.xlsx --layout wide_bodies --sheet Данные "
     "-o year=2021 -o columns.year=`.",
     """\
- id: payroll_fund_2021
  dataset: payroll
  years: [2021]
  year: 2021
  kind: file
  path: deliveries/fund_2021.xlsx
  format: xlsx
  xlsx: {sheet: Данные}
  layout: wide_bodies
  columns: {indicator: Показатель}
"""),
    ("wide_indicators — a CSV with a column per indicator and units in the headers",
     "`Орган;Год;Фонд оплаты труда, млн. тенге;Текучесть кадров, %` — the unit after the comma in each "
     "indicator header becomes the unit of that column's values; the indicator is named by the header.",
     """\
- id: payroll_by_body_2021
  dataset: payroll
  years: [2021]
  kind: file
  path: deliveries/payroll_2021.csv
  format: csv
  layout: wide_indicators
  columns:
    body: Орган
    year: Год
    indicators:
      "Фонд оплаты труда, млн. тенге": payroll_fund_mkzt
      "Текучесть кадров, %": net_turnover
  limits: {max_rows: 5000}
"""),
]

_SECTIONS: list[tuple[str, type[BaseModel]]] = []


def _type_name(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is Literal:
        return "one of " + ", ".join(f"`{a}`" for a in args)
    if origin in (typing.Union, types.UnionType):
        names = [_type_name(a) for a in args if a is not type(None)]
        return " or ".join(names) + (" or null" if type(None) in args else "")
    if origin is list:
        return f"list of {_type_name(args[0])}"
    if origin is dict:
        return f"mapping {_type_name(args[0])} → {_type_name(args[1])}"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "mapping"
    return getattr(annotation, "__name__", str(annotation))


def _default(field: Any) -> str:
    if field.default is PydanticUndefined and field.default_factory is None:
        return "required"
    value = field.default_factory() if field.default_factory is not None else field.default
    if isinstance(value, BaseModel):
        return "(below)"
    if value is None:
        return "null"
    return f"`{yaml.safe_dump(value, default_flow_style=True, allow_unicode=True).strip().removesuffix('...').strip()}`"


def field_docs(model: type[BaseModel]) -> dict[str, str]:
    """The docstring written under each field of ``model`` (and of the models it extends).

    Read from the source here, when the reference is generated, as pydantic's
    ``use_attribute_docstrings`` would read it on every import of the catalogue."""
    docs: dict[str, str] = {}
    for cls in reversed(model.__mro__):
        if not issubclass(cls, BaseModel) or cls is BaseModel:
            continue
        body = ast.parse(textwrap.dedent(inspect.getsource(cls))).body[0].body  # type: ignore[attr-defined]
        for node, after in zip(body, body[1:], strict=False):
            if (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and isinstance(after, ast.Expr)
                    and isinstance(after.value, ast.Constant) and isinstance(after.value.value, str)):
                docs[node.target.id] = inspect.cleandoc(after.value.value)
    return docs


def _table(model: type[BaseModel], prefix: str, out: list[str], nested: list[tuple[str, type[BaseModel]]]) -> None:
    out += ["| key | type | default | meaning |", "|---|---|---|---|"]
    docs = field_docs(model)
    for name, field in model.model_fields.items():
        if model is Catalogue and name == "base_dir":
            continue  # set by the loader, not written in a catalogue
        key = field.alias or name
        ann = field.annotation
        inner = typing.get_args(ann)[0] if typing.get_origin(ann) is list and typing.get_args(ann) else ann
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            nested.append((f"{prefix}{key}" + ("[]" if inner is not ann else ""), inner))
        doc = " ".join(docs.get(name, "").split()).replace("|", "\\|")
        out.append(f"| `{prefix}{key}` | {_type_name(ann)} | {_default(field)} | {doc} |")


def reference() -> str:
    """docs/catalogue.md: every key of the catalogue, from the models that validate it, and examples."""
    out = [
        "# Catalogue reference",
        "",
        "<!-- Generated by `pilotwatch catalogue reference > docs/catalogue.md` from the models in "
        "pilotwatch/catalogue.py; do not edit by hand (a test compares this file with the output). -->",
        "",
        "The catalogue (`data/catalogue.yaml`, or `--catalogue FILE`, or `$PILOTWATCH_CATALOGUE`) says which file "
        "or URL feeds which dataset for which years, and how to read it. Unknown keys are errors. "
        "`pilotwatch ingest` takes the same keys as `-o KEY=VALUE` (for example `-o xlsx.header_row=3`), so a "
        "file that loads one way loads the other. Check an entry without writing anything with "
        "`pilotwatch catalogue check SOURCE_ID` (or `pilotwatch ingest … --dry-run`).",
        "",
        "CSV and XLSX files are read the same way: the header is the first row (of the first 30) holding every "
        "mapped column, so title rows above it are skipped; `body`, `year`, `indicator`, `value` and `unit` "
        "columns are also found under their Russian, Kazakh and English names (`Орган`, `Год`, `Показатель`, "
        "`Значение`, `Единица измерения`, …); a row of units under the header, or a unit after a comma in a "
        "value or indicator header (`Фонд оплаты труда, млн. тенге`), gives the values' unit as written; "
        "notes after the table (`Примечание: …`, `* …`, `Источник: …`) are reported, not read as data.",
        "",
    ]
    todo: list[tuple[str, type[BaseModel]]] = [("", Catalogue)]
    while todo:
        key, model = todo.pop(0)
        title = "Top level" if not key else f"`{key}`"
        doc = " ".join((model.__doc__ or "").split())
        out += [f"## {title}", "", doc, ""] if doc else [f"## {title}", ""]
        nested: list[tuple[str, type[BaseModel]]] = []
        _table(model, f"{key}." if key else "", out, nested)
        out.append("")
        todo = nested + todo
    out += ["## Worked examples, one per layout", ""]
    for title, text, snippet in EXAMPLES:
        out += [f"### {title}", "", text, "", "```yaml", "sources:", snippet.rstrip(), "```", ""]
    return "\n".join(out).rstrip() + "\n"


def register(p: argparse.ArgumentParser) -> None:
    p.description = "Work with the source catalogue."
    p.epilog = (
        "examples:\n  pilotwatch catalogue reference > docs/catalogue.md\n"
        "  pilotwatch catalogue check ec_2021 --catalogue deliveries/2021.yaml"
    )
    cmds = p.add_subparsers(dest="catalogue_command", metavar="SUBCOMMAND", required=True)
    ref = cmds.add_parser("reference", help="print docs/catalogue.md (every key, from the model)", formatter_class=p.formatter_class)
    ref.set_defaults(func=_reference)
    chk = cmds.add_parser("check", formatter_class=p.formatter_class,
                          help="dry run of one entry: what it would load, refuse and replace; writes nothing")
    chk.add_argument("source_id", nargs="+", metavar="SOURCE_ID")
    chk.add_argument("--year", type=int, help="only this year")
    chk.add_argument("--catalogue", help="source catalogue (default: $PILOTWATCH_CATALOGUE or data/catalogue.yaml)")
    chk.set_defaults(func=_check)


def _reference(args: argparse.Namespace) -> int:
    print(reference(), end="")
    return 0


def check(catalogue: Catalogue, sources: list[Source], years: list[int]) -> int:
    """Print the dry run of ``sources``; 1 if any would fail.

    Macro sources first, as the refresh loads them: their values convert the later sources' units."""
    import polars as pl

    from pilotwatch.preview import preview_source, read_connection
    from pilotwatch.refresh import load_order

    failed, rates = 0, []
    with read_connection() as con:
        for source in load_order(sources):
            p = preview_source(con, catalogue, source, years, rates=pl.concat(rates) if rates else None)
            print(p.text() + "\n")
            failed += not p.ok
            rates += [p.rates] if p.rates is not None else []
    return 1 if failed else 0


def _check(args: argparse.Namespace) -> int:
    from pilotwatch import settings
    from pilotwatch.catalogue import load_catalogue

    cat = load_catalogue(settings.catalogue_path(args.catalogue))
    by_id = {s.id: s for s in cat.sources}
    unknown = [i for i in args.source_id if i not in by_id]
    if unknown:
        raise CatalogueError(f"no source {unknown} in {args.catalogue or 'the catalogue'}; it has {sorted(by_id)}")
    return check(cat, [by_id[i] for i in args.source_id], [args.year] if args.year else [])
