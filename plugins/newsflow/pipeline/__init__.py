"""The pipeline as library functions: poll → fetch → clean → extract → index.

Nothing here knows about Airflow or the CLI: a DAG task or a command calls :func:`run`,
:func:`poll` or :func:`process` with :class:`~newsflow.config.Settings` and reads the
returned :class:`RunSummary`. Every item that fails is recorded in the state store with its
reason and the run goes on.

The modules, one job each: :mod:`~newsflow.pipeline.runs` (the entry points),
:mod:`~newsflow.pipeline.context` (a run's resources and context, the one way into a run),
:mod:`~newsflow.pipeline.summary` (what a run reports), :mod:`~newsflow.pipeline.poll_stage`,
:mod:`~newsflow.pipeline.fetch_stage`, :mod:`~newsflow.pipeline.process_stage` (batches through
the CPU stages) and :mod:`~newsflow.pipeline.index_stage`; :mod:`~newsflow.pipeline.backfill`
(pages from WARC files: re-cleaning from the raw archive, importing); :mod:`~newsflow.pipeline.hosts`
(concurrent requests, host backoff).
"""

from newsflow.pipeline.context import Resources, RunContext, open_run
from newsflow.pipeline.poll_stage import poll
from newsflow.pipeline.process_stage import extractor_chain, process
from newsflow.pipeline.runs import import_warc, ingest_urls, process_urls, reprocess, retry, run
from newsflow.pipeline.summary import NO_PROGRESS, Progress, RunSummary

_extractors = extractor_chain  # the name tests/test_settings.py calls

__all__ = [
    "NO_PROGRESS",
    "Progress",
    "Resources",
    "RunContext",
    "RunSummary",
    "extractor_chain",
    "import_warc",
    "ingest_urls",
    "open_run",
    "poll",
    "process",
    "process_urls",
    "reprocess",
    "retry",
    "run",
]
