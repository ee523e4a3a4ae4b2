"""A realistic 2021 delivery from the agencies, written into a directory (issue 12 "Done when").

It arrives at a warehouse that holds 2017-2020 (after ``make run``); its values are of the size of
those years (ACSA's payroll fund 12.0 mln USD in 2020, 5,280 mln tenge in 2021).

Three files as the agencies send them, and a catalogue with one entry per file plus the bundled
exchange-rate series the payroll conversion needs (listed *after* payroll on purpose: the refresh
loads macro series first):

* ``ec_2021.xlsx`` — the Evaluation Center: a title row, a column per body with Russian names
  ("Акимат г. Нур-Султан", "АДГС РК"), a units row, decimal commas in text cells, a footnote;
* ``payroll_2021.csv`` — cp1251, a title line, a column per indicator with the unit in the header
  ("Фонд оплаты труда, млн. тенге"), thousands separated by spaces;
* ``psm_2021.csv`` — UTF-8 with BOM, a title line, the public-services monitoring result in scores
  out of 5 for the ministries and in % for the akimat, and one score "out of 10" nobody can convert.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from openpyxl import Workbook

#: Evaluation Center 2021, per indicator: (Astana, ACSA, Mangystau), as printed (decimal commas).
EC = {
    "Общая оценка эффективности": ("68,4", "89,5", "71,2"),
    "Достижение целей": ("80,1", "93,0", "75,5"),
    "Организационное развитие": ("64,0", "90,1", "70,3"),
    "Взаимодействие с гражданами": ("72,5", "78,5", "74,0"),
}
EC_BODIES = ("Акимат г. Нур-Султан", "АДГС РК", "Акимат Мангистауской обл.")
EC_CODES = ("astana", "acsa", "mangystau")

#: Payroll 2021 (mln tenge; net turnover %), ACSA and Astana only: Mangystau's payroll is still to come.
PAYROLL = [("Агентство Республики Казахстан по делам государственной службы", "5 280,0", "2,1"),
           ("Акимат города Нур-Султан", "6 731,5", "2,0")]
PAYROLL_MKZT = {"acsa": 5280.0, "astana": 6731.5}
TURNOVER = {"acsa": 2.1, "astana": 2.0}

#: Public-services monitoring 2021: (body as written, value, unit, body code).
PSM = [("Министерство юстиции Республики Казахстан", "4,59", "баллов из 5", "moj"),
       ("АДГС РК", "4,7", "баллов из 5", "acsa"),
       ("Акимат г. Нур-Султан", "79,4", "%", "astana"),
       ("Акимат Мангистауской обл.", "81,0", "%", "mangystau"),
       ("Nur-Sultan city akimat", "8,1", "баллов из 10", "astana")]


def write_delivery(root: Path) -> Path:
    """Write the three files and ``catalogue.yaml`` under ``root``; return the catalogue's path."""
    d = root / "deliveries"
    d.mkdir(parents=True)
    wb = Workbook()
    ws = wb.active
    ws.title = "Результаты"
    ws.append(["Результаты оценки эффективности деятельности государственных органов за 2021 год"])
    ws.append(["Показатель", *EC_BODIES])
    ws.append(["", "%", "%", "%"])
    for label, cells in EC.items():
        ws.append([label, *cells])
    ws.append(["Примечание: по данным Центра оценки эффективности деятельности государственных органов"])
    wb.save(d / "ec_2021.xlsx")

    lines = ["Фонд оплаты труда государственных органов за 2021 год",
             "Орган;Год;Фонд оплаты труда, млн. тенге;Текучесть кадров, %"]
    lines += [f"{body};2021;{fund};{turnover}" for body, fund, turnover in PAYROLL]
    (d / "payroll_2021.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1251"))

    lines = ["Мониторинг качества оказания государственных услуг, 2021 год",
             "Орган;Год;Показатель;Значение;Единица измерения"]
    lines += [f"{body};2021;Качество оказания государственных услуг;{v};{u}" for body, v, u, _ in PSM]
    (d / "psm_2021.csv").write_text("\n".join(lines) + "\n", encoding="utf-8-sig")

    entry = {"years": [2021], "kind": "file"}
    sources = [
        {**entry, "id": "ec_2021", "dataset": "evaluation_center", "path": "deliveries/ec_2021.xlsx",
         "format": "xlsx", "layout": "wide_bodies", "year": 2021, "columns": {"indicator": "Показатель"},
         "numbers": {"decimal": ","}},
        {**entry, "id": "payroll_2021", "dataset": "payroll", "path": "deliveries/payroll_2021.csv",
         "format": "csv", "layout": "wide_indicators", "numbers": {"decimal": ",", "thousands": "space"},
         "columns": {"body": "Орган", "year": "Год"}},
        {**entry, "id": "psm_2021", "dataset": "public_services_monitoring", "path": "deliveries/psm_2021.csv",
         "format": "csv", "layout": "long", "numbers": {"decimal": ","}, "max_reject_share": 0.25,
         "columns": {"body": "Орган", "year": "Год", "indicator": "Показатель", "value": "Значение"}},
        # the bundled exchange rate the payroll conversion needs (as in data/catalogue.yaml)
        {"id": "nbk_usd_kzt", "dataset": "macro", "years": "2014-2024", "kind": "bundled",
         "path": "macro/usd_kzt.csv", "format": "csv", "csv": {"delimiter": ";"}, "layout": "wide_indicators",
         "columns": {"year": "Year", "unit": "Unit", "indicators": {"USD/KZT, average for the year": "usd_kzt"}}},
    ]
    cat = root / "catalogue.yaml"
    cat.write_text(yaml.safe_dump({"version": 1, "sources": sources}, allow_unicode=True, sort_keys=False),
                   encoding="utf-8")
    return cat
