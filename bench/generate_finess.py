"""Write a synthetic national FINESS+ "structures" feed, in the format of the real sample
(tests/fixtures/registers/finess/, from ansforge/finess), for bench/registers.py.

    python bench/generate_finess.py /tmp/finess-national.json [--etablissements 100000] [--seed 1]

Every establishment is fictitious (names "ETABLISSEMENT SYNTHETIQUE n", phone numbers in the
0100000000 range reserved for fiction), placed in real current communes of the shipped COG so
that an import is valid. Categories follow roughly the national mix (pharmacies, EHPAD, home
services, health centres...), with about 8 % of closed establishments and legal entities that
run one to four establishments. The file is written record by record: generating 300 MB does not
need 300 MB of memory. Deterministic for a given --seed.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# (category, weight): a rough national mix; most are not directory types (pharmacies, labs, hospitals).
CATEGORIES = [("620", 21), ("500", 8), ("460", 7), ("611", 4), ("354", 2), ("209", 1), ("603", 3), ("124", 3),
              ("156", 3), ("355", 1), ("365", 1), ("182", 2), ("183", 1), ("202", 2), ("197", 1), ("178", 1),
              ("189", 1), ("207", 1), ("127", 1), ("604", 1), ("606", 1), ("609", 1), ("109", 1), ("255", 1)]
VOIES = [("R", "RUE"), ("AV", "AVENUE"), ("BD", "BOULEVARD"), ("PL", "PLACE"), ("CHE", "CHEMIN"), ("RTE", "ROUTE")]
NOMS = ["DES LILAS", "DU PARC", "DE LA GARE", "DES TILLEULS", "DU CHATEAU", "JEAN JAURES", "VICTOR HUGO",
        "DE LA REPUBLIQUE", "PASTEUR", "DES ECOLES"]


def communes() -> list[tuple[str, str, str]]:
    """(INSEE code, first postal code, name) of the current communes of the shipped COG."""
    out = []
    with open(ROOT / "orienter" / "geodata" / "communes.tsv", encoding="utf-8") as f:
        next(f)
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if cols[2] == "C" and cols[8] and not cols[0].startswith("98") and not cols[0].startswith("97"):
                out.append((cols[0], cols[8].split("|")[0], cols[1].upper()))
    return out


def _event(rng: random.Random, ident: str, kind: str, day: str) -> dict:
    return {"evenementId": str(rng.randrange(10**6, 10**7)), "dateEnregistrement": "2023-03-15 11:21:01",
            "dateEvenement": day, "etatObjet1": rng.choice(["001", "003", "007"]), "identifiantObjet1": ident,
            "systemeMaitre": "01", "typeObjet1": kind, "codeEvenement": rng.choice(["001", "003", "007"])}


def _address(rng: random.Random, commune: tuple[str, str, str], usage: str) -> dict:
    abbr, full = rng.choice(VOIES)
    number, name = str(rng.randrange(1, 300)), rng.choice(NOMS)
    lat, lon = rng.uniform(42.5, 50.9), rng.uniform(-4.5, 7.9)
    return {"usageAdresse": usage, "numeroVoie": number, "typeVoie": abbr, "libelleVoie": name,
            "cogCommune": commune[0], "ligneAcheminement": commune[2], "ligneQuatre": f"{number} {full} {name}",
            "codePostal": commune[1],
            "coordonneesGeographique": {"coordonneeX": f"{rng.uniform(6.1e6, 7.1e6):.2f}",
                                        "coordonneeY": f"{rng.uniform(1e5, 1.2e6):.2f}",
                                        "directionLatitude": f"{lat:.6f}", "directionLongitude": f"{lon:.6f}",
                                        "cleInInteropBAN": f"{commune[0]}_{rng.randrange(1000):04d}_{number:0>5}",
                                        "scoreBAN": f"{rng.uniform(0.5, 1):.15f}"}}


def _contact(rng: random.Random) -> list[dict]:
    return [{"typeContact": {"roleContact": "01"},
             "telecom": {"telephone": f"01000{rng.randrange(10**5):05d}", "telecopie": f"01000{rng.randrange(10**5):05d}"}}]


def _finess(dep: str, n: int) -> str:
    return f"{dep}{n:07d}"[:9]


def _ege(rng: random.Random, number: str, n: int, commune: tuple[str, str, str], category: str) -> dict:
    closed = rng.random() < 0.08
    info = {"egeId": str(n), "dateOuverture": f"{rng.randrange(1950, 2024)}-01-01",
            "datePremiereAutorisation": "2017-01-03", "nomEgeCourt": f"ETAB SYNTH {n}",
            "nomEgeLong": f"ETABLISSEMENT SYNTHETIQUE {n} {commune[2]}"[:60], "numFinessEge": number,
            "siret": f"{rng.randrange(10**13, 10**14)}"}
    if closed:
        info["dateFermeture"] = f"{rng.randrange(2000, 2026)}-06-30"
    return {"informationsGeneralesEGE": info, "categorieentiteGeographiqueExercice": category,
            "modefixationtarifaire": "07", "typeBudget": ["01"], "adresse": [_address(rng, commune, "03")],
            "contact": _contact(rng),
            "engagement": [{"engagementId": str(rng.randrange(10**6)), "typeEngagement": "ARRT",
                            "sousTypeEngagement": "ARR", "dateEffetEngagement": "2006-07-01",
                            "dateSignatureEngagement": "2006-07-01", "autoriteRegulationEngagement": []}
                           for _ in range(rng.randrange(0, 4))],
            "evenement": [_event(rng, str(n), "EG", "2017-01-03") for _ in range(rng.randrange(2, 4))],
            "roleEge": [], "etatObjet": "I" if closed else "A", "dateDerniereMaj": "2024-01-15 00:00:00"}


def generate(path: Path, count: int, seed: int) -> int:
    rng = random.Random(seed)
    places = communes()
    cats, weights = zip(*CATEGORIES)
    dumps = json.JSONEncoder(ensure_ascii=False, indent=2, separators=(",", " : ")).encode
    written = pm = 0
    with open(path, "w", encoding="utf-8") as f:
        f.write('{\n  "schemaVersion" : "v1.0.0",\n  "generatedAt" : "2026-03-09T15:49:37.615611300Z",\n'
                '  "gcc" : [ ],\n  "gco" : [ ],\n  "pmej" : [ ')
        while written < count:
            pm += 1
            commune = rng.choice(places)
            dep = commune[0][:2]
            n_ege = min(count - written, rng.choice([1, 1, 1, 2, 2, 3, 4]))
            eges = []
            for _ in range(n_ege):
                written += 1
                where = commune if rng.random() < 0.7 else rng.choice(places)
                eges.append(_ege(rng, _finess(where[0][:2], 10**6 + written), written, where,
                                 rng.choices(cats, weights)[0]))
            record = {"informationsGeneralesPMEJ": {"pmSmsseId": str(pm), "codeApe": "86.10Z",
                                                    "dateCreation": "2001-01-01",
                                                    "denominationLonguePmSmsse": f"ENTITE SYNTHETIQUE {pm}",
                                                    "denominationPm": f"ENTITE SYNTHETIQUE {pm}",
                                                    "numFinessPm": _finess(dep, 5 * 10**6 + pm),
                                                    "siren": f"{rng.randrange(10**8, 10**9)}", "statutJuridique": "60",
                                                    "typePersonneMorale": "01"},
                      "adresse": [_address(rng, commune, "02")], "contact": _contact(rng), "engagement": [],
                      "evenement": [_event(rng, str(pm), "PM", "2001-01-01")], "ege": eges, "etatObjet": "A",
                      "dateDerniereMaj": "2021-10-18 00:00:00"}
            if pm > 1:
                f.write(", ")
            f.write(dumps(record).replace("\n", "\n  "))
        f.write(" ]\n}\n")
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("output", type=Path)
    parser.add_argument("--etablissements", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    n = generate(args.output, args.etablissements, args.seed)
    sys.stderr.write(f"{n} établissements écrits dans {args.output} ({args.output.stat().st_size / 1e6:.0f} Mo)\n")


if __name__ == "__main__":
    main()
