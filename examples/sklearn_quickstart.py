"""scikit-learn autologging in one line: ``trialbook.autolog()`` and nothing else.

Runs offline on scikit-learn's built-in datasets::

    python examples/sklearn_quickstart.py

Every outermost ``fit`` becomes a run (params, training metrics, the model, the estimator's
diagram, a confusion matrix for classifiers); evaluations on held-out data go into the run of
the model they evaluate; a grid search gets one parent run and child runs for its best
candidates. ``trialbook ui`` shows them.
"""

from __future__ import annotations

import trialbook


def main() -> None:
    """Train two models and a small grid search, then print what was logged."""
    trialbook.set_experiment("sklearn-quickstart")
    trialbook.autolog(log_input_examples=True)

    from sklearn.datasets import load_breast_cancer
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score
    from sklearn.model_selection import GridSearchCV, train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)

    linear = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500))
    linear.fit(X_train, y_train)
    linear.score(X_test, y_test)  # logged as eval_score in the pipeline's run

    forest = RandomForestClassifier(n_estimators=50, random_state=0)
    forest.fit(X_train, y_train)
    f1_score(y_test, forest.predict(X_test))  # logged as eval_f1_score in the forest's run

    search = GridSearchCV(
        make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)),
        {"logisticregression__C": [0.01, 0.1, 1.0]},
        cv=3,
    )
    search.fit(X_train, y_train)  # one parent run, one child run per candidate

    runs = trialbook.search_runs(order_by=["start_time ASC"])
    columns = [
        "run_name",
        "tags.estimator_name",
        "metrics.training_accuracy_score",
        "metrics.eval_score",
        "metrics.eval_f1_score",
        "metrics.best_score",
        "metrics.mean_test_score",
    ]
    print(runs[[c for c in columns if c in runs.columns]].to_string(index=False))


if __name__ == "__main__":
    main()
