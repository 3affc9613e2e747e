"""Public registers in and out: FINESS and data·inclusion imports, data·inclusion and CSV exports.

One job per module:
- `finess`: read the two FINESS formats (FINESS+ JSON feed, historical etalab CSV) into records;
- `datainclusion`: read data·inclusion v1 exports, checked by the official schema package;
- `mapping`: the correspondence tables of rules/correspondances/ (data, not code);
- `records`: register records to structure files (what the register owns, what a person owns);
- `merge`: the import plan (added, changed, closed, conflicts) against a territory and its state;
- `writer`: YAML text of new files, atomic multi-file writes, the git guard;
- `report`: the plan as text or JSON (returned, never printed here);
- `export`: data·inclusion and CSV exports.

Nothing here is imported at CLI start-up: the commands import these modules when they run.
"""
