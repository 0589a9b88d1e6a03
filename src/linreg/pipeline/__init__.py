"""The teaching pipeline on top of ``linreg.models``: params, data stages, training, evaluation, benchmark, report.

It imports the library; the library never imports it (``tests/models/test_layering.py``).
"""
