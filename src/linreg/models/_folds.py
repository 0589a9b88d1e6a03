"""K-fold cross-validation on mergeable statistics: the folds, their statistics, the routing, the choice.

K-fold cross-validation needs, per fold, a fit on the other folds and the error
on this one. Both come from statistics: each fold's rows are summarised once
(one pass over X for all folds together), the training statistics of fold k are
the other folds' merged (``merge_stats()``, in a fixed
order), and the held-out error of every alpha is p×p work on fold k's own
statistics (``held_out_sse()``). Selection minimises the mean squared error over folds
(``first_minimum()``: scikit-learn's default for LassoCV and ElasticNetCV, and for
RidgeCV's leave-one-out; RidgeCV with K folds scores by R² unless ``scoring`` says
otherwise, as scikit-learn's). Used by ``RidgeCV`` (``_linear.py``, beside ``Ridge``)
and ``ElasticNetCV``/``LassoCV`` (``_enet_path.py``, beside the path functions).
"""

from __future__ import annotations

import numpy as np
from sklearn.model_selection import check_cv
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    _raise_for_params,
    _routing_enabled,
    process_routing,
)

from linreg.models._base import nonfinite_message
from linreg.models._dask_arrays import dask_stats, is_dask_array
from linreg.models.stats import Stats, compute_stats, merge_stats


def _folds(X, y, cv, **split_params) -> list[tuple[np.ndarray, np.ndarray]]:
    return list(check_cv(cv).split(X, y, **split_params))


def _split_params(est, method: str, sample_weight, params: dict) -> dict:
    """What scikit-learn's metadata routing hands the CV splitter (``groups`` for GroupKFold…): extra
    fit parameters are an error unless routing is enabled, exactly as scikit-learn's …CV estimators."""
    _raise_for_params(params, est, method)
    if not _routing_enabled():
        return {}
    return dict(process_routing(est, method, sample_weight=sample_weight, **params).splitter.split)


def _splitter_routing(est) -> MetadataRouter:
    return (
        MetadataRouter(owner=est)
        .add_self_request(est)
        .add(splitter=check_cv(est.cv), method_mapping=MethodMapping().add(caller="fit", callee="split"))
    )


def _fold_statistics(
    X, y, sw, folds, fit_intercept: bool, device, dtype, owner: str
) -> tuple[list[Stats], list[Stats], Stats]:
    """(training statistics per fold, held-out statistics per fold, statistics of all rows).

    When the held-out sets partition the rows (K-fold), each row is read once and every training
    set is a merge of the other folds; otherwise (repeated or shuffled splits with overlaps) the
    training rows are summarised directly. ``owner`` (the estimator's name) is for the messages.
    """

    lazy = is_dask_array(X)

    def pass_over(Xr, yr, wr) -> Stats:
        if lazy:  # blockwise where the rows live, merged in a fixed order (float64 on the host, as Dask fits)
            return dask_stats(Xr, yr, center=fit_intercept, sample_weight=wr)
        return compute_stats(Xr, yr, dtype=dtype, device=device, center=fit_intercept, sample_weight=wr)

    def stats_of(rows: np.ndarray) -> Stats:
        part = slice(rows[0], rows[-1] + 1) if np.array_equal(rows, np.arange(rows[0], rows[-1] + 1)) else rows
        return pass_over(X[part], y[part], None if sw is None else sw[part])

    held = [stats_of(test) for _, test in folds]
    partition = np.array_equal(np.sort(np.concatenate([test for _, test in folds])), np.arange(len(y)))
    if partition:
        train = []
        for k in range(len(folds)):
            others = [h for j, h in enumerate(held) if j != k]
            merged = others[0]
            for h in others[1:]:
                merged = merge_stats(merged, h)
            train.append(merged)
        full = held[0]
        for h in held[1:]:
            full = merge_stats(full, h)
    else:
        train = [stats_of(tr) for tr, _ in folds]
        full = pass_over(X, y, sw)
    if not full.all_finite():
        raise ValueError(nonfinite_message(full, X, owner))
    return train, held, full


def first_minimum(errors: np.ndarray) -> int:
    """Flat index of the first smallest entry, NaN counting as the worst: scikit-learn's rule. Its
    LinearModelCV takes np.argmin over each l1_ratio's decreasing grid and keeps an l1_ratio only when
    strictly better; its RidgeCV keeps an alpha only when its score is strictly higher, in the order
    given. A difference however small is not a tie: the chosen entry is the best one computed."""
    flat = np.asarray(errors, dtype=np.float64).ravel()
    return int(np.argmin(np.where(np.isnan(flat), np.inf, flat)))
