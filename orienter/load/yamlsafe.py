"""Read YAML safely and keep the line and column of every node.

Knows nothing of the model: it turns bytes into plain Python data plus a way back from a data
path (("services", 0, "zone")) to a position. Everything a hostile or broken file can do is
caught here and turned into a located `Diagnostic` (DESIGN §8):
- no custom tags, no merge keys, duplicate keys refused;
- YAML 1.1 implicit typing replaced by a French-safe one: `01000`, `010000024`, `10:30`, `NO`
  and `2026-05-01` stay strings (pydantic parses dates where the model wants dates);
- alias expansion bounded before the data is walked (billion laughs);
- nesting depth bounded before libyaml's recursive composer can overflow the C stack;
- non-UTF-8, binary and oversized files reported with the position of the first bad byte.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from orienter.core.diagnostics import Diagnostic

from orienter.core.limits import MAX_DEPTH, MAX_EXPANDED_NODES  # noqa: E402

# libyaml's composer recurses in C: only a text whose crude bound exceeds this is scanned
# event by event (iteratively) before composing. Tens of thousands of levels crash it.
SAFE_COMPOSE_BOUND = 3000

_STR = "tag:yaml.org,2002:str"
_ALLOWED_TAGS = {
    _STR,
    "tag:orienter,2026:plain",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
}
_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)\Z")
_FLOAT = re.compile(r"[-+]?(?:(?:0|[1-9][0-9]*)\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?\Z")
_NULLS = {"", "~", "null", "Null", "NULL"}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}

Loc = tuple[str | int, ...]


_PLAIN = "tag:orienter,2026:plain"


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Composer only: every plain scalar gets our own tag and we type it ourselves, so an
    explicit `!!str 123` keeps its string tag."""

    yaml_implicit_resolvers: dict[Any, Any] = {None: [(_PLAIN, re.compile(r"", re.S))]}

    # libyaml's composer calls these three Python methods for every node: the generic versions
    # (path resolvers, regex tables) cost a third of composing; ours answer in one test.
    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        if kind is yaml.ScalarNode:
            return _PLAIN if implicit[0] else _STR
        return "tag:yaml.org,2002:seq" if kind is yaml.SequenceNode else "tag:yaml.org,2002:map"

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        return None

    def ascend_resolver(self) -> None:
        return None


@dataclass
class Document:
    """Data read from one file, with the node tree to locate any path in it."""

    file: str
    data: Any
    root: yaml.Node | None

    def position(self, loc: Loc) -> tuple[int, int]:
        """1-based (line, column) of the deepest node of `loc` present in the file."""
        node = self.root
        if node is None:
            return (1, 1)
        best = node
        for part in loc:
            child = _child(node, part)
            if child is None:
                break
            node = best = child
        return best.start_mark.line + 1, best.start_mark.column + 1

    def key_position(self, loc: Loc) -> tuple[int, int]:
        """Position of the key itself (for "unknown key" errors), else of the value."""
        if loc and isinstance(loc[-1], str):
            parent = self.root
            for part in loc[:-1]:
                parent = _child(parent, part) if parent is not None else None
            if isinstance(parent, yaml.MappingNode):
                for k, _ in parent.value:
                    if isinstance(k, yaml.ScalarNode) and k.value == loc[-1]:
                        return k.start_mark.line + 1, k.start_mark.column + 1
        return self.position(loc)


def _child(node: yaml.Node | None, part: str | int) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == str(part):
                return v
    elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
        if 0 <= part < len(node.value):
            return node.value[part]
    return None


def load_yaml(path: Path, display: str | None = None) -> tuple[Document | None, list[Diagnostic]]:
    """Read one file. Returns the document, or None with the reasons it cannot be used."""
    from orienter.load.files import read_bytes

    raw, problems = read_bytes(path, display or str(path))
    if raw is None:
        return None, problems
    return load_yaml_bytes(raw, display or str(path))


def load_yaml_bytes(raw: bytes, name: str) -> tuple[Document | None, list[Diagnostic]]:
    text, problem = _decode(raw, name)
    if problem:
        return None, [problem]
    assert text is not None
    return load_yaml_text(text, name)


def load_yaml_text(text: str, name: str) -> tuple[Document | None, list[Diagnostic]]:
    if _depth_bound(text) > SAFE_COMPOSE_BOUND:
        deep = _scan_depth(text, name)
        if deep:
            return None, [deep]
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        # Recent libyaml builds stop at 1,000 levels on their own: locate our own, lower limit.
        if "nesting depth" in f"{exc.problem} {exc.context}":
            deep = _scan_depth(text, name)
            if deep:
                return None, [deep]
        return None, [_syntax_diag(name, exc)]
    except yaml.reader.ReaderError as exc:
        return None, [_reader_diag(name, text, exc)]
    except yaml.YAMLError as exc:
        return None, [_diag(name, 1, 1, "O005", f"syntaxe YAML invalide : {exc}")]
    except RecursionError:
        return None, [_diag(name, 1, 1, "O009", f"imbrication trop profonde (plus de {MAX_DEPTH} niveaux)")]
    if root is None:
        return Document(name, None, None), []
    if "*" in text:
        bomb = _check_expansion(root, name)
        if bomb:
            return None, [bomb]
    builder = _Builder(name)
    data = builder.build(root, 0)
    if builder.fatal:
        return None, builder.diagnostics
    return Document(name, data, root), builder.diagnostics


# --- bytes and text ---------------------------------------------------------------


def _decode(raw: bytes, name: str) -> tuple[str | None, Diagnostic | None]:
    nul = raw.find(b"\x00")
    if nul >= 0:
        line, col = _byte_position(raw, nul)
        return None, _diag(name, line, col, "O003", "fichier binaire (octet NUL) : ce n'est pas un "
                           "fichier YAML texte ; vérifiez le nom du fichier ou retirez-le du dossier")
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        line, col = _byte_position(raw, exc.start)
        bad = raw[exc.start]
        hint = ""
        try:
            guess = bytes([bad]).decode("cp1252")
            hint = f" (« {guess} » en Windows-1252)"
        except UnicodeDecodeError:
            pass
        return None, _diag(name, line, col, "O002", f"octet 0x{bad:02X}{hint} invalide en UTF-8 : "
                           "le fichier semble enregistré en Windows-1252 ou Latin-1 (Excel) ; "
                           "réenregistrez-le en UTF-8")


def _byte_position(raw: bytes, offset: int) -> tuple[int, int]:
    line = raw.count(b"\n", 0, offset) + 1
    start = raw.rfind(b"\n", 0, offset) + 1
    col = len(raw[start:offset].decode("utf-8", errors="replace")) + 1
    return line, col


def _depth_bound(text: str) -> int:
    """A cheap upper bound of nesting depth: flow openers plus two levels per column."""
    longest = max((len(line) for line in text.split("\n")), default=0)
    return text.count("[") + text.count("{") + 2 * longest


def _scan_depth(text: str, name: str) -> Diagnostic | None:
    """Exact depth from libyaml's event stream, which (unlike its composer) is iterative."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                # Same rule as the builder: a node with more than MAX_DEPTH ancestors.
                if depth - 1 > MAX_DEPTH:
                    m = event.start_mark
                    return _diag(name, m.line + 1, m.column + 1, "O009",
                                 f"imbrication trop profonde (plus de {MAX_DEPTH} niveaux) : "
                                 "simplifiez la structure du fichier")
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
    except yaml.MarkedYAMLError as exc:
        if "nesting depth" in f"{exc.problem} {exc.context}" and exc.problem_mark:
            # libyaml's scanner looks ahead and stops at its own limit before yielding the
            # events we count: count again on the text before that point to locate ours.
            m = exc.problem_mark
            if 0 < m.index < len(text):
                located = _scan_depth(text[:m.index], name)
                if located is not None and located.code == "O009":
                    return located
            return _diag(name, m.line + 1, m.column + 1, "O009",
                         f"imbrication trop profonde (plus de {MAX_DEPTH} niveaux) : simplifiez la structure du fichier")
        return _syntax_diag(name, exc)
    return None


def _check_expansion(root: yaml.Node, name: str) -> Diagnostic | None:
    """Size of the data once aliases are expanded, computed on the shared node graph
    (iteratively: a deep file must not exhaust Python's stack here)."""
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    reused: yaml.Node | None = None
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        children = _children(node)
        if done:
            on_path.discard(key)
            sizes[key] = min(MAX_EXPANDED_NODES + 1, 1 + sum(sizes[id(c)] for c in children))
            continue
        if key in sizes:
            reused = reused or node
            continue
        if key in on_path:
            m = node.start_mark
            return _diag(name, m.line + 1, m.column + 1, "O008", "alias récursif : une ancre se contient "
                         "elle-même ; remplacez l'alias par sa valeur")
        if len(on_path) > MAX_DEPTH:
            m = node.start_mark
            return _diag(name, m.line + 1, m.column + 1, "O009",
                         f"imbrication trop profonde (plus de {MAX_DEPTH} niveaux) : simplifiez la structure du fichier")
        on_path.add(key)
        stack.append((node, True))
        for child in reversed(children):
            if id(child) in on_path:
                m = child.start_mark
                return _diag(name, m.line + 1, m.column + 1, "O008", "alias récursif : une ancre se contient "
                             "elle-même ; remplacez l'alias par sa valeur")
            if id(child) in sizes:
                reused = reused or child
            else:
                stack.append((child, False))
    if sizes[id(root)] > MAX_EXPANDED_NODES:
        m = (reused or root).start_mark
        return _diag(name, m.line + 1, m.column + 1, "O008", f"les alias (*) développent plus de "
                     f"{MAX_EXPANDED_NODES} valeurs (« billion laughs ») : fichier refusé ; "
                     "écrivez les valeurs sans alias imbriqués")
    return None


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [x for kv in node.value for x in kv]
    return []


# --- node tree to data --------------------------------------------------------------


class _Builder:
    def __init__(self, name: str):
        self.name = name
        self.diagnostics: list[Diagnostic] = []
        self.fatal = False

    def report(self, node: yaml.Node, code: str, message: str, fatal: bool = True) -> None:
        m = node.start_mark
        self.diagnostics.append(_diag(self.name, m.line + 1, m.column + 1, code, message))
        self.fatal = self.fatal or fatal

    def build(self, node: yaml.Node, depth: int) -> Any:
        if depth > MAX_DEPTH:
            if not self.fatal:
                self.report(node, "O009", f"imbrication trop profonde (plus de {MAX_DEPTH} niveaux)")
            return None
        if node.tag not in _ALLOWED_TAGS:
            self.report(node, "O007", f"étiquette « {node.tag} » non autorisée : les fichiers de "
                        "territoire n'utilisent que des valeurs YAML simples ; retirez l'étiquette")
            return None
        if isinstance(node, yaml.ScalarNode):
            return _scalar(node)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(child, depth + 1) for child in node.value]
        return self._mapping(node, depth)

    def _mapping(self, node: yaml.MappingNode, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        first_seen: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge" or (
                isinstance(key_node, yaml.ScalarNode) and key_node.value == "<<" and not key_node.style
            ):
                self.report(key_node, "O010", "clé de fusion « << » non prise en charge : recopiez "
                            "les champs voulus (les alias simples *nom restent permis)")
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self.report(key_node, "O011", "une clé doit être un texte simple, pas une liste ni un bloc")
                continue
            key = key_node.value
            if key in first_seen:
                prev = first_seen[key].start_mark
                self.report(key_node, "O006", f"clé « {key} » en double (déjà ligne {prev.line + 1}) : "
                            "YAML ne garderait que la dernière ; fusionnez les deux valeurs")
                continue
            first_seen[key] = key_node
            out[key] = self.build(value_node, depth + 1)
        return out


def _scalar(node: yaml.ScalarNode) -> Any:
    value = node.value
    tag = node.tag
    if tag == _STR:
        return value
    if tag == _PLAIN:
        if node.style:  # a quoted or block scalar is always text
            return value
        if value in _NULLS:
            return None
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        if _INT.match(value):
            return int(value)
        if _FLOAT.match(value):
            return float(value)
        return value
    if tag == "tag:yaml.org,2002:null":
        return None
    if tag == "tag:yaml.org,2002:bool":
        return value in _TRUE or value.lower() in {"yes", "on", "y"}
    try:
        return int(value) if tag.endswith("int") else float(value)
    except ValueError:
        return value


# --- messages -----------------------------------------------------------------------

_SYNTAX_HINTS = [
    ("found character '\\t'", "tabulation interdite en YAML : indentez avec des espaces"),
    ("found a tab character", "tabulation interdite en YAML : indentez avec des espaces"),
    ("cannot start any token", "caractère interdit en début de valeur (tabulation, @ ou `) : indentez "
     "avec des espaces et mettez la valeur entre guillemets"),
    ("mapping values are not allowed", "« : » inattendu : mettez entre guillemets une valeur qui "
     "contient « : », ou vérifiez l'indentation"),
    ("could not find expected ':'", "« : » attendu après une clé (ou guillemet non fermé)"),
    ("did not find expected key", "indentation incohérente : alignez cette ligne sur les clés du même bloc"),
    ("did not find expected '-' indicator", "indentation incohérente dans une liste"),
    ("did not find expected ',' or ']'", "crochet « ] » ou virgule manquant dans une liste entre crochets"),
    ("did not find expected ',' or '}'", "accolade « } » ou virgule manquante"),
    ("found undefined alias", "alias *nom sans ancre &nom correspondante"),
    ("found unexpected end of stream", "fin de fichier inattendue : un guillemet ou un crochet n'est pas fermé"),
    ("found unknown escape character", "séquence d'échappement inconnue entre guillemets doubles : "
     "utilisez des guillemets simples"),
    ("expected a single document", "plusieurs documents (---) dans un même fichier : un seul est permis"),
    ("found duplicate anchor", "ancre &nom définie deux fois"),
    ("control characters are not allowed", "caractère de contrôle interdit dans le texte"),
]


def _reader_diag(name: str, text: str, exc: yaml.reader.ReaderError) -> Diagnostic:
    pos = max(0, min(exc.position, len(text)))
    line = text.count("\n", 0, pos) + 1
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    char = exc.character if isinstance(exc.character, str) else chr(exc.character)
    return _diag(name, line, col, "O005", f"caractère de contrôle U+{ord(char):04X} interdit dans un fichier "
                 "YAML : supprimez-le (souvent un copier-coller depuis un traitement de texte)")


def _syntax_diag(name: str, exc: yaml.MarkedYAMLError) -> Diagnostic:
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = f"{exc.problem or ''} {exc.context or ''}"
    code = "O012" if "single document" in problem else "O005"
    for needle, french in _SYNTAX_HINTS:
        if needle in problem:
            return _diag(name, line, col, code, f"{french}")
    return _diag(name, line, col, code, f"syntaxe YAML invalide ({(exc.problem or exc.context or '').strip()})")


def _diag(name: str, line: int, col: int, code: str, message: str) -> Diagnostic:
    return Diagnostic(name, line, col, code, message)
