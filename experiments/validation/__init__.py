"""`cpsim-validate`: the model against the published figures (targets, observables, table, report)."""
