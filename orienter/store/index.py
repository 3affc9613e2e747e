"""Compiled lookups over validated territories: which services cover a commune, which answer a need.

Zones are indexed by the COG code they name ("c:94081", "e:200054781", "d:94", "r:11") rather
than expanded to communes: a département-wide service is one entry, not 47 — the index stays
small at national scale and a lookup costs five dictionary reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from orienter.load.geo import Commune, Geo
from orienter.load.model import Service, Structure, Zone, ZoneExclue
from orienter.load.territory import Territory


@dataclass(frozen=True)
class Entry:
    territory: Territory
    structure: Structure
    service: Service

    @property
    def fictif(self) -> bool:
        return self.territory.model.fictif

    @property
    def national(self) -> bool:
        """A service of the national layer (one entry point for all of France)."""
        return bool(self.service.zone and self.service.zone.france)


FRANCE_KEY = "f:FR"


def zone_keys(zone: Zone) -> list[str]:
    return ([FRANCE_KEY] if getattr(zone, "france", False) else []) + ([f"c:{c}" for c in zone.communes] + [f"e:{c}" for c in zone.epci]
            + [f"d:{c}" for c in zone.departements] + [f"r:{c}" for c in zone.regions])


def commune_keys(c: Commune) -> list[str]:
    keys = [f"c:{c.code}", f"d:{c.departement}", f"r:{c.region}", FRANCE_KEY]
    if c.epci:
        keys.append(f"e:{c.epci}")
    if c.ept:
        keys.append(f"e:{c.ept}")
    return keys


def zone_holds(zone: Zone, commune: Commune, geo: Geo) -> bool:
    """Does this zone (a perimeter, a service's zone) hold the commune? Decided on COG codes,
    without expanding the zone to its communes."""
    keys = set(commune_keys(commune))
    if keys.isdisjoint(_current_keys(zone, geo)):
        return False
    return not (zone.exclus and not keys.isdisjoint(_current_keys(zone.exclus, geo)))


def _current_keys(zone: Zone, geo: Geo) -> list[str]:
    """Zone keys with arrondissements and communes déléguées mapped to their current commune,
    the only commune code a person's resolution yields."""
    return [f"c:{geo.current_code(k[2:])}" if k.startswith("c:") else k for k in zone_keys(zone)]


def _names(zone: ZoneExclue, c: Commune, codes: set[str]) -> bool:
    """Does the zone name the commune, directly (`codes`: the codes that are this commune
    today) or through its EPCI, département or région? `zone_holds` on keys, without the keys."""
    return bool(getattr(zone, "france", False) or c.departement in zone.departements or c.region in zone.regions
                or (c.epci and c.epci in zone.epci) or (c.ept and c.ept in zone.epci)
                or not codes.isdisjoint(zone.communes))


class Index:
    def __init__(self, territories: Iterable[Territory], geo: Geo):
        self.geo = geo
        self.territories = list(territories)
        self.entries: list[Entry] = [Entry(t, s, sv) for t in self.territories for s in t.structures
                                     for sv in s.services]
        self._by_key: dict[str, list[int]] | None = None
        # Excluded zone keys per entry, computed once: `covering` runs per commune in reports.
        self._excluded: dict[int, set[str]] = {}
        self._last: tuple[str, list[Entry]] | None = None

    @property
    def by_key(self) -> dict[str, list[int]]:
        """Entry numbers by zone key, built on first use."""
        if self._by_key is None:
            self._by_key = {}
            for idx, e in enumerate(self.entries):
                zone = e.service.zone
                if zone is None:
                    continue
                for key in _current_keys(zone, self.geo):
                    self._by_key.setdefault(key, []).append(idx)
                if zone.exclus:
                    self._excluded[idx] = set(_current_keys(zone.exclus, self.geo))
        return self._by_key

    def covering(self, commune: Commune) -> list[Entry]:
        """Services whose zone contains the commune, in data order (deterministic)."""
        if self._last is not None and self._last[0] == commune.code:
            return self._last[1]
        # A question asks about one commune: looking at each zone once costs less than keying
        # every zone. Reports ask about thousands, and from the second commune on get the index.
        found = self._scan(commune) if self._by_key is None and self._last is None else self._indexed(commune)
        self._last = (commune.code, found)
        return found

    def _indexed(self, commune: Commune) -> list[Entry]:
        keys = commune_keys(commune)
        found: set[int] = set()
        for key in keys:
            found.update(self.by_key.get(key, ()))
        return [self.entries[i] for i in sorted(found)
                if i not in self._excluded or self._excluded[i].isdisjoint(keys)]

    def _scan(self, commune: Commune) -> list[Entry]:
        codes = self.geo.codes_now(commune.code)
        return [e for e in self.entries
                if e.service.zone is not None and _names(e.service.zone, commune, codes)
                and not (e.service.zone.exclus and _names(e.service.zone.exclus, commune, codes))]

    def territories_covering(self, commune: Commune) -> list[Territory]:
        return [t for t in self.territories if zone_holds(t.model.perimetre, commune, self.geo)]

    def service_communes(self, sv: Service) -> set[str]:
        if sv.zone is None:
            return set()
        z = sv.zone
        out = self.geo.expand(z.communes, z.epci, z.departements, z.regions, france=z.france)
        if z.exclus:
            out -= self.geo.expand(z.exclus.communes, z.exclus.epci, z.exclus.departements, z.exclus.regions)
        return out
