"""cpsim's root Hydra config (config.yaml): schema defaults, the default scenario, run and sweep folders."""
