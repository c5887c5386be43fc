"""The model registry: named models whose numbered versions point at logged models.

::

    info = trialbook.log_model(clf, "model")
    version = trialbook.register_model(info.model_uri, "fraud")     # version 1, 2, ...
    client = trialbook.TrackingClient()
    client.set_registered_model_alias("fraud", "champion", version.version)
    model = trialbook.load_model("models:/fraud@champion")          # or models:/fraud/1, /latest

:mod:`~trialbook.registry.entities` holds the entities and :mod:`~trialbook.registry.names`
the rules for names, versions, aliases and ``models:/`` URIs. The interface backends implement
is :class:`trialbook.store.registry.ModelRegistry` (SQL in :mod:`trialbook.store.sql.registry`,
REST in :mod:`trialbook.store.rest.registry`); the ``TrackingClient`` methods are in
:mod:`trialbook.tracking.registry_client`. Importing this package imports nothing heavy.
"""
