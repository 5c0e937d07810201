"""How the ``newsflow`` process ends: every error becomes one message on stderr and an exit
code, an unexpected exception's traceback goes to the crash log, never to the terminal."""

from __future__ import annotations

import sys
import tempfile
import traceback
from datetime import UTC, datetime
from pathlib import Path

import platformdirs
import typer

from newsflow.cli.root import app, err
from newsflow.errors import ConfigError, NewsflowError, QueryError
from newsflow.render import esc

EXIT_BUG = 3
"""Exit code of an unexpected exception (a bug): one line on stderr, the traceback in the log."""


def crash_log() -> Path:
    """Where the CLI writes the traceback of an unexpected exception (the user log directory)."""
    return platformdirs.user_log_path("newsflow", appauthor=False) / "newsflow.log"


def _log_crash(exc: BaseException) -> str:
    """Append ``exc``'s traceback to :func:`crash_log` (else a temporary file); returns its path."""
    text = f"{datetime.now(UTC).isoformat()} newsflow {' '.join(sys.argv[1:])}\n" + "".join(
        traceback.format_exception(exc)
    )
    for path in (crash_log(), Path(tempfile.gettempdir()) / "newsflow-crash.log"):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as handle:
                handle.write(text + "\n")
            return str(path)
        except OSError:
            continue
    return "nowhere (the log directory is not writable)"


def main() -> None:
    """Entry point: every error ends in one message and an exit code, never a traceback
    (0 ok, 1 failures recorded, 2 usage or configuration, 3 unexpected error, 130 interrupted)."""
    try:
        code = app(standalone_mode=False)
    except typer.Exit as exc:
        code = exc.exit_code
    except (ConfigError, QueryError) as exc:
        err.print(f"[red]error:[/] {esc(exc)}", soft_wrap=True)
        sys.exit(2)
    except NewsflowError as exc:
        err.print(f"[red]error:[/] {esc(exc)}", soft_wrap=True)
        sys.exit(1)
    except (typer.Abort, KeyboardInterrupt):
        err.print("interrupted")
        sys.exit(130)
    except typer.TyperException as exc:  # usage errors: bad option, unknown command
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        sys.exit(int(getattr(exc, "exit_code", 2)))
    except OSError as exc:  # a file or directory the user named cannot be used
        where = f": {exc.filename}" if exc.filename else ""
        err.print(f"[red]error:[/] {esc(exc.strerror or exc)}{esc(where)}", soft_wrap=True)
        sys.exit(1)
    except Exception as exc:  # the last resort: a bug, reported in one line
        where = _log_crash(exc)
        err.print(f"[red]error:[/] unexpected {esc(type(exc).__name__)}: {esc(exc)} "
                  f"(a bug in newsflow; the traceback is in {esc(where)})", soft_wrap=True)
        sys.exit(EXIT_BUG)
    sys.exit(code if isinstance(code, int) else 0)
