"""Sweeps: the Hydra callback that collects a multirun (placeholder for the experiments re-layout)."""
