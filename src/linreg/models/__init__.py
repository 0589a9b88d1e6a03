"""linreg's estimators: written from first principles, scikit-learn's contract, any device."""

from linreg.models.gd import GradientDescentRegressor
from linreg.models.linear import LinearRegression, Ridge
from linreg.models.sparse import ElasticNet, Lasso
from linreg.models.validated import ValidatedElasticNet, ValidatedLasso, ValidatedRidge

__all__ = ["ElasticNet", "GradientDescentRegressor", "Lasso", "LinearRegression", "Ridge", "ValidatedElasticNet",
           "ValidatedLasso", "ValidatedRidge"]
