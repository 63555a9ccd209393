"""`cpsim-calibrate`: fit the calibrated parameters to the fitted targets (ABC), and parameter provenance."""
