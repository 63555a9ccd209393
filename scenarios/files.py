"""One reading layer for every file the tools accept (plan files, sweep points): each failure is one line.

A file that is missing, a directory, unreadable, too large, binary, not UTF-8 (Latin-1, UTF-16), a YAML alias
bomb, YAML with a duplicate key or a Python tag, or a name too long for the system gives a `FileError` naming
the file and the rule, quoting at most a short excerpt of what it read.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import yaml

MAX_BYTES = 1_000_000  # a plan file is a few hundred bytes; a point.json a few kilobytes
MAX_ALIASES = 100  # YAML aliases (*name) in one document
MAX_NODES = 100_000  # YAML nodes once aliases are expanded: a "billion laughs" stops here, before memory goes
MAX_NAME = 255  # bytes in one path component (Linux NAME_MAX)
MAX_PATH = 4096  # bytes in a whole path (Linux PATH_MAX)
EXCERPT = 40  # characters of a file or value quoted in a message
MAX_MESSAGE = 299  # characters of one error line


class FileError(ValueError):
    """A file that cannot be read as the tool expects. The message is one line: file, what is wrong."""


def excerpt(value: Any, limit: int = EXCERPT) -> str:
    """`repr(value)` on one line, cut to about `limit` characters."""
    text = repr(value).replace("\n", "\\n")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def one_line(message: str, limit: int = MAX_MESSAGE) -> str:
    """The first line of a message, cut to `limit` characters (a message quoting a whole file stays short).
    Cut the whole printed line (`prog: error: ...`), so it stays under 300 characters."""
    lines = str(message).strip().splitlines()
    first = lines[0] if lines else ""
    return first if len(first) <= limit else first[: limit - 14] + " ... (cut)"


def show(path: Path | str, limit: int = 80) -> str:
    """A config key or a path as it may appear in a message: whole up to `limit` characters (160 for a user's
    paths), a 10,000-character name cut in the middle."""
    text = str(path)
    return text if len(text) <= limit else text[: limit * 3 // 4] + "..." + text[-(limit // 4 - 3) :]


def check_name(path: Path | str, what: str = "file") -> Path:
    """Refuse a path the system cannot name (too long, a NUL byte) before touching it."""
    text = str(path)
    if "\x00" in text:
        raise FileError(f"{show(text)!r}: not allowed; a {what} name cannot contain a NUL character")
    encoded = os.fsencode(text)
    if len(encoded) > MAX_PATH or any(len(part) > MAX_NAME for part in encoded.split(b"/")):
        raise FileError(
            f"{show(text)}: {what} name too long; expected at most {MAX_NAME} bytes a component, {MAX_PATH} in all"
        )
    return Path(text)


def check_creatable(path: Path | str, what: str = "folder") -> Path:
    """Refuse a path that cannot be created or written in: a bad name, a file on the way, or a folder we cannot
    write in (/proc, /sys). Tried by making (and at once removing) a scratch folder in the path itself when it
    exists, else in its nearest existing ancestor."""
    path = check_name(path, what).absolute()
    if path.exists() and not path.is_dir():
        raise FileError(f"{show(path, 160)}: not allowed; it is a file, expected a {what}")
    ancestor = path
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise FileError(f"{show(path, 160)}: not allowed; {show(ancestor, 160)} is a file, expected a folder")
    try:
        times = os.stat(ancestor)
        os.rmdir(tempfile.mkdtemp(prefix=".cpsim-probe-", dir=ancestor))
        os.utime(ancestor, ns=(times.st_atime_ns, times.st_mtime_ns))  # the probe leaves no trace
    except OSError as exc:
        raise FileError(
            f"{show(path, 160)}: cannot be {'written in' if path.exists() else 'created'} ({exc.strerror}); "
            f"expected a {what} you can write"
        ) from None
    return path


def read_bytes(path: Path | str, what: str = "file", max_bytes: int = MAX_BYTES) -> bytes:
    path = check_name(path, what)
    name = show(path, 160)
    try:
        if path.is_dir():
            raise FileError(f"{name}: is a directory; expected a {what}")
        if not path.exists():
            raise FileError(f"{name}: no such {what}")
        size = path.stat().st_size
        if size > max_bytes:
            raise FileError(f"{name}: {size:,} bytes; expected a {what} of at most {max_bytes:,} bytes")
        with path.open("rb") as fh:
            data = fh.read(max_bytes + 1)  # a file that grows, or /dev/zero, stops here
    except PermissionError:
        raise FileError(f"{name}: permission denied; expected a {what} you can read") from None
    except OSError as exc:
        raise FileError(f"{name}: cannot be read ({exc.strerror or type(exc).__name__})") from None
    if len(data) > max_bytes:
        raise FileError(f"{name}: more than {max_bytes:,} bytes; expected a {what} of at most {max_bytes:,} bytes")
    return data


def read_text(path: Path | str, what: str = "file", max_bytes: int = MAX_BYTES) -> str:
    """A UTF-8 text file, checked: exists, a file, readable, not too large, text, UTF-8."""
    data = read_bytes(path, what, max_bytes)
    name = show(path, 160)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileError(f"{name}: UTF-16 text; expected a UTF-8 {what} (save it as UTF-8)")
    if b"\x00" in data:
        raise FileError(f"{name}: binary data; expected a UTF-8 text {what}")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bad = excerpt(data[max(0, exc.start - 10) : exc.start + 10])
        raise FileError(
            f"{name}: not UTF-8 (byte {exc.start}: {bad}); expected a UTF-8 {what} (Latin-1? save it as UTF-8)"
        ) from None


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, with no duplicate keys and a limit on aliases and on the expanded size."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.aliases = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                raise _Refused(f"more than {MAX_ALIASES} aliases (*name); expected a plain document")
        return super().compose_node(parent, index)

    def construct_document(self, node: Any) -> Any:
        _count_nodes(node)
        return super().construct_document(node)

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        if isinstance(node, yaml.MappingNode):
            seen: set[Any] = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                try:
                    duplicate = key in seen
                    seen.add(key)
                except TypeError:  # an unhashable key: PyYAML says so itself
                    continue
                if duplicate:
                    raise _Refused(f"key {excerpt(key)} appears twice (line {key_node.start_mark.line + 1})")
        return super().construct_mapping(node, deep=deep)


class _Refused(Exception):
    pass


def _count_nodes(root: Any) -> None:
    """Refuse a document whose aliases would expand to more than MAX_NODES nodes (sizes memoised per node)."""
    sizes: dict[int, int] = {}

    def size(node: Any) -> int:
        if id(node) in sizes:
            return sizes[id(node)]
        sizes[id(node)] = 1  # a recursive alias counts once
        children = node.value if isinstance(node.value, list) else []
        total = 1
        for child in children:
            total += sum(size(n) for n in child) if isinstance(child, tuple) else size(child)
            if total > MAX_NODES:
                raise _Refused(f"expands to more than {MAX_NODES:,} values (aliases); expected a plain document")
        sizes[id(node)] = total
        return total

    size(root)


def parse_yaml(text: str, name: str, what: str = "file") -> Any:
    """Parse YAML text with the limits above; a failure is a one-line `FileError` naming `name`."""
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except _Refused as exc:
        raise FileError(f"{name}: {exc}") from None
    except yaml.constructor.ConstructorError as exc:
        tag = getattr(exc, "problem", "") or ""
        where = f" (line {exc.problem_mark.line + 1})" if exc.problem_mark else ""
        if "tag" in tag:
            raise FileError(f"{name}: a YAML tag is not allowed{where}; expected plain values") from None
        raise FileError(f"{name}: not valid YAML{where}: {one_line(tag, 80)}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        raise FileError(f"{name}: not valid YAML{where}; expected a {what} in YAML") from None
    except RecursionError:
        raise FileError(f"{name}: nested too deeply; expected a plain document") from None


def read_yaml(path: Path | str, what: str = "file", max_bytes: int = MAX_BYTES) -> Any:
    return parse_yaml(read_text(path, what, max_bytes), show(path, 160), what)


def read_json(path: Path | str, what: str = "file", max_bytes: int = MAX_BYTES) -> Any:
    text = read_text(path, what, max_bytes)
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        where = f" (line {exc.lineno})" if isinstance(exc, json.JSONDecodeError) else ""
        raise FileError(f"{show(path, 160)}: not valid JSON{where} (truncated?); expected a {what} in JSON") from None
