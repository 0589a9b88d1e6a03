"""linreg's estimators: written from first principles, scikit-learn's contract, any device."""

from linreg.models.cv import ElasticNetCV, LassoCV, RidgeCV, enet_path, lasso_path
from linreg.models.gd import GradientDescentRegressor
from linreg.models.linear import LinearRegression, Ridge
from linreg.models.sparse import ElasticNet, Lasso
from linreg.models.validated import ValidatedElasticNet, ValidatedLasso, ValidatedRidge

__all__ = ["ElasticNet", "ElasticNetCV", "GradientDescentRegressor", "Lasso", "LassoCV", "LinearRegression", "Ridge",
           "RidgeCV", "ValidatedElasticNet", "ValidatedLasso", "ValidatedRidge", "enet_path", "lasso_path"]
