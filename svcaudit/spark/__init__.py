"""The Spark engine (the optional extra ``svcaudit[spark]``).

PySpark warns (FutureWarning, when one of its modules is first used) that it has not been
tested with the installed pandas. svcaudit hands Spark no pandas objects, and the warning
would be the only line on stderr of an otherwise quiet audit, so that one warning is
silenced once the engine is in use.
"""

import warnings

warnings.filterwarnings(
    "ignore", message="PySpark does not yet fully support pandas", category=FutureWarning
)
