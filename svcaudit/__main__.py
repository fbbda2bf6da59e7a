"""``python -m svcaudit`` and the ``svcaudit`` command.

Kept light: Ctrl-C while the CLI's libraries load (DuckDB, SciPy, pydantic: a second or
two) must end like Ctrl-C during an audit, with exit 130 and no traceback.
"""

import gc
import os
import sys

#: The cyclic garbage collector's thresholds for a run of the CLI. A guide of 800 standards
#: over 200 branches makes hundreds of thousands of small objects (rates, branch results,
#: report rows) and almost no reference cycles; at Python's default (a collection every 700
#: allocations) the collector took a quarter of the run scanning them (1 M rows x 800
#: standards: 5.8 s -> 4.6 s). As in mypy, it runs far less often instead.
GC_THRESHOLDS = (100_000, 50, 100)


def utf8_streams() -> None:
    """Write UTF-8 on stdout and stderr whatever the locale. Under ``LC_ALL=C PYTHONUTF8=0``
    they are ASCII, and the scorecard's own ``·`` (or a branch named Łódź) stopped the run
    with a UnicodeEncodeError; reports are UTF-8 documents, as the files ``-o`` writes."""
    # file names that are not UTF-8 pass through as their bytes (surrogateescape), as Python
    # passes them in sys.argv under the C locale
    for stream, errors in ((sys.stdout, "surrogateescape"), (sys.stderr, "backslashreplace")):
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("_", "-")
        if encoding not in ("utf-8", "utf8") and hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8", errors=errors)


def run() -> None:
    """Import the CLI and run it."""
    gc.set_threshold(*GC_THRESHOLDS)
    utf8_streams()
    try:
        from svcaudit.cli import main  # noqa: PLC0415 -- deferred so Ctrl-C here is handled
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr, flush=True)
        # at once: a module left half imported can end the interpreter's shutdown by the
        # signal itself (exit -2, not 130); nothing is open or written yet
        os._exit(130)
    main()


if __name__ == "__main__":
    run()
