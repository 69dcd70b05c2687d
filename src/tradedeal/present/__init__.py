"""Presentation: value formatting and tables, plots, report runs and the command line."""
