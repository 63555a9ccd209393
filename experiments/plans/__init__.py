"""Funding-transition planner: plan files -> configs -> paired runs -> comparison, report and search."""
