"""Config groups the experiments package adds to cpsim's search path: sweeps, launchers, the collect callback."""
