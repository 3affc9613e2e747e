"""Read the public FINESS registers into `Etablissement` records.

Two formats (DOMAIN.md §8):
- the FINESS+ daily JSON "structures" feed (data.gouv.fr): legal entities `pmej[]`, each with its
  establishments `ege[]`. A national feed is about 300 MB: it is decoded by msgspec into typed
  structs that keep only the fields read here (a plain `json.load` builds several GB of dicts);
- the historical etalab CSV extract: `;`-separated, a metadata first line, `structureet` rows of
  32 fields and `geolocalisation` rows (Lambert-93), Windows-1252 more often than UTF-8.

The two feeds disagree on spellings (`informationsGeneralesPMEJ` in the published sample,
`informationsGeneralesPmej` in the schema; codes as strings or as `{"code": ...}` objects): both
are accepted. Whatever is wrong in a file becomes an `OrienterError` in French naming the file,
the line or the record, and what to do; nothing here writes anything.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Iterable

import msgspec

from orienter.core.diagnostics import OrienterError
from orienter.core.paths import display_path

JSON_FORMAT = "finess+json"
CSV_FORMAT = "etalab-csv"
FORMAT_LABELS = {JSON_FORMAT: "FINESS+ (flux JSON « structures »)", CSV_FORMAT: "FINESS, extraction etalab (CSV)"}


@dataclass(slots=True)
class Etablissement:
    """One establishment (entité géographique) as the register gives it; nothing invented."""

    finess: str
    nom: str
    categorie: str | None
    ouvert: bool
    ref: str  # where it stands in the file, for messages: "pmej[12].ege[0]" or "ligne 345"
    finess_ej: str | None = None
    siret: str | None = None
    ligne: str | None = None
    complement: str | None = None
    code_postal: str | None = None
    acheminement: str | None = None
    commune: str | None = None  # INSEE code
    telephone: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    date_fermeture: str | None = None
    date_maj: str | None = None

    @property
    def departement(self) -> str | None:
        """From the INSEE code of the commune (3 characters overseas); else from the FINESS number."""
        code = self.commune or ""
        if len(code) == 5:
            return code[:3] if code.startswith("97") or code.startswith("98") else code[:2]
        return None


@dataclass
class Flux:
    format: str
    fichier: str  # display path
    nom_fichier: str
    date_extraction: date
    etablissements: list[Etablissement] = field(default_factory=list)
    date_extraction_lue: bool = True  # False: not in the file, taken from its name or today

    @property
    def libelle(self) -> str:
        return FORMAT_LABELS[self.format]


def read_finess(path: Path, today: date | None = None) -> Flux:
    """Detect the format from the first bytes and read the whole file."""
    today = today or date.today()
    shown = display_path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise OrienterError(f"{shown} : fichier introuvable. Vérifiez le chemin (le flux se télécharge sur "
                            "data.gouv.fr, jeu « FINESS+ » ou « FINESS Extraction du Fichier des établissements »).") from None
    except IsADirectoryError:
        raise OrienterError(f"{shown} est un dossier : donnez le fichier du flux FINESS.") from None
    except OSError as exc:
        raise OrienterError(f"{shown} : lecture impossible ({exc.strerror or exc}).") from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    head = data[:4096].lstrip()
    if not head:
        raise OrienterError(f"{shown} : fichier vide. Re-téléchargez le flux FINESS.")
    if b"\x00" in data[:4096]:
        raise OrienterError(f"{shown} : fichier binaire ou encodé en UTF-16 (octets nuls). Attendu : le flux "
                            "FINESS+ en JSON ou l'extraction etalab en CSV (texte).")
    if head[:1] in (b"{", b"["):
        return _read_json(data, path, shown, today)
    return _read_csv(data, path, shown, today)


# --- FINESS+ JSON ------------------------------------------------------------------------------


class _Code(msgspec.Struct):
    code: str | None = None


class _Date(msgspec.Struct):
    dateEvenement: str | None = None


class _Coords(msgspec.Struct):
    directionLatitude: str | None = None
    directionLongitude: str | None = None


class _Adresse(msgspec.Struct):
    usageAdresse: str | None = None
    numeroVoie: str | None = None
    typeVoie: str | None = None
    libelleVoie: str | None = None
    complementVoie: str | None = None
    complementPointGeographique: str | None = None
    lieuDit: str | None = None
    cogCommune: str | None = None
    ligneAcheminement: str | None = None
    ligneQuatre: str | None = None
    codePostal: str | None = None
    coordonneesGeographique: _Coords | None = None


class _Telecom(msgspec.Struct):
    telephone: str | None = None


class _Contact(msgspec.Struct):
    telecom: _Telecom | None = None


class _InfoEge(msgspec.Struct):
    numFinessEge: str
    nomEgeCourt: str | None = None
    nomEgeLong: str | None = None
    siret: str | None = None
    dateFermeture: str | None = None


class _Ege(msgspec.Struct):
    informationsGeneralesEGE: _InfoEge
    categorieentiteGeographiqueExercice: str | _Code | None = None
    categorieEntiteGeographiqueExercice: str | _Code | None = None
    siret: str | None = None
    adresse: list[_Adresse] = []
    contact: list[_Contact] = []
    etatObjet: str | _Code | None = None
    dateDerniereMaj: str | _Date | None = None


class _InfoPm(msgspec.Struct):
    numFinessPm: str | None = None


class _Pmej(msgspec.Struct):
    informationsGeneralesPMEJ: _InfoPm | None = None
    informationsGeneralesPmej: _InfoPm | None = None
    ege: list[_Ege] = []


class _Feed(msgspec.Struct):
    pmej: list[_Pmej]
    generatedAt: str | None = None
    schemaVersion: str | None = None


_NOT_FEED = ("Ce n'est pas le flux FINESS+ des structures : téléchargez sur data.gouv.fr le flux quotidien "
             "« structures » (fichier du type finess-structures-journalier-AAAAMMJJ.json ; le flux « activités » "
             "ne convient pas).")


def _read_json(data: bytes, path: Path, shown: str, today: date) -> Flux:
    try:
        feed = msgspec.json.decode(data, type=_Feed)
    except msgspec.ValidationError as exc:
        raise OrienterError(f"{shown} : {_french_validation(str(exc))}. {_NOT_FEED}") from None
    except msgspec.DecodeError as exc:
        raise OrienterError(_json_syntax_message(data, shown, str(exc))) from None
    extraction, known = _extraction_date(feed.generatedAt, path, today)
    flux = Flux(JSON_FORMAT, shown, path.name, extraction, date_extraction_lue=known)
    for i, pm in enumerate(feed.pmej):
        info = pm.informationsGeneralesPMEJ or pm.informationsGeneralesPmej
        ej = _clean(info.numFinessPm) if info else None
        for j, ege in enumerate(pm.ege):
            flux.etablissements.append(_from_ege(ege, ej, f"pmej[{i}].ege[{j}]", today))
    return flux


def _from_ege(ege: _Ege, ej: str | None, ref: str, today: date) -> Etablissement:
    info = ege.informationsGeneralesEGE
    address = _pick_address(ege.adresse)
    state = _code(ege.etatObjet)
    closing = _clean(info.dateFermeture)
    closed = (state is not None and state.upper() != "A") or (closing is not None and closing[:10] <= today.isoformat())
    lat = lon = None
    if address and address.coordonneesGeographique:
        lat = _float(address.coordonneesGeographique.directionLatitude)
        lon = _float(address.coordonneesGeographique.directionLongitude)
    phone = next((_clean(c.telecom.telephone) for c in ege.contact if c.telecom and _clean(c.telecom.telephone)), None)
    maj = ege.dateDerniereMaj.dateEvenement if isinstance(ege.dateDerniereMaj, _Date) else ege.dateDerniereMaj
    return Etablissement(
        finess=_clean(info.numFinessEge) or "",
        nom=_name(info.nomEgeLong) or _name(info.nomEgeCourt) or "",
        categorie=_code(ege.categorieentiteGeographiqueExercice) or _code(ege.categorieEntiteGeographiqueExercice),
        ouvert=not closed,
        ref=ref,
        finess_ej=ej,
        siret=_clean(info.siret) or _clean(ege.siret),
        ligne=_street(address) if address else None,
        complement=_complement(address) if address else None,
        code_postal=_clean(address.codePostal) if address else None,
        acheminement=_name(address.ligneAcheminement) if address else None,
        commune=_clean(address.cogCommune) if address else None,
        telephone=phone,
        latitude=lat if lat is not None and -90 <= lat <= 90 else None,
        longitude=lon if lon is not None and -180 <= lon <= 180 else None,
        date_fermeture=closing[:10] if closing else None,
        date_maj=_clean(maj)[:10] if _clean(maj) else None,
    )


def _pick_address(addresses: list[_Adresse]) -> _Adresse | None:
    # "03" is the address of the establishment itself in the sample; otherwise the first one.
    return next((a for a in addresses if a.usageAdresse == "03"), addresses[0] if addresses else None)


def _street(a: _Adresse) -> str | None:
    if _name(a.ligneQuatre):
        return _name(a.ligneQuatre)
    parts = [_clean(a.numeroVoie), _voie(_clean(a.typeVoie)), _name(a.libelleVoie)]
    return " ".join(p for p in parts if p) or None


def _complement(a: _Adresse) -> str | None:
    parts = [_name(a.complementVoie), _name(a.complementPointGeographique), _name(a.lieuDit)]
    return ", ".join(p for p in parts if p) or None


def _code(value: str | _Code | None) -> str | None:
    return _clean(value.code if isinstance(value, _Code) else value)


def _french_validation(text: str) -> str:
    """msgspec's messages, in French, with their JSON path ($.pmej[3].ege[0]...)."""
    where = ""
    if " - at `" in text:
        text, where = text.split(" - at `", 1)
        where = f" (à l'emplacement {where.rstrip('`')})"
    missing = re.match(r"Object missing required field `(\w+)`", text)
    if missing:
        return f"champ « {missing.group(1)} » absent{where}"
    wrong = re.match(r"Expected `([^`]*)`, got `(\w+)`", text)
    if wrong:
        return f"valeur de type {wrong.group(2)} là où le flux a {wrong.group(1)}{where}"
    return f"structure inattendue : {text}{where}"


def _json_syntax_message(data: bytes, shown: str, detail: str) -> str:
    if "UTF-8" in detail or "utf-8" in detail:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line, col = _position(data, exc.start)
            return (f"{shown}:{line}:{col}: le flux JSON n'est pas en UTF-8 (octet 0x{data[exc.start]:02X}) : "
                    "re-téléchargez le fichier sans l'ouvrir ni l'enregistrer dans un tableur.")
    if "truncated" in detail:
        line, col = _position(data, len(data))
        return (f"{shown}:{line}:{col}: le fichier s'arrête avant la fin du JSON (téléchargement interrompu ?) : "
                "re-téléchargez le flux FINESS+.")
    at = re.search(r"\(byte (\d+)\)", detail)
    if at:
        line, col = _position(data, int(at.group(1)))
        return f"{shown}:{line}:{col}: JSON invalide à cet endroit. Re-téléchargez le flux FINESS+. {_NOT_FEED}"
    return f"{shown} : JSON invalide ({detail}). Re-téléchargez le flux FINESS+."


def _position(data: bytes, offset: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, offset) + 1
    start = data.rfind(b"\n", 0, offset) + 1
    return line, offset - start + 1


def _extraction_date(generated: str | None, path: Path, today: date) -> tuple[date, bool]:
    if generated:
        try:
            return date.fromisoformat(generated[:10]), True
        except ValueError:
            pass
    return _date_from_name(path, today)


def _date_from_name(path: Path, today: date) -> tuple[date, bool]:
    m = re.search(r"(20\d{2})-?(\d{2})-?(\d{2})", path.name)
    if m:
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3))), True
        except ValueError:
            pass
    return today, False


# --- etalab CSV --------------------------------------------------------------------------------

# structureet fields, in order (DOMAIN.md §8); older files stop before numuai.
_FIELDS = ("typeet", "nofinesset", "nofinessej", "rs", "rslongue", "complrs", "compldistrib", "numvoie", "typvoie",
           "voie", "compvoie", "lieuditbp", "commune", "departement", "libdepartement", "ligneacheminement",
           "telephone", "telecopie", "categetab", "libcategetab", "categagretab", "libcategagretab", "siret",
           "codeape", "codemft", "libmft", "codesph", "libsph", "dateouv", "dateautor", "datemaj", "numuai")

_NOT_EXTRACT = ("Attendu : l'extraction etalab du FINESS (« etalab-cs1100507-stock-AAAAMMJJ-HHMM.csv »), dont la "
                "première ligne est « finess;etalab;…;AAAA-MM-JJ », ou le flux FINESS+ en JSON.")


def _decode(data: bytes, shown: str) -> tuple[str, str]:
    """UTF-8 when it is, else Windows-1252 (detected, not assumed); else the bad byte, located."""
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError as exc:
        line, col = _position(data, exc.start)
        raise OrienterError(f"{shown}:{line}:{col}: octet 0x{data[exc.start]:02X} illisible en UTF-8 comme en "
                            "Windows-1252 : le fichier est abîmé ou dans un autre encodage. Re-téléchargez "
                            "l'extraction FINESS.") from None


def _read_csv(data: bytes, path: Path, shown: str, today: date) -> Flux:
    text, _ = _decode(data, shown)
    lines = text.splitlines()
    meta = lines[0].split(";")
    if meta[0].strip().lower() != "finess" or len(meta) < 4:
        raise OrienterError(f"{shown}:1:1: première ligne « {lines[0][:60]} » : ce n'est pas une extraction FINESS. "
                            f"{_NOT_EXTRACT}")
    try:
        extraction, known = date.fromisoformat(meta[3].strip()[:10]), True
    except ValueError:
        extraction, known = _date_from_name(path, today)
    flux = Flux(CSV_FORMAT, shown, path.name, extraction, date_extraction_lue=known)
    coords: dict[str, tuple[float, float]] = {}
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        parts = line.split(";")
        kind = parts[0].strip().lower()
        if kind == "structureet":
            flux.etablissements.append(_from_row(parts, number, shown))
        elif kind == "geolocalisation":
            point = _geoloc(parts, number, shown)
            if point is not None:
                coords[parts[1].strip()] = point
        else:
            raise OrienterError(f"{shown}:{number}:1: ligne de type « {parts[0][:30]} » inconnue (attendu "
                                f"structureet ou geolocalisation). {_NOT_EXTRACT}")
    for e in flux.etablissements:
        if e.finess in coords:
            e.latitude, e.longitude = coords[e.finess]
    return flux


def _from_row(parts: list[str], number: int, shown: str) -> Etablissement:
    if len(parts) == len(_FIELDS) + 1 and parts[-1] == "":
        parts = parts[:-1]  # a trailing ";"
    if len(parts) == len(_FIELDS) - 1:
        parts = [*parts, ""]  # older files: no numuai
    if len(parts) != len(_FIELDS):
        raise OrienterError(f"{shown}:{number}:1: ligne structureet de {len(parts)} champs au lieu de {len(_FIELDS)} "
                            "(fichier tronqué, ou « ; » dans un champ ?) : re-téléchargez l'extraction FINESS.")
    row = dict(zip(_FIELDS, (p.strip() for p in parts)))
    finess = row["nofinesset"]
    if not re.fullmatch(r"(?:\d{2}|2[AB]|9[A-F])\d{7}|\d{9}", finess):
        raise OrienterError(f"{shown}:{number}:1: numéro FINESS « {finess} » illisible : le fichier n'est pas une "
                            f"extraction FINESS valide. {_NOT_EXTRACT}")
    dep = row["departement"]
    insee = None
    if len(dep) == 2 and len(row["commune"]) == 3:
        insee = ("97" if dep[0] == "9" and dep[1].isalpha() else dep) + row["commune"]
    postal, city = _acheminement(row["ligneacheminement"])
    street = " ".join(p for p in (row["numvoie"], _voie(row["typvoie"]), _name(row["voie"])) if p) or None
    complement = ", ".join(p for p in (_name(row["compvoie"]), _name(row["compldistrib"]), _name(row["lieuditbp"]))
                           if p) or None
    return Etablissement(
        finess=finess, nom=_name(row["rslongue"]) or _name(row["rs"]) or "", categorie=row["categetab"] or None,
        ouvert=True, ref=f"ligne {number}", finess_ej=row["nofinessej"] or None, siret=row["siret"] or None,
        ligne=street, complement=complement, code_postal=postal, acheminement=city, commune=insee,
        telephone=row["telephone"] or None, date_maj=row["datemaj"][:10] or None)


def _geoloc(parts: list[str], number: int, shown: str) -> tuple[float, float] | None:
    if len(parts) < 5:
        raise OrienterError(f"{shown}:{number}:1: ligne geolocalisation incomplète ({len(parts)} champs) : "
                            "fichier tronqué ? Re-téléchargez l'extraction FINESS.")
    source = ";".join(parts[4:-1]).upper()
    x, y = _float(parts[2]), _float(parts[3])
    if x is None or y is None or "LAMBERT_93" not in source:
        return None  # overseas projections are not converted: no coordinates rather than wrong ones
    return lambert93_to_wgs84(x, y)


def _acheminement(value: str) -> tuple[str | None, str | None]:
    m = re.match(r"\s*(\d{5})\s*(.*)$", value)
    if not m:
        return None, _name(value)
    return m.group(1), _name(m.group(2))


# --- helpers -----------------------------------------------------------------------------------

# Standard French street-type abbreviations used by FINESS; an unknown one is kept as written.
_VOIES = {"R": "RUE", "AV": "AVENUE", "BD": "BOULEVARD", "PL": "PLACE", "CHE": "CHEMIN", "RTE": "ROUTE",
          "ALL": "ALLEE", "IMP": "IMPASSE", "CRS": "COURS", "SQ": "SQUARE", "QU": "QUAI", "PASS": "PASSAGE",
          "FG": "FAUBOURG", "LOT": "LOTISSEMENT", "RES": "RESIDENCE", "ZA": "ZONE ARTISANALE",
          "ZI": "ZONE INDUSTRIELLE", "CHS": "CHAUSSEE", "PRO": "PROMENADE", "VOIE": "VOIE", "SEN": "SENTIER"}


def _voie(value: str | None) -> str | None:
    if not value:
        return None
    return _VOIES.get(value.upper(), value)


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def _name(value: str | None) -> str | None:
    """Registers pad names with spaces ("CLINIQUE BEL AIR  BOURG   "): collapse, keep the words."""
    if value is None:
        return None
    return " ".join(value.split()) or None


def _float(value: str | None) -> float | None:
    try:
        number = float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None
    return number if number is not None and math.isfinite(number) else None


def lambert93_to_wgs84(x: float, y: float) -> tuple[float, float]:
    """Inverse Lambert conformal conic (Lambert-93, RGF93 / GRS80) to latitude, longitude in degrees,
    rounded to 6 decimals (about 10 cm). Formulas of the IGN note NTG_71."""
    a, e = 6378137.0, 0.08181919104281579
    lon0, phi0, phi1, phi2 = math.radians(3), math.radians(46.5), math.radians(44), math.radians(49)
    x0, y0 = 700000.0, 6600000.0

    def m(phi: float) -> float:
        return math.cos(phi) / math.sqrt(1 - (e * math.sin(phi)) ** 2)

    def t(phi: float) -> float:
        s = e * math.sin(phi)
        return math.tan(math.pi / 4 - phi / 2) / ((1 - s) / (1 + s)) ** (e / 2)

    n = (math.log(m(phi1)) - math.log(m(phi2))) / (math.log(t(phi1)) - math.log(t(phi2)))
    f = m(phi1) / (n * t(phi1) ** n)
    rho0 = a * f * t(phi0) ** n
    dx, dy = x - x0, rho0 - (y - y0)
    rho = math.copysign(math.hypot(dx, dy), n)
    tt = (rho / (a * f)) ** (1 / n)
    lon = math.atan2(dx, dy) / n + lon0
    phi = math.pi / 2 - 2 * math.atan(tt)
    for _ in range(10):
        s = e * math.sin(phi)
        nxt = math.pi / 2 - 2 * math.atan(tt * ((1 - s) / (1 + s)) ** (e / 2))
        if abs(nxt - phi) < 1e-12:
            phi = nxt
            break
        phi = nxt
    return round(math.degrees(phi), 6), round(math.degrees(lon), 6)


def in_scope(etablissements: Iterable[Etablissement], departements: set[str] | None,
             categories: set[str] | None) -> list[Etablissement]:
    """The establishments an import looks at (département and category filters)."""
    return [e for e in etablissements
            if (not departements or e.departement in departements or (e.finess[:2] in departements))
            and (not categories or e.categorie in categories)]
