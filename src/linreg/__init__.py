"""linreg: linear regression from first principles to the GPU."""
