"""Claims that hold (issue 14.5), the ledger's part: claims before the merge, who may claim, the maintainer's
``/bounty deliver`` and ``/bounty split``, and the merge by someone else than expected.

Decisions
---------
* **A claim** is ``/claim`` in a pull request's comment (``/claim #12``, or a bare ``/claim``: the issues the
  pull request references), or a bare ``/claim`` in a pull request description that references the issue
  (``Fixes #12``) - an :class:`~bot.core.campaign.events.IntentEvent`. One claim per pull request (the first
  counts; the pull request closed without a merge withdraws it). Claims are taken while the campaign runs
  (none once delivered) and are shown in the status comment.
* **Who may claim** (``bounties.claims``): ``anyone``; ``offer``: someone who wrote ``/offer`` (once an offer
  was accepted, only its implementer); ``contributors``: someone GitHub calls a contributor of the
  repository - the ``author_association`` GitHub puts in the webhook payload (``OWNER``, ``MEMBER``,
  ``COLLABORATOR`` or ``CONTRIBUTOR``: "has previously committed to the repository"; not
  ``FIRST_TIME_CONTRIBUTOR``, ``FIRST_TIMER``, ``MANNEQUIN`` or ``NONE``), recorded with the claim: no extra
  request. Collaborators (OWNER, MEMBER, COLLABORATOR) may always claim. An unknown association (a record
  made before it was kept) counts as allowed. ``bounties.max_claims`` (0: no cap) caps the open claims
  that count: one more is refused. A refused claim is listed with its reason and never credited.
* **The merge**: a merged pull request that claims or closes the issue credits its author (the solver) -
  unless an offer was accepted and its implementer is someone else, or ``bounties.claims`` is not ``anyone``
  and the author had no claim that counted on this pull request (a collaborator needs none; the association
  at the merge is not used: the merge itself makes its author a contributor): then the campaign waits for the maintainer
  (:attr:`Campaign.awaiting`, shown in the status comment: ``/bounty deliver @x`` or ``@y``). Never a
  silent switch. With ``claims: anyone`` and no accepted offer, a merge credits its author as before.
* ``/bounty deliver [#PR | @user]`` (maintainers): the work is done by that user (the author of that claimed
  or merged pull request); bare, the one waiting merge, else the accepted implementer, else the only claim
  that counts. It delivers a funded campaign at once - no claiming pull request and no closed issue needed
  (a fix pushed without one) - or an open one the moment it is funded. Closing the issue as not planned or
  reopening it undoes the delivery as before (and the decision: a reopened issue waits for a new one).
* ``/bounty split @a 60 @b 40`` (maintainers): several solvers, whole-number shares summing to 100
  (:data:`MAX_SOLVERS` at most); delivers like ``/bounty deliver``; also after delivery, to correct the
  shares (within the payment window). A later ``/bounty deliver`` names one solver again.
* **Who is paid with several solvers** (``bounties.pay_to: implementer``): each backer pays each solver
  their share of the pledge (60 % of 50 = 30.00 to @a, 20.00 to @b); the status comment and notices list
  each solver's share and payment links. A maintainer's ``/bounty deliver @x`` to someone other than the
  accepted implementer makes @x the one paid. ``pay_to: maintainer``: the project is paid, shares are shown.
"""

from __future__ import annotations

from decimal import Decimal

from bot.core.campaign.events import Claim
from bot.core.command_claims import MAX_SOLVERS  # noqa: F401 (re-exported)

CONTRIBUTORS = frozenset({"OWNER", "MEMBER", "COLLABORATOR", "CONTRIBUTOR"})
COLLABORATORS = frozenset({"OWNER", "MEMBER", "COLLABORATOR"})
CLAIM_MODES = ("anyone", "offer", "contributors")
MAX_CLAIMS_KEPT = 100  # claims held per campaign (the oldest refused ones go first)


def parse_shares(spec: str | None) -> tuple[tuple[str, int], ...]:
    """``"a:60 b:40"`` (the log's form of ``/bounty split``) as ((login, share), ...)."""
    out = []
    for word in (spec or "").split():
        login, _, share = word.rpartition(":")
        if login and share.isdigit():
            out.append((login, int(share)))
    return tuple(out)


def share_of(amount: Decimal, share: int) -> Decimal:
    """``share`` percent of ``amount``, to the cent (rounded half up)."""
    return (amount * share / 100).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")


class _Claiming:
    """The claim events and commands of the state machine (mixed into ``machine._M``)."""

    state: str
    implementer: str | None
    solver: str | None
    pull: int | None
    offers: dict
    ctx: object
    claims: dict[int, Claim]
    merges: dict[int, str]
    shares: tuple[tuple[str, int], ...]
    awaiting: tuple[int, str] | None
    decided_by: str | None

    def _mode(self) -> tuple[str, int]:
        return getattr(self.ctx, "claims", "anyone"), int(getattr(self.ctx, "max_claims", 0) or 0)

    def may_claim(self, user: str, association: str | None) -> str | None:
        """Why ``user`` may not claim under ``bounties.claims`` (None: they may)."""
        mode, _ = self._mode()
        assoc = (association or "").upper()
        if mode == "anyone" or assoc in COLLABORATORS:
            return None
        if mode == "offer":
            if self.implementer:
                if self.implementer.lower() == user.lower():
                    return None
                return f"only {self.implementer}, whose offer was accepted, may claim (bounties.claims: offer)."
            if user.lower() in self.offers:
                return None
            return "only people who offered (/offer AMOUNT) may claim this issue (bounties.claims: offer)."
        if not assoc or assoc in CONTRIBUTORS:
            return None
        return ("only contributors of the repository (a merged commit before) may claim this issue "
                "(bounties.claims: contributors).")

    def intent(self, t: float, pull: int, user: str, action: str, association: str | None) -> None:
        if action == "drop":
            self.claims.pop(pull, None)
            return
        if self.state in ("delivered", "closed") or not user or pull in self.claims or pull in self.merges:
            return
        reason = self.may_claim(user, association)
        _, cap = self._mode()
        if reason is None and cap and sum(1 for c in self.claims.values() if c.refused is None) >= cap:
            reason = f"this issue already has {cap} open claim(s), the most bounties.max_claims allows."
        self.claims[pull] = Claim(pull, user, t, reason)
        if len(self.claims) > MAX_CLAIMS_KEPT:
            gone = next((k for k, c in self.claims.items() if c.refused), next(iter(self.claims)))
            self.claims.pop(gone)

    def merged(self, t: float, pull: int, solver: str, association: str | None) -> None:
        """A merged pull request that claims or closes the issue (see the module docstring)."""
        if self.state in ("delivered", "closed") or not solver:
            return
        held = self.claims.pop(pull, None)
        self.merges[pull] = solver
        expected = self.implementer
        if expected and expected.lower() != solver.lower():
            self.awaiting = (pull, solver)
            return
        counted = held is not None and held.refused is None and held.user.lower() == solver.lower()
        mode, _ = self._mode()
        if not expected and not counted and mode != "anyone" and (association or "").upper() not in COLLABORATORS:
            self.awaiting = (pull, solver)
            return
        self.solver, self.pull, self.shares, self.awaiting, self.decided_by = solver, pull, (), None, None
        self.maybe_deliver(t)

    def _deliverable(self) -> str | None:
        if self.state in ("none", "expired", "cancelled"):
            return "there is no running campaign on this issue to deliver; open one with /bounty AMOUNT."
        return None

    def deliver(self, t: float, author: str, target: str | None) -> str | None:
        problem = self._deliverable()
        if problem:
            return problem
        if self.state in ("delivered", "closed"):
            return f"the campaign was already delivered to {self.solver}; /bounty split changes the shares."
        user, pull = self._target(target)
        if user is None:
            return pull  # type: ignore[return-value]  (the reason)
        self.solver, self.pull, self.shares, self.awaiting, self.decided_by = user, pull, (), None, author
        self.maybe_deliver(t)
        return None

    def _target(self, target: str | None) -> tuple[str | None, int | str | None]:
        """(solver, pull) that ``/bounty deliver TARGET`` names, or (None, why not)."""
        if target and target.startswith("#"):
            number = int(target[1:])
            if self.awaiting and self.awaiting[0] == number:
                return self.awaiting[1], number
            who = self.merges.get(number) or (self.claims[number].user if number in self.claims else None)
            if who is None:
                return None, (f"#{number} is not a pull request that claimed this issue: write "
                              "/bounty deliver @user to name who did the work.")
            return who, number
        if target:
            pull = next((c.pull for c in self.claims.values() if c.user.lower() == target.lower()), None)
            pull = pull or next((n for n, who in self.merges.items() if who.lower() == target.lower()), None)
            return target, pull
        if self.awaiting:
            return self.awaiting[1], self.awaiting[0]
        if self.implementer:
            return self.implementer, None
        counted = [c for c in self.claims.values() if c.refused is None]
        if len(counted) == 1:
            return counted[0].user, counted[0].pull
        return None, "name who did the work: /bounty deliver @user or /bounty deliver #PR."

    def split(self, t: float, author: str, spec: str | None) -> str | None:
        problem = self._deliverable()
        if problem:
            return problem
        shares = parse_shares(spec)
        if len(shares) < 2 or sum(s for _, s in shares) != 100:
            return "the shares must sum to 100: write e.g. /bounty split @alice 60 @bob 40."
        first = shares[0][0]
        pull = next((c.pull for c in self.claims.values() if c.user.lower() == first.lower()), self.pull)
        self.solver, self.pull, self.shares, self.awaiting = first, pull, shares, None
        self.decided_by = author
        self.maybe_deliver(t)
        return None
