"""DVC stage scripts: each a thin main() over a pure function in linreg."""
