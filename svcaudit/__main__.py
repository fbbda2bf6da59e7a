"""``python -m svcaudit`` and the ``svcaudit`` command.

Kept light: Ctrl-C while the CLI's libraries load (DuckDB, SciPy, pydantic: a second or
two) must end like Ctrl-C during an audit, with exit 130 and no traceback.
"""

import sys


def run() -> None:
    """Import the CLI and run it."""
    try:
        from svcaudit.cli import main  # noqa: PLC0415 -- deferred so Ctrl-C here is handled
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
    main()


if __name__ == "__main__":
    run()
