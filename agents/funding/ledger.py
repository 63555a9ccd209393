"""Money by payer and budget line: what was received, what was spent, what is left.

Conservation holds by construction and is checked in the tests: received = spent + balance, and no balance
ever goes negative because spending is capped by what is there.
"""

from __future__ import annotations

import numpy as np

from scenarios.schema import BUDGET_LINES, PAYERS

LINE_INDEX = {name: i for i, name in enumerate(BUDGET_LINES)}
PAYER_INDEX = {name: i for i, name in enumerate(PAYERS)}


class Ledger:
    def __init__(self, n_weeks: int) -> None:
        shape = (len(PAYERS), len(BUDGET_LINES))
        self.received = np.zeros(shape)
        self.spent = np.zeros(shape)
        self.balance = np.zeros(shape)
        self.weekly_spent = np.zeros((n_weeks, *shape))

    def receive(self, payer: str, line: str, amount: float) -> None:
        if amount < 0:
            raise ValueError(f"cannot receive a negative amount ({amount}) on {payer}/{line}")
        p, ln = PAYER_INDEX[payer], LINE_INDEX[line]
        self.received[p, ln] += amount
        self.balance[p, ln] += amount

    def spend(self, week: int, line: str, amount: float, payers: tuple[str, ...] = PAYERS) -> float:
        """Spend up to `amount` on `line`, drawing on payers in the order given; return what was spent."""
        ln = LINE_INDEX[line]
        left = amount
        for payer in payers:
            p = PAYER_INDEX[payer]
            take = min(left, self.balance[p, ln])
            if take > 0:
                self.balance[p, ln] -= take
                self.spent[p, ln] += take
                self.weekly_spent[week, p, ln] += take
                left -= take
        return amount - left

    def available(self, line: str, payers: tuple[str, ...] = PAYERS) -> float:
        return float(sum(self.balance[PAYER_INDEX[p], LINE_INDEX[line]] for p in payers))
