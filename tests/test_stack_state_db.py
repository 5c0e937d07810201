"""The compose stack's PostgreSQL init script (scripts/postgres-init/10-newsflow-state.sh),
run as the official image runs it (psql as the superuser, POSTGRES_* in the environment),
against a real PostgreSQL on loopback: newsflow's state store gets its own user (with the
password from .env) and database, which Airflow's user cannot open."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pg_server as pg_launcher
import psycopg
import pytest
from ci import unavailable

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "postgres-init" / "10-newsflow-state.sh"
PASSWORD = "0123abcdef"  # what `stack-setup dotenv` writes: hex


@pytest.fixture
def server() -> Iterator[pg_launcher.PgServer]:
    try:
        running = pg_launcher.start()
    except pg_launcher.PgUnavailable as exc:
        unavailable(f"no PostgreSQL: {exc}")
    try:
        yield running
    finally:
        running.stop()


def test_init_script_creates_the_state_database_and_its_owner(server: pg_launcher.PgServer) -> None:
    with psycopg.connect(server.url(), autocommit=True) as admin:
        admin.execute("CREATE USER airflow WITH PASSWORD 'airflow-pw'")  # the stack's metadata DB user
        admin.execute("CREATE DATABASE airflow OWNER airflow")
    env = {**os.environ, "PATH": f"{pg_launcher.bindir()}{os.pathsep}{os.environ.get('PATH', '')}",
           "PGHOST": "127.0.0.1", "PGPORT": str(server.port), "PGPASSWORD": pg_launcher.SUPERUSER_PASSWORD,
           "POSTGRES_USER": "postgres", "POSTGRES_DB": "airflow", "STATE_DB_PASSWORD": PASSWORD}
    done = subprocess.run(["sh", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr

    with psycopg.connect(server.url("newsflow_state", user="newsflow", password=PASSWORD), autocommit=True) as state:
        state.execute("CREATE TABLE probe (id int)")  # the owner may create the store's tables
        assert state.execute("SELECT current_user, current_database()").fetchone() == ("newsflow", "newsflow_state")
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(server.url("newsflow_state", user="newsflow", password="wrong")).close()
    with pytest.raises(psycopg.OperationalError, match="permission denied"):
        psycopg.connect(server.url("newsflow_state", user="airflow", password="airflow-pw")).close()

    again = subprocess.run(["sh", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60)
    assert again.returncode != 0 and "already exists" in again.stderr, "a second run stops at the first error"
