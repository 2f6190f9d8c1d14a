"""Campaigns (SPEC section 4): the ledger of one issue's bounty, as a pure fold over its events.

GitHub is the source of truth: a campaign is what the issue's comments, labels, open/closed changes and
merged pull requests say, read in order. :func:`fold` turns those events into a :class:`Campaign`;
:func:`apply` adds one event (and always equals folding everything again); :func:`tick` lets time pass
(deadlines); :func:`next_deadline` says when the shell should call :func:`tick`. Nothing here does I/O or
reads the clock: ``now`` is passed in. Amounts are ``Decimal``; times are epoch seconds (UTC).

Events
------
:class:`CommentEvent` carries a comment's *latest* body at its *original* position (``at`` = created_at,
``seq`` = a stable tie-breaker such as the comment id); ``edited_at`` (the comment's updated_at, optional)
says which of two versions of the same comment is newer. :class:`LabelEvent`, :class:`StateEvent`
(issue closed/reopened with GitHub's ``state_reason``) and :class:`ClaimEvent` (a merged pull request that
claims or closes the issue) complete the picture. The shell drops comments by bots; the fold ignores them
too.

The fold
--------
1. Events are made canonical: deduplicated, then sorted by ``(at, seq, kind, identity)``, so any input
   order and any number of replays give the same log (:attr:`Campaign.log`).

   * Comments are keyed by ``comment_id``. Of several versions the winner is the one with the highest
     ``(deleted, edited_at or at, sha1(body), maintainer, author, at, seq)``: a deletion always wins, then
     the newest edit; the rest only makes the choice total. The winner sits at its own ``(at, seq)``.
     The shell must pass ``edited_at`` (GitHub's ``updated_at``): two versions without it are told apart
     by their body hash alone - deterministic, but not "the latest".
   * Claims are keyed by pull request number (the earliest ``(at, seq, solver)`` is kept); label and
     state events are deduplicated by equality.
   * The log keeps every comment (one compact record with the campaign commands parsed out of its latest
     body, not the body itself), so a replayed older version can never resurrect an edited or deleted one.
   * At most :data:`MAX_LOG` records are kept (the first ones in order); later ones are ignored.

2. The log is replayed through the state machine. Before each record, time is advanced to its ``at``
   (deadlines fire at the deadline itself, not when noticed); after the last, to ``now``.

Decisions
---------
* **Set semantics.** A backer's pledge is the last ``/pledge`` they wrote, replayed in order; ``/unpledge``
  sets it to nothing. An edited comment re-runs its commands at its original position with its latest
  body. A deleted comment's commands vanish: if it held a backer's latest pledge, their previous
  still-visible pledge counts again, because that is what the issue shows. Backers are compared
  case-insensitively (GitHub logins are).
* **Deadlines are UTC days.** A deadline date means the *end* of that day UTC: :attr:`Campaign.deadline`
  is midnight UTC starting the next day, and the campaign has expired once ``time >= deadline``.
  ``in N days`` and the default (``bounties.deadline_days``) count from the UTC date of the command
  (or of the label event); ``by YYYY-MM-DD`` is the end of that date. Commands are parsed with "today" =
  the comment's own UTC date, so replays parse the same way.
* **Funded is re-evaluated until the deadline.** Before the deadline the state follows the pledges
  (``funded`` iff raised >= goal; a withdrawal can drop it back to ``open``); once the deadline passes
  while funded, funding is final (:attr:`Campaign.deadline_passed`): later withdrawals lower ``raised``
  but not the state. Pledges are accepted while ``open`` or ``funded`` (over-funding is allowed, also
  after a funded deadline). ``/unpledge`` works in every state (a backer may always withdraw; after an
  expiry it keeps the pledge from coming back on an extension); it is refused only without a pledge.
* **Goal changes** (``/bounty AMOUNT``, a bounty label, ``/bounty accept``) on an open/funded campaign
  re-target it and re-evaluate (a higher goal can turn ``funded`` back into ``open``); a new deadline
  given with ``/bounty`` replaces the old one, otherwise the deadline is kept. After a funded campaign's
  deadline its goal is final: ``/bounty AMOUNT``/``accept`` are refused and label changes leave it alone.
* **A new campaign** (``/bounty AMOUNT``, a bounty label or ``/bounty accept`` while there is none, or it
  is ``expired`` or ``cancelled``) starts fresh: earlier pledges lapsed and are cleared. Offers, the
  solver and the issue's open/closed state are facts about the issue and are kept. ``delivered`` and
  ``closed`` campaigns cannot be reopened or changed.
* **Extending** (maintainers; ``open``, ``funded`` or ``expired``): ``N days`` moves the deadline N days
  later (an expired campaign's deadline counts from the end of the command's day, so it really reopens);
  ``to DATE`` must be later than the current deadline. At most :data:`~bot.core.commands.MAX_DAYS` days
  ahead. Extending an expired campaign reopens it with its pledges (they come back).
* **Cancelling**: ``/bounty cancel`` (maintainers, ``open``/``funded`` only), removing the bounty label
  the goal came from when no other bounty label remains (with another one left the goal re-targets to the
  most recently added one), removing the generic label by hand when no bounty label remains (the generic
  label's events by ``[bot]`` actors - fundbot's own labelling - are ignored), or closing the issue as not
  planned (any ``state_reason`` other than ``completed``/none, e.g. ``duplicate``). Reopening an issue
  whose campaign was cancelled by closing it restores the campaign with its pledges (expired if its
  deadline passed meanwhile). Adding the generic label by hand opens nothing (it names no goal).
* **Delivered** = funded AND the issue closed as completed (``state_reason`` ``completed`` or none) AND a
  merged pull request claimed it (:class:`ClaimEvent`), in any order. Closed as completed without a
  claim, a funded campaign stays funded; an open one keeps running to its deadline and is delivered the
  moment it is funded. The latest claim before delivery names the solver; after delivery it is fixed.
  Reopening a delivered issue makes the campaign ``funded`` again.
* **Closed**: a delivered campaign closes :data:`PAYMENT_WINDOW_DAYS` days after delivery (the window in
  which backers are asked to pay); :func:`next_deadline` schedules it.
* **Offers**: ``/offer AMOUNT`` by anyone (latest offer per user wins; a deleted comment withdraws it),
  refused once delivered. ``/bounty accept @user`` needs a current offer by that user; it sets the goal to
  the offer's amount and the implementer to the user (opening a campaign if there is none).
* **Permissions** come with the event (:attr:`CommentEvent.maintainer`, from the shell's permission
  check of the *latest* version); label events are trusted (only triage+ can label).
* **Amounts** are checked with :func:`~bot.core.commands.check_amount` (``min_pledge`` ..
  ``max_amount``, the campaign currency) for pledges, goals and offers alike, and default deadlines use
  ``deadline_days``: those of the event's ``rule`` (what judged it when made), else the configuration's.
  Goals of bounty labels come from the configuration and are not checked again.
* **Outcomes**: one :class:`Outcome` per campaign command (``/bounty*``, ``/pledge``, ``/unpledge``,
  ``/offer``) of every live comment, in replay order, for reactions and replies. Lines the parser finds
  invalid are not outcomes (the commands handler answers them); neither are ``/fund``, ``/claim``,
  ``/campaign`` and the other non-ledger commands. When ``bounties.enabled`` is false every campaign
  command is refused and labels do nothing.
* **Bounds**: at most :data:`MAX_BACKERS` backers (a new backer beyond it is refused; existing ones may
  still change their pledge), :data:`MAX_OFFERS` offers, :data:`MAX_LOG` log records.
* ``label_goals`` maps the *repository's* label names to goals (the shell resolves renamed labels with
  :func:`bot.core.labels.resolve`); by default the names in ``bounties.labels``. ``generic_label`` is the
  repository's name for ``bounties.label`` (default: that name). :attr:`Campaign.labels_wanted` holds
  *config* names (generic, funded, delivered); fundbot never touches the goal labels humans set.
* **Incremental = refold.** :func:`apply` takes a fast path only when the new event sorts after the whole
  log and no time-driven change (expiry, final funding, closing) happened after it; otherwise it refolds
  the log (which holds parsed commands, so no re-parsing). With the same config and ``now`` it always
  equals :func:`fold`. A config change needs a refold from GitHub. ``now`` must not go backwards.
* **Snapshots**: :meth:`Campaign.to_snapshot` is plain JSON data holding every field (the log included),
  and :meth:`Campaign.from_snapshot` rebuilds an equal campaign or raises ``ValueError``. A status
  comment too large for GitHub embeds :meth:`Campaign.summary` instead (``"partial": true``), which
  :meth:`from_snapshot` refuses: the shell then refolds from GitHub.
* **Log records** are named tuples (:mod:`bot.core.campaign.records`): ``rec.comment_id``, not ``rec[3]``.

Modules
-------
``events`` (bounds, events, results), ``days`` (UTC days and deadlines), ``records`` (the log's records,
canonical order, their JSON form), ``model`` (:class:`Campaign` and its snapshot), ``machine`` (the state
machine), ``api`` (the functions). Every name is importable from ``bot.core.campaign``.
"""

from __future__ import annotations

from bot.core.campaign.api import (
    apply,
    body_digest,
    comment_record,
    comment_version,
    fold,
    next_deadline,
    replay,
    tick,
)
from bot.core.campaign.days import day_end, deadline_date
from bot.core.campaign.events import (
    DAY,
    LEDGER_COMMANDS,
    MAX_BACKERS,
    MAX_LOG,
    MAX_OFFERS,
    PAYMENT_WINDOW_DAYS,
    SNAPSHOT_VERSION,
    STATES,
    ClaimEvent,
    CommentEvent,
    Event,
    IntentEvent,
    LabelEvent,
    Offer,
    Outcome,
    Payment,
    Pledge,
    State,
    StateEvent,
)
from bot.core.campaign.model import DERIVED, Campaign
from bot.core.campaign.records import (
    ClaimRecord,
    CommentRecord,
    LabelRecord,
    LoggedCommand,
    Record,
    Rule,
    StateRecord,
    log_from_json,
    log_to_json,
)

__all__ = [
    "DAY", "DERIVED", "LEDGER_COMMANDS", "MAX_BACKERS", "MAX_LOG", "MAX_OFFERS", "PAYMENT_WINDOW_DAYS", "SNAPSHOT_VERSION",
    "STATES", "Campaign", "ClaimEvent", "ClaimRecord", "IntentEvent", "CommentEvent", "CommentRecord", "Event", "LabelEvent",
    "LabelRecord", "LoggedCommand", "Offer", "Outcome", "Payment", "Pledge", "Record", "Rule", "State", "StateEvent",
    "StateRecord", "apply", "body_digest", "comment_record", "comment_version", "day_end", "deadline_date", "fold", "log_from_json", "log_to_json", "next_deadline", "replay",
    "tick",
]
