"""Payments without custody (issue 14.3), the ledger's part: ``/paid`` and ``/bounty received``, folded like
every other command (so a refold from GitHub gives what live handling gave).

Decisions
---------
* **Who is paid**: the accepted implementer when ``bounties.pay_to`` is ``implementer`` (the default) and an
  offer was accepted (:attr:`Campaign.payee`); otherwise the project, through its own payment links
  (``payee`` is None).
* ``/paid`` (a backer with a pledge, once the campaign is funded, delivered or closed): the backer says they
  paid. Refused without a pledge, and while there is nothing to pay (no campaign, open, expired, cancelled).
  Saying it again changes nothing.
* ``/bounty received @a @b`` (a maintainer, or the person paid - the payee): the payments arrived. Every
  named user must have a pledge, else the whole command is refused and nothing is recorded. Confirming
  needs no ``/paid`` first (the payee sees the money). Same states as ``/paid``.
* A payment is about the backer's current pledge: a pledge changed to another amount, withdrawn, or lapsed
  with its campaign (a new campaign) starts again from "pledged".
* Nothing else in fundbot claims that money moved.
"""

from __future__ import annotations

from bot.core.campaign.events import Payment

_PAY_STATES = ("funded", "delivered", "closed")


class _Paying:
    """The payment commands of the state machine (mixed into ``machine._M``)."""

    state: str
    implementer: str | None
    pledges: dict
    payments: dict[str, Payment]
    ctx: object

    @property
    def payee(self) -> str | None:
        got = self.payees
        return got[0] if got else None

    @property
    def payees(self) -> list[str]:
        """Everyone paid (Campaign.payees: the solvers of a split, the implementer or the solver named)."""
        if getattr(self.ctx, "pay_to", "implementer") != "implementer":
            return []
        shares = getattr(self, "shares", ())
        if shares:
            return [who for who, _ in shares]
        solver, decided = getattr(self, "solver", None), getattr(self, "decided_by", None)
        if self.implementer and solver and decided and solver.lower() != self.implementer.lower():
            return [solver]
        return [self.implementer] if self.implementer else []

    def nothing_to_pay(self) -> str | None:
        if self.state in _PAY_STATES:
            return None
        if self.state in ("expired", "cancelled"):
            return f"the campaign {self.state}: every pledge lapsed, so there is nothing to pay."
        if self.state == "open":
            return "the campaign has not reached its goal yet: nothing is owed until it is funded."
        return "there is no campaign on this issue, so there is nothing to pay."

    def paid(self, t: float, author: str) -> str | None:
        problem = self.nothing_to_pay()
        if problem:
            return problem
        key = author.lower()
        if key not in self.pledges:
            return "you have no pledge on this campaign, so there is nothing to mark as paid."
        old = self.payments.get(key) or Payment(self.pledges[key].backer)
        if old.said_at is None:
            self.payments[key] = Payment(old.backer, t, old.confirmed_at, old.confirmed_by)
        return None

    def received(self, t: float, author: str, maintainer: bool, users: str | None, managers: str) -> str | None:
        payee = self.payee
        if not maintainer and author.lower() not in {p.lower() for p in self.payees}:
            who = f"{payee} (who is paid) or " if payee else ""
            return f"only {who}maintainers (repository permission {managers}) can confirm that a payment arrived."
        problem = self.nothing_to_pay()
        if problem:
            return problem
        logins = (users or "").split()
        missing = [u for u in logins if u.lower() not in self.pledges]
        if missing or not logins:
            return (f"{', '.join(missing) or 'nobody'} pledged nothing to this campaign: nothing was recorded; "
                    "name backers who pledged.")
        for login in logins:
            key = login.lower()
            old = self.payments.get(key) or Payment(self.pledges[key].backer)
            if old.confirmed_at is None:
                self.payments[key] = Payment(old.backer, old.said_at, t, author)
        return None

    def pledge_changed(self, key: str, same_amount: bool) -> None:
        """A backer's pledge changed (or was withdrawn): a payment of another amount no longer counts."""
        if not same_amount:
            self.payments.pop(key, None)
