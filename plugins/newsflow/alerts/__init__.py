"""Saved-search alerts: a search saved under a name (``newsflow alerts add``) runs over the
documents indexed since its last run and delivers each new match once, to a webhook (POST)
or a JSONL file. After ``newsflow run`` (setting ``alerts_after_run``) and, in Airflow, after
every update of the ``newsflow://index/articles`` asset (``dags/newsflow_alerts.py``).

- :mod:`.saved`: the saved search (query text, filters, mode) and its target, checked;
- :mod:`.matching`: which new documents match, and the payload of each;
- :mod:`.deliver`: the webhook POST (retries, backoff) and the JSONL append;
- :mod:`.runner`: one run over every alert, recorded in the state store
  (:mod:`newsflow.state.alerting`) so each match is delivered once across reruns and kills.
"""

from newsflow.alerts.runner import AlertOutcome, AlertsReport, run_alerts
from newsflow.alerts.saved import SavedSearch, check_name, check_target, target_kind

__all__ = ["AlertOutcome", "AlertsReport", "SavedSearch", "check_name", "check_target", "run_alerts", "target_kind"]
