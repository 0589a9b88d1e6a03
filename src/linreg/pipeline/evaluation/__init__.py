"""Evaluation: error metrics, coefficient recovery, statistical inference, overfitting experiments."""
