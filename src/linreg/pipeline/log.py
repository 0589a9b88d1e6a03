"""One logging set-up for every stage: a timestamp-free line per event on stderr."""

import logging


def setup_logging(stage: str) -> logging.Logger:
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    return logging.getLogger(f"linreg.{stage}")
