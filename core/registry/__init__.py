"""The model registry: named models whose numbered versions point at logged models.

::

    info = trialbook.log_model(clf, "model")
    version = trialbook.register_model(info.model_uri, "fraud")     # version 1, 2, ...
    client = trialbook.TrackingClient()
    client.set_registered_model_alias("fraud", "champion", version.version)
    model = trialbook.load_model("models:/fraud@champion")          # or models:/fraud/1, /latest

:mod:`~trialbook.registry.entities` holds the entities, :mod:`~trialbook.registry.sql` the SQL
implementation, :mod:`~trialbook.registry.rest` the client of a tracking server's registry
and :mod:`~trialbook.registry.client` the ``TrackingClient`` methods. Importing this package
imports nothing heavy.
"""
