# newsflow on the official Apache Airflow image: Airflow 3 + newsflow + spaCy model.
#
#   docker compose build            (docker-compose.yml builds and tags this image)
#   docker build -t newsflow-airflow:3.3.2 .
#
# Layout inside the image: the repository's files live in AIRFLOW_HOME (/opt/airflow), so
# dags/ and plugins/ are where Airflow looks for them. newsflow is installed in editable
# mode so that the package Airflow imports from plugins/ and the installed one are the same
# files; its runtime data is read with importlib.resources from newsflow/seeds, a link to
# seeds/ (copied below).
FROM apache/airflow:3.3.2-python3.11

USER airflow
WORKDIR /opt/airflow

# The spaCy model is a pinned wheel with hashes (no download at run time).
COPY --chown=airflow:0 requirements/spacy-model.txt requirements/spacy-model.txt

# The package first (changes less often than the DAGs and seeds). apache-airflow is pinned
# to the image's version so that installing newsflow never up- or downgrades Airflow.
COPY --chown=airflow:0 pyproject.toml README.md ./
COPY --chown=airflow:0 plugins/ plugins/
COPY --chown=airflow:0 extractors/ extractors/
RUN pip install --no-cache-dir "apache-airflow==${AIRFLOW_VERSION}" -e ".[airflow,nlp]" \
 && pip install --no-cache-dir --no-deps --require-hashes -r requirements/spacy-model.txt

COPY --chown=airflow:0 seeds/ seeds/
COPY --chown=airflow:0 dags/ dags/
COPY --chown=airflow:0 scripts/ scripts/

# Shared state of the pipeline (SQLite state store, inbox) lives on a volume mounted here;
# group 0 writable so that any AIRFLOW_UID (run as "<uid>:0") can use it.
RUN mkdir -p /opt/airflow/newsflow-data/inbox \
 && chmod -R g+rwX /opt/airflow/newsflow-data \
 && python -c "import newsflow, extractors; from newsflow.index.elastic import TEMPLATE_FILE; assert TEMPLATE_FILE.is_file(), TEMPLATE_FILE"

ENV NEWSFLOW_DATA_DIR=/opt/airflow/newsflow-data
