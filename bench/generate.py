"""Generate a synthetic national directory in the real format (docs/format.md).

    python bench/generate.py [DOSSIER] [--structures 30000] [--seed 2026]

One territory per département (the collectivités d'outre-mer share one), so every current
commune of the COG shipped in `orienter/geodata` is covered; 30,000 structures and twice as
many services by default, one file per structure. Types, needs, publics and referrers are drawn
from `rules/*.yaml`; zones mix commune lists, EPCI, départements and exclusions. Everything is
marked `fictif: true` and uses reserved fiction ranges (01 99 00 xx xx, exemple.invalid).

Deterministic: the same seed, size and rules give byte-identical files (dates are fixed, not
relative to today; about 2 % of the structures are deliberately stale, which only warns).
The result must pass `orienter validate` with no error.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from orienter.load.geo import Geo  # noqa: E402
from orienter.core.paths import rules_dir  # noqa: E402
from orienter.load.vocabulary import load_vocabulary  # noqa: E402

MARKER = ".orienter-bench"
COM = ("975", "977", "978", "984", "986", "987", "988", "989")  # collectivités d'outre-mer
MODES = ["sur_place", "a_domicile", "telephone", "a_distance", "mobile"]
HORAIRES = ["Mo-Fr 09:00-17:00", "Mo-Fr 08:30-12:30,13:30-17:30", "Mo-Sa 08:00-20:00", "24/7",
            "Mo,Tu,Th,Fr 09:00-12:00", "Mo-Fr 09:00-18:00; Sa 09:00-12:00"]
RUES = ["rue de la République", "avenue Jean-Jaurès", "place de l'Église", "rue Victor-Hugo",
        "boulevard Pasteur", "chemin des Écoliers", "rue du Général-de-Gaulle", "allée des Tilleuls"]
CONDITIONS = ["Accord de la personne et information du médecin traitant", "Résider dans la zone",
              "Sur rendez-vous", "Notification MDPH en cours de validité", "Ordonnance du médecin"]
ACTIVITES = ["accueil", "appui", "suivi", "évaluation", "permanence", "visites à domicile"]
QUALIFS = ["", "", "", " [adultes]", " — antenne Nord", " (site principal)", " « Les Tilleuls »",
           " 🌿", " Sainte-Thérèse"]
RESERVED = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf"}
_PLAIN_ID = re.compile(r"(?:[A-Za-z][A-Za-z0-9_-]*|[0-9][0-9a-z]*-[a-z0-9-]*[a-z][a-z0-9-]*)\Z")
_PLAIN_TEXT = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿŒœ][^:#\[\]{}\",&*!|>%@`\n\t]*[^\s:]\Z")


# --- a small YAML emitter (block style, codes quoted: the format a person writes) ------------


def scalar(v: Any) -> str:
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, date):
        return v.isoformat()
    s = str(v)
    if s.lower() not in RESERVED and (_PLAIN_ID.match(s) or (" " in s and _PLAIN_TEXT.match(s))):
        return s
    return json.dumps(s, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


def emit(obj: dict[str, Any], indent: int = 0) -> list[str]:
    pad = " " * indent
    out: list[str] = []
    for key, value in obj.items():
        if isinstance(value, dict):
            if not value:
                out.append(f"{pad}{key}: {{}}")
                continue
            out.append(f"{pad}{key}:")
            out.extend(emit(value, indent + 2))
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            out.append(f"{pad}{key}:")
            for item in value:
                block = emit(item, indent + 4)
                block[0] = f"{pad}  - {block[0][indent + 4:]}"
                out.extend(block)
        elif isinstance(value, list):
            out.append(f"{pad}{key}: [{', '.join(scalar(x) for x in value)}]")
        else:
            out.append(f"{pad}{key}: {scalar(value)}")
    return out


def dump(obj: dict[str, Any], comment: str = "") -> str:
    head = f"# {comment}\n" if comment else ""
    return head + "\n".join(emit(obj)) + "\n"


# --- identifiers --------------------------------------------------------------------------


def luhn_complete(body: str) -> str:
    """Append the digit that makes `body` pass the Luhn check (SIRET)."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        n = int(ch)
        if i % 2 == 0:  # these become odd positions once the check digit is appended
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return body + str((10 - total % 10) % 10)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


def day(rng: random.Random, start: date, span_days: int) -> date:
    return start + timedelta(days=rng.randrange(span_days))


# --- the generator ------------------------------------------------------------------------


class Generator:
    def __init__(self, n_structures: int, seed: int, rules: Path):
        self.rng = random.Random(seed)
        self.n = n_structures
        self.geo = Geo()
        vocab, diags = load_vocabulary(rules)
        errors = [d for d in diags if d.level == "error"]
        if not (vocab.types and vocab.besoins and vocab.publics and vocab.orienteurs):
            raise SystemExit(f"vocabulaire inutilisable dans {rules} : "
                             + (f"{errors[0].file}:{errors[0].line}: {errors[0].message}" if errors else "vide"))
        for d in errors[:3]:
            print(f"attention : {d.file}:{d.line}:{d.col}: {d.code} {d.message}", file=sys.stderr)
        self.vocab = vocab
        self.types = sorted(vocab.types)
        self.current_types = [t for t in self.types if not vocab.types[t].historique]
        self.old_types = [t for t in self.types if vocab.types[t].historique]
        self.needs = sorted(vocab.besoins)
        self.publics = sorted(vocab.publics)
        self.orienteurs = sorted(vocab.orienteurs)
        self.natures = list(vocab.natures) or ["autre"]
        self.finess_seq: dict[str, int] = {}
        self.siret_seq = 0
        self.communes: dict[str, list[tuple[str, str, str, str, int]]] = {}
        for code in self.geo.all_current():
            c = self.geo.get(code)
            assert c is not None
            cp = c.codes_postaux[0] if c.codes_postaux else ""
            self.communes.setdefault(c.departement, []).append((c.code, c.nom, c.epci, cp, c.population))
        for rows in self.communes.values():
            rows.sort()

    def territories(self) -> list[tuple[str, str, list[str]]]:
        """(id, name, départements): one per département, the COM together."""
        out = []
        for dep in sorted(self.communes):
            if dep in COM:
                continue
            name = self.geo.departements.get(dep, {}).get("nom", dep)
            out.append((f"synth-{dep.lower()}", name, [dep]))
        com = [d for d in COM if d in self.communes]
        if com:
            out.append(("synth-com", "Collectivités d'outre-mer", com))
        return out

    def allocate(self, terrs: list[tuple[str, str, list[str]]]) -> list[int]:
        """Structures per territory: half by number of communes, half by population."""
        ncom = [sum(len(self.communes[d]) for d in deps) for _, _, deps in terrs]
        pop = [sum(r[4] for d in deps for r in self.communes[d]) for _, _, deps in terrs]
        floor = max(1, self.n // (len(terrs) * 10))
        spare = max(0, self.n - floor * len(terrs))
        shares = [0.5 * c / sum(ncom) + 0.5 * p / sum(pop) for c, p in zip(ncom, pop)]
        raw = [spare * s for s in shares]
        counts = [floor + int(r) for r in raw]
        order = sorted(range(len(terrs)), key=lambda i: (-(raw[i] - int(raw[i])), i))
        for i in order[: self.n - sum(counts)]:
            counts[i] += 1
        return counts

    def run(self, dest: Path, limit: int | None = None) -> dict[str, int]:
        terrs = self.territories()
        counts = self.allocate(terrs)  # the country's shares, whatever part of it is written
        if limit:
            terrs, counts = terrs[:limit], counts[:limit]
        total = 2 * self.n  # exactly two services per structure on average: 1, 2 or 3
        per = [1] * (self.n // 4) + [3] * (self.n // 4)
        per += [2] * (self.n - len(per))
        self.rng.shuffle(per)
        stats = {"territoires": 0, "structures": 0, "services": 0, "fichiers": 0}
        k = 0
        for (tid, name, deps), count in zip(terrs, counts):
            folder = dest / tid
            (folder / "structures").mkdir(parents=True, exist_ok=True)
            (folder / "territoire.yaml").write_text(dump(self.territory(tid, name, deps), "TERRITOIRE "
                                                    "SYNTHÉTIQUE (bench/generate.py) : rien n'y existe"),
                                                    encoding="utf-8")
            stats["territoires"] += 1
            stats["fichiers"] += 1
            ids: list[str] = []
            dac = ""
            for i in range(count):
                s = self.structure(tid, deps, i, per[k], ids, dac)
                k += 1
                if s["type"] == "DAC" and not dac:
                    dac = s["id"]
                ids.append(s["id"])
                (folder / "structures" / f"{s['id']}.yaml").write_text(dump(s), encoding="utf-8")
                stats["structures"] += 1
                stats["services"] += len(s["services"])
                stats["fichiers"] += 1
        assert limit or stats["services"] == total, (stats, total)
        return stats

    def territory(self, tid: str, name: str, deps: list[str]) -> dict[str, Any]:
        return {
            "id": tid,
            "nom": f"{name} (synthétique)",
            "fictif": True,
            "description": f"Territoire SYNTHÉTIQUE généré pour les mesures de performance ({name}). "
                           "Structures, services et contacts inventés.",
            "perimetre": {"departements": deps},
            "sources": [{"titre": "Données synthétiques (bench/generate.py)", "consulte_le": date(2025, 11, 1),
                         "note": "Périmètre tiré du COG ; contenu inventé."}],
            "verification": {"derniere_modification": date(2025, 11, 1),
                             "derniere_verification": date(2025, 11, 1), "frequence_revue_mois": 60},
        }

    def pick_commune(self, deps: list[str]) -> tuple[str, str, str, str, int]:
        rows = self.communes[self.rng.choice(deps)]
        # Larger communes host more structures, with a floor so that villages get some too.
        return self.rng.choices(rows, weights=[50 + r[4] for r in rows])[0]

    def zone(self, deps: list[str], home: tuple[str, str, str, str, int]) -> dict[str, Any]:
        rng = self.rng
        roll = rng.random()
        same_dep = [r for d in deps for r in self.communes[d]]
        if roll < 0.30:
            return {"departements": list(deps)}
        if roll < 0.60 and home[2]:
            return {"epci": [home[2]]}
        if roll < 0.70:
            epcis = sorted({r[2] for r in same_dep if r[2]})
            chosen = sorted(rng.sample(epcis, min(len(epcis), rng.randint(2, 4))))
            zone: dict[str, Any] = {"epci": chosen} if chosen else {"departements": list(deps)}
            if chosen and rng.random() < 0.5:
                inside = [r[0] for r in same_dep if r[2] in chosen]
                zone["exclus"] = {"communes": sorted(rng.sample(inside, min(len(inside), rng.randint(1, 3))))}
            return zone
        if roll < 0.75:
            return {"departements": list(deps), "exclus": {"communes": [home[0]]}}
        # A list of communes around the address: the same EPCI first, then the département.
        near = [r[0] for r in same_dep if home[2] and r[2] == home[2]] or [r[0] for r in same_dep]
        size = min(len(near), rng.choice([1, 2, 3, 5, 8, 12, 20, 40]))
        return {"communes": sorted({home[0], *rng.sample(near, size)})}

    def finess(self, dep: str) -> str:
        n = self.finess_seq.get(dep, 0) + 1
        self.finess_seq[dep] = n
        return f"{dep}{n:06d}" if len(dep) == 3 else f"{dep}{n:07d}"

    def siret(self) -> str:
        self.siret_seq += 1
        return luhn_complete(f"8{self.siret_seq:012d}")

    def structure(self, tid: str, deps: list[str], i: int, n_services: int, earlier: list[str],
                  dac: str) -> dict[str, Any]:
        rng = self.rng
        home = self.pick_commune(deps)
        if i == 0 and "DAC" in self.vocab.types:
            stype = "DAC"
        elif dac and self.old_types and rng.random() < 0.03:
            stype = rng.choice(self.old_types)
        else:
            stype = rng.choice(self.current_types)
        t = self.vocab.types[stype]
        sid = f"{tid.removeprefix('synth-')}-{slug(stype)}-{i:05d}"
        nom = f"{t.libelle} de {home[1]}{rng.choice(QUALIFS)}"
        s: dict[str, Any] = {"id": sid, "nom": nom}
        if rng.random() < 0.4:
            s["sigle"] = f"{stype} {deps[0]}"
        s["type"] = stype
        s["nature"] = rng.choice(self.natures)
        ident: dict[str, Any] = {}
        if t.finess and rng.random() < 0.7:
            ident["finess"] = [self.finess(deps[0]) for _ in range(1 if rng.random() < 0.9 else 2)]
        if rng.random() < 0.6:
            ident["siret"] = self.siret()
        if ident:
            s["identifiants"] = ident
        addr: dict[str, Any] = {"ligne": f"{rng.randint(1, 120)} {rng.choice(RUES)}"}
        if home[3]:
            addr["code_postal"] = home[3]
        addr["commune"] = home[0]
        s["adresse"] = addr
        s["contact"] = {"telephone": f"01 99 00 {rng.randint(0, 99):02d} {rng.randint(0, 99):02d}",
                        "courriel": f"contact@{sid}.exemple.invalid", "site": f"https://{sid}.exemple.invalid"}
        if t.historique and dac:
            s["statut"] = "absorbe"
            s["absorbee_par"] = {"structure": dac, "depuis": date(2022, 7, 1)}
        else:
            s["statut"] = "suspendu" if rng.random() < 0.01 else "actif"
        if earlier and rng.random() < 0.05:
            s["porteur"] = rng.choice(earlier)
        if earlier and rng.random() < 0.3:
            s["partenaires"] = sorted(set(rng.sample(earlier, min(len(earlier), rng.randint(1, 3)))))
        if rng.random() < 0.1:
            s["historique"] = [{"date": day(rng, date(2005, 1, 1), 6000), "evenement": "creation",
                                "description": f"Création de {nom}."}]
        s["sources"] = [{"titre": "Données synthétiques (bench/generate.py)", "consulte_le": date(2025, 11, 1)}]
        checked = day(rng, date(2025, 1, 1), 300)
        s["verification"] = {"derniere_modification": checked, "derniere_verification": checked,
                             "frequence_revue_mois": 6 if rng.random() < 0.02 else 60}
        s["services"] = [self.service(sid, j, stype, deps, home) for j in range(n_services)]
        return s

    def service(self, sid: str, j: int, stype: str, deps: list[str], home: tuple[str, str, str, str, int]
                ) -> dict[str, Any]:
        rng = self.rng
        vtype = stype if j == 0 or rng.random() < 0.7 else rng.choice(self.current_types)
        t = self.vocab.types[vtype]
        pool = list(t.besoins) or self.needs
        needs = rng.sample(pool, rng.randint(1, len(pool)))
        if rng.random() < 0.1:
            needs.append(rng.choice(self.needs))
        sv: dict[str, Any] = {"id": f"{sid}-s{j + 1}", "nom": f"{t.libelle} — {rng.choice(ACTIVITES)}",
                              "type": vtype, "besoins": list(dict.fromkeys(needs))}
        publics: dict[str, Any] = {}
        if rng.random() < 0.4 and "tous-publics" in self.publics:
            publics["inclus"] = ["tous-publics"]
        else:
            publics["inclus"] = sorted(rng.sample(self.publics, rng.randint(1, 3)))
        if rng.random() < 0.1:
            publics["exclus"] = [rng.choice(self.publics)]
        if rng.random() < 0.25:
            lo = rng.choice([0, 16, 18, 60, 65, 75])
            publics["age_min"] = lo
            if rng.random() < 0.3:
                publics["age_max"] = min(130, lo + rng.choice([5, 10, 40]))
        publics["accueil"] = rng.choice(["inconditionnel", "inconditionnel", "preferentiel", "exclusif"])
        sv["publics"] = publics
        acces: dict[str, Any] = {"prescription": bool(t.prescription),
                                 "orienteurs": sorted(rng.sample(self.orienteurs, rng.randint(1, 4))),
                                 "consentement": rng.random() < 0.6}
        if rng.random() < 0.2:
            acces["conditions"] = [rng.choice(CONDITIONS)]
        sv["acces"] = acces
        sv["zone"] = self.zone(deps, home)
        sv["modes"] = sorted(rng.sample(MODES, rng.randint(1, 3)))
        sv["horaires"] = rng.choice(HORAIRES)
        if rng.random() < 0.02:
            start = day(rng, date(2025, 6, 1), 400)
            sv["suspension"] = {"du": start, "au": start + timedelta(days=30), "motif": "fermeture estivale"}
        return sv


def main(argv: list[str] | None = None) -> Path:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dossier", nargs="?", type=Path, help="dossier de sortie (défaut : nouveau dossier temporaire)")
    ap.add_argument("--structures", type=int, default=30_000, help="nombre de structures (défaut 30000)")
    ap.add_argument("--seed", type=int, default=2026, help="graine (défaut 2026)")
    ap.add_argument("--regles", type=Path, default=None, help="dossier rules/ (défaut : celui du dépôt)")
    ap.add_argument("--territoires", type=int, default=None,
                    help="ne garder que les N premiers territoires (départements) ; --structures reste le total "
                         "du pays, réparti comme pour le jeu complet")
    args = ap.parse_args(argv)
    if args.structures < 1:
        ap.error("--structures doit être positif")
    dest: Path = args.dossier or Path(tempfile.mkdtemp(prefix="orienter-national-"))
    if dest.exists() and any(dest.iterdir()) and not (dest / MARKER).exists():
        ap.error(f"{dest} n'est pas vide et n'a pas été créé par ce script : choisissez un dossier vide")
    if (dest / MARKER).exists():
        import shutil

        shutil.rmtree(dest)
    dest.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    gen = Generator(args.structures, args.seed, args.regles or rules_dir())
    stats = gen.run(dest, args.territoires)
    (dest / MARKER).write_text(json.dumps({"seed": args.seed, "structures": args.structures, **stats},
                                          ensure_ascii=False) + "\n", encoding="utf-8")
    elapsed = time.perf_counter() - started
    print(f"{stats['territoires']} territoires, {stats['structures']} structures, {stats['services']} services, "
          f"{stats['fichiers']} fichiers en {elapsed:.1f} s", file=sys.stderr)
    print(dest)
    return dest


if __name__ == "__main__":
    main()
