"""Old home of the sweep callback, kept only while scenarios/config.yaml still names it: remove this file when
`hydra.callbacks.collect._target_` points at `experiments.sweeps.callback.CollectSweep`."""

from experiments.sweeps.callback import CollectSweep

__all__ = ["CollectSweep"]
