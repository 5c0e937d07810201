"""The compose stack's PostgreSQL init script (scripts/postgres-init/10-newsflow-state.sh),
run as the official image runs it, against a real PostgreSQL on loopback: newsflow's state
store gets its own user and database, which Airflow's user cannot open."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from pg_server import PG_BIN, running_postgres

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "postgres-init" / "10-newsflow-state.sh"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    with running_postgres() as url:
        yield url


def test_init_script_creates_the_state_database_and_its_owner(postgres_url: str) -> None:
    port = postgres_url.rsplit(":", 1)[1].split("/")[0]
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute("CREATE USER airflow")  # the image's POSTGRES_USER, as in docker-compose.yml
        admin.execute("CREATE DATABASE airflow OWNER airflow")
    env = {**os.environ, "PATH": f"{PG_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
           "PGHOST": "127.0.0.1", "PGPORT": port, "POSTGRES_USER": "airflow", "POSTGRES_DB": "airflow",
           "STATE_DB_PASSWORD": "a password with 'quotes' and spaces"}
    # the superuser runs it in the image; here the airflow user lacks CREATEROLE, so run as postgres
    env["POSTGRES_USER"] = "postgres"
    done = subprocess.run(["sh", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr

    base = postgres_url.rsplit("/", 1)[0]
    with psycopg.connect(f"{base.replace('postgres@', 'newsflow@')}/newsflow_state", autocommit=True) as state:
        state.execute("CREATE TABLE probe (id int)")  # the owner may create the store's tables
        assert state.execute("SELECT current_user, current_database()").fetchone() == ("newsflow", "newsflow_state")
    with pytest.raises(psycopg.OperationalError, match="permission denied"):
        psycopg.connect(f"{base.replace('postgres@', 'airflow@')}/newsflow_state").close()
    with psycopg.connect(postgres_url) as admin:
        stored = admin.execute("SELECT rolpassword IS NOT NULL FROM pg_authid WHERE rolname = 'newsflow'").fetchone()
    assert stored == (True,), "the user newsflow has the password from STATE_DB_PASSWORD"

    again = subprocess.run(["sh", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60)
    assert again.returncode != 0 and "already exists" in again.stderr, "a second run stops at the first error"
