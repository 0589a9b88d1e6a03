"""scikit-learn's own contract checks, for every linreg estimator."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from linreg.models import ElasticNet, GradientDescentRegressor, Lasso, LinearRegression, Ridge

# CPU so the checks run everywhere; the device paths have their own tests.
ESTIMATORS = [
    LinearRegression(device="cpu"),
    Ridge(device="cpu"),
    Lasso(device="cpu"),
    ElasticNet(device="cpu"),
    GradientDescentRegressor(device="cpu", random_state=0),
    GradientDescentRegressor(device="cpu", batch_size=8, max_epochs=50, random_state=0),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_contract(estimator, check):
    check(estimator)
