"""cpsim-workbench: a planner's workbench (Plans page) and a live model page (Explore) in the browser."""
