"""Moving runs between stores, keeping their ids: ``trialbook sync`` and ``import-mlflow``.

::

    sync("./.trialbook", "http://tracking:5000")             # local runs to a server
    import_mlflow("./mlruns", "http://tracking:5000")         # an MLflow store

Both copy each finished run whole (params, tags, every metric point, artifacts) and mark it
copied last, so running them again copies nothing twice and an interrupted copy resumes.
"""
