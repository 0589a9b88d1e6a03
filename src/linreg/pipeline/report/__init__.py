"""The report: reading tracked outputs for the .qmd, and rendering it with or without Quarto."""
