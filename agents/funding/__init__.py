"""Funding, one process: the transition plan (`plan`), the payers who follow it (`payers`), the books
(`ledger`), and the weekly step that turns money into service levels (`process`)."""

from agents.funding.process import DONOR_PAYERS, Funding, ServiceLevels

__all__ = ["DONOR_PAYERS", "Funding", "ServiceLevels"]
