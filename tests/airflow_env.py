"""A real Airflow 3 installation for tests: a temporary AIRFLOW_HOME with a SQLite metadata DB.

Airflow reads its configuration from the environment at import time, so every Airflow call
runs in a subprocess with :func:`airflow_env`'s variables.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from newsflow.config import REPO_ROOT

AIRFLOW = str(Path(sys.executable).with_name("airflow"))


def airflow_env(home: Path, data_dir: Path, feeds_file: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "NEWSFLOW_"))}
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_FOLDER": str(REPO_ROOT / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO_ROOT / "plugins"),
            "AIRFLOW__CORE__PARALLELISM": "4",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
            "PYTHONWARNINGS": "ignore",
            "NEWSFLOW_DATA_DIR": str(data_dir),
            "NEWSFLOW_FEEDS_FILE": str(feeds_file),
            "NEWSFLOW_ALLOW_HOSTS": "127.0.0.1",
            "NEWSFLOW_DROP_DIR": str(data_dir / "inbox"),
        }
    )
    env.update(extra)
    return env


def airflow(env: dict[str, str], *args: str, check: bool = True, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([AIRFLOW, *args], env=env, capture_output=True, text=True, timeout=timeout)
    if check and done.returncode != 0:
        raise AssertionError(f"airflow {' '.join(args)} exited {done.returncode}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done


def prepare(env: dict[str, str]) -> None:
    """Create the metadata DB and the politeness pool the DAGs use."""
    airflow(env, "db", "migrate")
    airflow(env, "pools", "set", "newsflow_http", "4", "newsflow: concurrent HTTP tasks")
