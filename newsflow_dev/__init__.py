"""Development and test tools of newsflow, outside the runtime package ``newsflow``.

A throw-away Elasticsearch node (:mod:`newsflow_dev.es_node`) and the ``newsflow-dev``
command (:mod:`newsflow_dev.cli`; ``scripts/es-test-server`` runs it too).
"""
