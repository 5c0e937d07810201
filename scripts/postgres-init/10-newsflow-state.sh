#!/bin/sh
# The stack's PostgreSQL runs this once, on its first start (empty data volume; the official
# image runs /docker-entrypoint-initdb.d/*.sh): newsflow's state store gets its own user and
# database, apart from Airflow's metadata DB (user and database `airflow`). On an existing
# volume run it by hand: docker compose exec postgres sh /docker-entrypoint-initdb.d/10-newsflow-state.sh
set -eu
: "${STATE_DB_PASSWORD:?set STATE_DB_PASSWORD}"
psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-postgres}" \
  -v user="${STATE_DB_USER:-newsflow}" -v password="$STATE_DB_PASSWORD" <<'SQL'
CREATE USER :"user" WITH PASSWORD :'password';
CREATE DATABASE newsflow_state OWNER :"user";
REVOKE ALL ON DATABASE newsflow_state FROM PUBLIC;
SQL
