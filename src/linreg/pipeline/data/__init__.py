"""Data: generation, the train/validation/test split and feature scaling (pure functions)."""
