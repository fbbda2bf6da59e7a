"""Writing the files an audit produces: never over one of its inputs, all or nothing.

- An output that is one of the audit's inputs (a log, a standards file, the config file,
  the baseline), by its resolved path or as the same file under another name (a hard link),
  is refused before anything is read, and so are two outputs on one file.
- A regular file is written to a temporary file beside it (beside the file a symbolic link
  points to, so the link stays a link) and renamed over it once every output is complete.
- A character device or a named pipe (``/dev/null``, ``/dev/stdout``, a FIFO) is written
  into as it is: it cannot be renamed over, and must not be replaced by a file.

Errors are ``SvcauditError`` with the path and a hint; this module never prints or exits.
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import os
import re
import stat
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TextIO

from svcaudit.errors import Location, SvcauditError
from svcaudit.sources.files import log_paths

#: What a file holds: its text, or a function that writes it (a violations file, streamed)
Content = str | Callable[[TextIO], None]


@dataclass(frozen=True)
class Output:
    """A file the user asked for, and the option that asked (for the error message)."""

    option: str  # --output, --report, or a config key with its file and line
    path: str


@dataclass(frozen=True)
class Input:
    """A file the audit reads: an output must never replace it."""

    kind: str  # "the log", "the standards file", ...
    path: str
    hint: str = "write the output to another path"


@dataclass(frozen=True)
class _Place:
    """Where a path leads: the resolved path, the file's identity if it is a regular one, and
    whether it is written into (a device, a pipe, an open descriptor) rather than replaced."""

    real: str
    inode: tuple[int, int] | None
    written_into: bool = False

    @classmethod
    def of(cls, path: str) -> _Place:
        real = os.path.realpath(path)
        try:
            st = os.stat(path)
        except (OSError, ValueError):  # not there (yet), or not a path the system takes
            return cls(real, None)
        inode = (st.st_dev, st.st_ino) if stat.S_ISREG(st.st_mode) else None
        into = (
            _descriptor(path) is not None or stat.S_ISCHR(st.st_mode) or stat.S_ISFIFO(st.st_mode)
        )
        return cls(real, inode, into)

    def same(self, other: _Place) -> bool:
        return self.real == other.real or (self.inode is not None and self.inode == other.inode)


def audit_inputs(
    logs: Iterable[str],
    standards: Iterable[str],
    config: str | os.PathLike[str] | None,
    baseline: str | None,
) -> list[Input]:
    """The files an audit reads, found without opening any: the logs (globs expanded, ``-``
    left out), the standards files, the config file and the baseline."""
    found: list[Input] = []
    for arg in logs:
        if arg != "-":
            matches = log_paths(arg)
            found += [Input("the log", m) for m in matches]
    found += [Input("the standards file", s) for s in standards]
    if config is not None:
        found.append(Input("the config file", os.fspath(config)))
    if baseline:
        found.append(
            Input(
                "the --baseline file",
                baseline,
                "to replace last run's report, copy it aside first and pass the copy as --baseline",
            )
        )
    return found


def refuse_overwrites(outputs: Sequence[Output], inputs: Sequence[Input]) -> None:
    """Raise ``SvcauditError`` for the first output that is an input, or that another output
    would replace (two written into one device, pipe or descriptor follow each other)."""
    places = [(i, _Place.of(i.path)) for i in inputs]
    seen: list[tuple[Output, _Place]] = []
    for out in outputs:
        place = _Place.of(out.path)
        for given, where in places:
            if place.same(where):
                also = "" if out.path == given.path else " (the same file)"
                raise SvcauditError(
                    f"{out.path} is {given.kind} {given.path}{also}; an output never "
                    "replaces an input",
                    location=Location(out.option),
                    hint=given.hint,
                )
        for earlier, where in seen:  # (two reports into one stream follow each other)
            if place.same(where) and not (place.written_into and where.written_into):
                raise SvcauditError(
                    f"{out.path} is also the output of {earlier.option}; two outputs cannot "
                    "share a file",
                    location=Location(out.option),
                    hint="give each output a path of its own",
                )
        seen.append((out, place))


def write_all(files: Sequence[tuple[str, Content]]) -> None:
    """Write files all or nothing: each regular file to a temporary file beside it, renamed
    over it once every file is complete; devices and pipes straight into, before the renames.

    A failure while writing (a missing or read-only directory, a full disk, a closed pipe,
    Ctrl-C, SIGTERM) removes every temporary file and leaves each regular target as it was,
    so no half-written report is left for a CI job to pick up. Only the renames at the end,
    which do not fail short of the file system failing, could leave some targets renewed
    and others not.
    """
    plans = [(path, content, _plan(path)) for path, content in files]  # fails before writing
    pending: list[tuple[str, str, str]] = []  # (temporary path, resolved target, as given)
    try:
        for path, content, real in plans:
            if real is not None:
                pending.append((_fill_temporary(path, real, content), real, path))
        for path, content, real in plans:
            if real is None:
                _write_into(path, content)
        for tmp, real, path in pending:
            try:
                os.replace(tmp, real)
            except OSError as e:
                raise write_error(path, e) from None
            _LIVE.discard(tmp)
    finally:
        for tmp, _, _ in pending:
            _remove(tmp)


def _plan(path: str) -> str | None:
    """The resolved path to replace for a regular file (there or to be made); None for a
    character device, a pipe or a descriptor already open (``/dev/stdout``), written into.
    Anything else is an error."""
    if _descriptor(path) is not None:
        return None
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:  # a new file (a missing directory fails when it is made)
        return os.path.realpath(path)
    except OSError as e:
        raise write_error(path, e) from None
    if stat.S_ISREG(mode):
        if not os.access(path, os.W_OK):  # replacing it would get round its permissions
            raise write_error(path, PermissionError(errno.EACCES, os.strerror(errno.EACCES)))
        return os.path.realpath(path)
    if stat.S_ISCHR(mode) or stat.S_ISFIFO(mode):
        return None
    if stat.S_ISDIR(mode):
        raise write_error(path, IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR)))
    raise write_error(path, OSError(errno.EINVAL, "not a file, a character device or a pipe"))


def _fill_temporary(path: str, real: str, content: Content) -> str:
    """A temporary file beside ``real`` holding ``content``, readable as a new file is."""
    folder, name = os.path.split(real)
    try:
        fd, tmp = tempfile.mkstemp(dir=folder or ".", prefix=f".{name}.", suffix=".tmp")
    except OSError as e:
        raise write_error(path, e) from None
    _LIVE.add(tmp)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            _put(f, content)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)  # mkstemp makes 0600; reports are ordinary files
    except BaseException as e:
        _remove(tmp)
        if isinstance(e, OSError):
            raise write_error(path, e) from None
        raise
    return tmp


def _write_into(path: str, content: Content) -> None:
    """Write into a character device or a pipe as it is (never created, truncated, renamed),
    or into a descriptor this process has open, where it points (``-o /dev/stdout >> log``
    appends to the log, as the shell opened it)."""
    number = _descriptor(path)
    try:
        fd = os.dup(number) if number is not None else os.open(path, os.O_WRONLY)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            _put(f, content)
    except OSError as e:
        raise write_error(path, e) from None


_DESCRIPTOR = re.compile(
    r"/dev/(?:std(?P<std>out|err)|fd/(?P<fd>\d+))|/proc/(?P<pid>self|\d+)/fd/(?P<n>\d+)"
)
_STANDARD = {"out": 1, "err": 2}


def _descriptor(path: str) -> int | None:
    """The number of the open descriptor that ``path`` names (``/dev/stdout``, ``/dev/fd/3``,
    ``/proc/self/fd/1``, or a link to one), if it names one of this process's."""
    here = os.path.abspath(path)
    for _ in range(40):  # links followed one at a time: realpath would go past the name
        m = _DESCRIPTOR.fullmatch(here)
        if m and (m["std"] or m["fd"] or m["pid"] in ("self", str(os.getpid()))):
            return _STANDARD[m["std"]] if m["std"] else int(m["fd"] or m["n"])
        try:
            target = os.readlink(here)
        except (OSError, ValueError):
            return None
        here = os.path.normpath(os.path.join(os.path.dirname(here), target))
    return None


def _put(f: TextIO, content: Content) -> None:
    if isinstance(content, str):
        f.write(content)
    else:
        content(f)


def _remove(path: str) -> None:
    _LIVE.discard(path)
    with contextlib.suppress(OSError):  # gone already (renamed), or its folder went away
        os.unlink(path)


#: temporary files not yet renamed or removed: removed at exit too, so that a signal that
#: lands while one is being made or cleaned up (exit 143) still leaves nothing behind
_LIVE: set[str] = set()


@atexit.register
def _remove_left() -> None:
    for path in list(_LIVE):
        _remove(path)


_HINTS = {
    errno.ENOSPC: "the disk is full; free some space",
    errno.EDQUOT: "the disk quota is exhausted",
    errno.ENOENT: "the directory does not exist; create it first",
    errno.EACCES: "you cannot write there; choose another path",
    errno.EPERM: "you cannot write there; choose another path",
    errno.EROFS: "the file system is read-only; choose another path",
    errno.EISDIR: "that is a directory; give a file name",
    errno.ENOTDIR: "part of the path is a file, not a directory",
    errno.EPIPE: "the program reading that pipe stopped reading",
    errno.EINVAL: "give the name of a file",
}


def write_error(path: str, e: OSError) -> SvcauditError:
    """An output that could not be written, with a hint for the cause."""
    return SvcauditError(
        f"cannot write {path}: {e.strerror or e}",
        hint=_HINTS.get(e.errno or 0, "check the path") + "; no report file was written",
    )


def append(path: str, text: str) -> None:
    """Append to a file another tool reads (the GitHub step summary)."""
    try:
        with open(path, "a", encoding="utf-8") as f:
            f.write(text)
    except OSError as e:
        raise SvcauditError(f"cannot append to {path}: {e.strerror}") from None
