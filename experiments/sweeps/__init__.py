"""Hydra sweeps after the run: collect the points into tables, draw the figures, write the report."""
