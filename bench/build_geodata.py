"""Rebuild the package's compact commune reference from shared/data/geo (see PROVENANCE.md)."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from orienter.load.geo import fold_name  # noqa: E402  (the same folding as at run time)

TYPES = {"commune-actuelle": "C", "commune-deleguee": "D", "commune-associee": "A",
         "arrondissement-municipal": "M"}
COLUMNS = ["code", "nom", "type", "commune_parente", "departement", "region", "epci", "ept",
           "codes_postaux", "population"]


def main(src: Path, dst: Path) -> None:
    with open(src / "communes.csv", newline="", encoding="utf-8") as f, \
         open(dst / "communes.tsv", "w", encoding="utf-8") as out:
        out.write("code\tnom\ttype\tparent\tdep\treg\tepci\tept\tcps\tpop\tcle\n")
        for row in csv.DictReader(f):
            row["type"] = TYPES[row["type"]]
            row["population"] = row["population"] or "0"
            out.write("\t".join([*(row[c] for c in COLUMNS), fold_name(row["nom"])]) + "\n")
    # Codes that are not current communes (arrondissements, communes déléguées or associées
    # with a code of their own) -> their current commune: a small table that lets zone codes
    # be normalised without reading the whole reference.
    current, parents = set(), {}
    with open(src / "communes.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["type"] == "commune-actuelle":
                current.add(row["code"])
            elif row["commune_parente"]:
                parents.setdefault(row["code"], row["commune_parente"])
    with open(dst / "parents.tsv", "w", encoding="utf-8") as out:
        out.write("code\tparent\n")
        for code, parent in sorted(parents.items()):
            if code not in current:
                out.write(f"{code}\t{parent}\n")
    for name in ("departements", "regions", "epci"):
        with open(src / f"{name}.csv", newline="", encoding="utf-8") as f, \
             open(dst / f"{name}.tsv", "w", encoding="utf-8") as out:
            for row in csv.reader(f):
                out.write("\t".join(row) + "\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
