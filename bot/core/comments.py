"""Texts of fundbot's comments (pure: data in, Markdown out)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.core import markdown, names

FUNDING_MARKER = "funding-links"
MAX_COMMENT = 65_536  # GitHub refuses a longer comment body: 422 "body is too long (maximum is 65536 characters)"
_BUDGET = MAX_COMMENT - 1_536  # room for the marker and the closing lines

DEFAULT_ISSUE_MESSAGE = (
    "Thanks for opening this issue, {author}! {repo} is built by people who give their time to it. "
    "If this project helps you, please consider supporting it:\n\n{links}"
)


def links_list(links: Sequence) -> str:
    """A Markdown bullet list of payment links (objects with ``title`` and ``url``); unsafe URLs dropped."""
    lines = []
    for link in links:
        target = markdown.url(link.url)
        if target is None:
            continue
        lines.append(f"- [{markdown.text(link.title)}]({target})")
    return "\n".join(fit(lines, _BUDGET // 2, "links"))


def funding_comment(*, author: str, repo: str, links: Sequence, template: str = DEFAULT_ISSUE_MESSAGE) -> str | None:
    """The funding-links comment for a new issue, or None when there is no usable link."""
    rendered_links = links_list(links)
    if not rendered_links:
        return None
    # The list is a block: it always stands in a paragraph of its own, wherever {links} is in the template.
    values = {"author": markdown.mention(author), "repo": markdown.text(repo), "links": "\n\n" + rendered_links + "\n\n"}
    body = _fill(template, values)
    if "{links}" not in template:
        body += "\n\n" + rendered_links
    body = re.sub(r"\n{3,}", "\n\n", re.sub(r"[ \t]+\n", "\n", body)).strip()
    return body + "\n\n" + markdown.marker(FUNDING_MARKER) + "\n"


def _fill(template: str, values: dict[str, str]) -> str:
    """Replace ``{name}`` placeholders; unknown braces stay as written (never str.format on user text)."""
    out = template
    for key, value in values.items():
        out = out.replace("{" + key + "}", value)
    return out


FUND_REPLY_MARKER = "reply"

COMMANDS_REFERENCE = """\
| Command | Who | What it does |
| --- | --- | --- |
| `/fund` | anyone | the project's funding links |
| `/bounty AMOUNT [in N days \\| by YYYY-MM-DD]` | maintainers | open or change a campaign on this issue |
| `/bounty cancel` · `/bounty extend N days` · `/bounty accept @user` | maintainers | manage the campaign; accept an offer |
| `/pledge AMOUNT` · `/unpledge` | anyone | pledge toward the campaign, or withdraw |
| `/offer AMOUNT [link]` | anyone | offer to implement the issue if AMOUNT is raised; once accepted, backers pay you (the link, your GitHub Sponsors or your FUNDING.yml) |
| `/paid` | backers | say you paid your pledge |
| `/bounty received @user…` | maintainers, the person paid | confirm these backers' payments arrived |
| `/claim [#N]` | anyone | in a pull request that fixes the issue: claim the campaign |
| `/bounty deliver [#PR \\| @user]` · `/bounty split @a 60 @b 40` | maintainers | deliver without a claiming pull request; share among solvers |
| `/bounty reward done @user…` | maintainers | a reward fundbot cannot deliver (a live session...) was given |
| `/campaign` | anyone | link to the campaign's status |
| `/sponsors refresh` | maintainers | re-render the README sponsor section now |
| `/fundbot help` | anyone | this help |
| `/fundbot COMMAND` · `@fundbot COMMAND` | anyone | any command above, addressed to fundbot |

Commands go at the start of a line; lines in code blocks, inline code and quotes are ignored."""


COMMANDS_REPLY = "commands"  # the ``for`` of the one reply to a comment's commands


def reply_marker(comment_id: int, what: str, extra: dict | None = None) -> str:
    return markdown.marker(FUND_REPLY_MARKER, {"to": comment_id, "for": what, **(extra or {})})


def fund_reply(*, links: Sequence, comment_id: int | None) -> str:
    """The answer to ``/fund`` (``comment_id`` None: without a marker, a part of :func:`command_reply`)."""
    rendered = links_list(links)
    if not rendered:
        text = "This project has no funding links set up yet."
    else:
        text = "Thank you for wanting to support this project! You can fund it here:\n\n" + rendered
    return text + ("\n" if comment_id is None else "\n\n" + reply_marker(comment_id, "fund") + "\n")


def refused_reply(*, reasons: Sequence[tuple[str, str]], comment_id: int) -> str:
    """One reply for every refused command of a comment: (command line as written, reason)."""
    return command_reply(refused=reasons, comment_id=comment_id)


def command_reply(*, comment_id: int, parts: Sequence[str] = (), recorded: Sequence[str] = (),
                  refused: Sequence[tuple[str, str]] = (), decisions: dict | None = None) -> str:
    """The one reply to a comment, however many commands it holds: the answers (``parts``: /fund's links,
    the help...), then exactly what was recorded (command lines as written) and what was refused
    (``(line, reason)``). Commands are shown inert (code spans), as are the parts of a reason quoted
    “like this”. The marker says which comment it answers and carries ``decisions``, fundbot's decision
    record for this revision of the comment (:mod:`bot.core.history`), which a refold reads back."""
    budget = _BUDGET - sum(len(p) + 2 for p in parts)
    lines: list[str] = []
    for part in parts:
        lines += [part.rstrip("\n"), ""]
    done = [f"- {markdown.inert(raw, 200)}" for raw in recorded]
    if refused:
        items = [f"- {markdown.inert(raw, 200)}: {markdown.sentence(reason, 400)}" for raw, reason in refused]
        if done:
            lines += ["Recorded:", "", *fit(done, budget // 2, "recorded commands"), ""]
        lines += ["I could not act on this:", "", *fit(items, budget // 2, "refused commands"), ""]
        lines.append(("Nothing was changed. " if not done else "Only the recorded commands changed something. ")
                     + "Edit your comment to fix a command; `/fundbot help` lists the commands.")
    elif done and not parts:
        lines += ["Recorded:", "", *fit(done, budget, "recorded commands"), "", "Every command of this comment was recorded."]
    elif done:
        lines += ["Recorded:", "", *fit(done, budget, "recorded commands")]
    elif not parts:
        lines.append("This comment holds no command any more: nothing of it is recorded.")
    extra = {"decisions": decisions} if decisions else None
    return "\n".join(lines).rstrip("\n") + "\n\n" + reply_marker(comment_id, COMMANDS_REPLY, extra) + "\n"


def fit(lines: Sequence[str], budget: int, what: str) -> list[str]:
    """As many of ``lines`` as fit in ``budget`` characters (newlines counted), then "… and N more WHAT"."""
    n = fitting(lines, budget)
    return list(lines[:n]) + ([f"… and {len(lines) - n:,} more {what}."] if n < len(lines) else [])


def fitting(lines: Sequence[str], budget: int) -> int:
    """How many of ``lines`` to keep so that they and a "… and N more ..." line fit in ``budget``."""
    used = 0
    for i, line in enumerate(lines):
        tail = 80 if i + 1 < len(lines) else 0  # room for the count line, unless this is the last line
        if used + len(line) + 1 + tail > budget:
            return i
        used += len(line) + 1
    return len(lines)


def addressed_forms(*, handle: str = "fundbot", bare: bool = True) -> str:
    """How to address fundbot by name (``/fundbot pledge 50``, ``@HANDLE pledge 50``), and whether the bare
    forms count here (``commands.bare``). Mentions are in code spans: inert."""
    at = f"@{handle}" if names.is_login(handle) else "@fundbot"
    text = (f"Every command also works addressed to fundbot: `/fundbot pledge 50` or `{at} pledge 50` "
            f"(`{at} help` is this help).")
    if bare:
        return text + " Use these where another bounty bot (Algora, Opire) also reads `/bounty` and `/claim`."
    return text + (" **Here only these forms count** (`commands.bare: false`): a bare `/pledge 50` or `/bounty 500` "
                   "is left to the other bounty bots of this repository.")


def help_reply(*, summary: str, problems: str, fallback: str | None, comment_id: int | None, has_errors: bool = True,
               handle: str = "fundbot", bare: bool = True) -> str:
    """The reply to ``/fundbot help``: the commands (and their addressed forms), the settings and the
    configuration's problems (in a code block, so nothing in them is live), cut with a count to stay under
    GitHub's comment limit."""
    at = f"@{handle}" if names.is_login(handle) else "@fundbot"
    reference = COMMANDS_REFERENCE.replace("`@fundbot COMMAND`", f"`{at} COMMAND`")
    head = ["**fundbot** gets this project's maintainers paid. Commands:", "", reference, "",
            addressed_forms(handle=handle, bare=bare), ""]
    room = _BUDGET - sum(len(x) + 1 for x in head)
    shown_summary = fit(summary.rstrip().split("\n"), room // 4, "settings lines")
    parts = head + shown_summary
    room -= sum(len(x) + 1 for x in shown_summary)
    if problems:
        if has_errors:
            keep = "the last valid configuration" if fallback == "last valid" else "the default settings"
            intro = f"**The configuration has errors**; fundbot uses {keep} until they are fixed:"
        else:
            intro = "The configuration is valid and in use; fundbot has these remarks about it:"
        rows = [markdown.defuse(line.replace("```", "\'\'\'")) for line in problems.split("\n")]
        n = fitting(rows, room - len(intro) - 16)
        parts += ["", intro, "", "```", *rows[:n], "```"]
        if n < len(rows):
            parts += ["", f"… and {len(rows) - n:,} more problems, not shown here."]
    if comment_id is None:  # a part of command_reply
        return "\n".join(parts) + "\n"
    return "\n".join(parts) + "\n\n" + reply_marker(comment_id, "help") + "\n"
