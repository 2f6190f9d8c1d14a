"""Issue 10, point 1: inheritance never publishes what the pusher could not read.

Driven through the real endpoint and workers against the sandbox: a push of ``.github/fundbot.yml`` gets the
``fundbot/config`` check run, ``/fundbot help`` gets a reply, and the sandbox records every request, so what
was read and what was published are both checked. The secret files below hold marker words; no check run,
comment or path fundbot requested may contain one.
"""

from __future__ import annotations

import pytest

from bot.core import config as core
from bot.core import paths
from bot.github import repo_ops
from bot.sandbox import webhooks
from bot.services import config_loader
from tests.fixtures.bot_fixtures import settle

REPO = "octo-org/widgets"  # public, the sandbox_repo fixture
VAULT = "octo-org/vault"  # private, in the same installation
SECRETS = {
    ".env": "AWS_SECRET_ACCESS_KEY=SECRET-wJalrXUtnFEMI\nDATABASE_URL=postgres://admin:SECRET-hunter2@db/prod\n",
    "deploy/secrets.yml": "api_token: SECRET-sk_live_51H\nsigning_key: SECRET-9f8e7d\n",
    ".github/fundbot.yml": "issues:\n  message: 'SECRET-internal greeting {author}'\nlinks:\n"
                           "  - {title: SECRET-intranet, url: 'https://intranet.example'}\n",
    ".github/base.yml": "bounties:\n  deadline_days: -31337\n  label: 'SECRET-label'\n  SECRET-key: 1\n"
                        "readme:\n  tiers: [{name: SECRET-tier, min: 5}]\n",
    ".github/mixed.yml": "bounties: {deadline_days: 9}\nbountys: {SECRET-x: 1}\n",
}
MARKERS = ("SECRET-", "hunter2", "wJalr", "sk_live", "31337", "bountys", "did you mean", "intranet")



def config_runs(sandbox, repo=REPO):
    return sorted((r for r in sandbox.repo(repo).check_runs.values() if r.name == "fundbot/config"), key=lambda r: r.id)


def published(sandbox, repo=REPO) -> str:
    """Everything fundbot wrote where users read it: check runs (title, summary, annotations) and comments."""
    parts = []
    for run in sandbox.repo(repo).check_runs.values():
        output = run.output or {}
        parts += [output.get("title") or "", output.get("summary") or ""]
        parts += [f"{a.get('title')} {a.get('message')}" for a in run.annotations]
    for issue in sandbox.repo(repo).issues.values():
        parts += [c["body"] for c in sandbox.comments(repo, issue.number)]
    return "\n".join(parts)


def assert_nothing_leaked(text: str) -> None:
    leaked = [m for m in MARKERS if m in text]
    assert not leaked, f"published text holds {leaked}:\n{text}"


async def help_reply(sandbox, bot, repo=REPO) -> str:
    issue = await sandbox.open_issue(repo, "octocat", "help me")
    await sandbox.comment(repo, issue["number"], "hubot", "/fundbot help")
    await settle(sandbox, bot)
    [reply] = [c for c in sandbox.comments(repo, issue["number"]) if c["user"]["login"] == "fundbot[bot]"]
    return reply["body"]


@pytest.fixture
def world(sandbox, sandbox_repo):
    sandbox.add_user("hubot")
    sandbox.add_repo(VAULT, private=True, files=SECRETS, owner_type="Organization")
    sandbox.add_repo("octo-org/shared", files={"fundbot/base.yml": "bountys: {}\nbounties:\n  deadline_days: 45\n"},
                     owner_type="Organization")
    sandbox.add_repo("octo-org/internal", private=True, files={"README.md": "# internal\n"}, owner_type="Organization")
    sandbox.set_permission("octo-org/internal", "octocat", "admin")
    iid = sandbox.add_installation("octo-org", repos=[REPO, VAULT, "octo-org/shared", "octo-org/internal"])["id"]
    return iid


def contents_reads(sandbox, repo: str) -> list[str]:
    return [c.path for c in sandbox.calls_to("GET", f"^/repos/{repo}/contents/")]


# ------------------------------------------------------------------------------------------------ the leak


async def test_the_reported_dotenv_leak(sandbox, world, bot):
    """The issue as reported, asserting only what must hold: neither the check run nor the /fundbot help
    reply holds a line of the private `.env` (before the fix both printed `AWS_SECRET_ACCESS_KEY=...`)."""
    await sandbox.push_files(REPO, "octocat", {".github/fundbot.yml": "_extends: vault:.env\n"})
    await settle(sandbox, bot)
    await help_reply(sandbox, bot)
    text = published(sandbox)
    assert config_runs(sandbox) and "/pledge" in text
    assert_nothing_leaked(text)
    assert not any(line.split("=")[0] in text for line in SECRETS[".env"].splitlines())


@pytest.mark.parametrize("target", ["vault:.env", "octo-org/vault:deploy/secrets.yml", "vault", "vault:.github/base.yml"])
async def test_a_public_repository_never_publishes_a_private_file(sandbox, world, bot, target):
    """The reported leak: `_extends: other-private-repo:.env` in a public repository printed the file's lines
    in the check run and in /fundbot help. Neither a non-YAML file, nor a YAML file of other keys, nor a real
    fundbot config of a private repository is read for a public one, and nothing of them is shown."""
    await sandbox.push_files(REPO, "octocat", {".github/fundbot.yml": f"bounties:\n  deadline_days: 20\n_extends: {target}\n"})
    await settle(sandbox, bot)
    [run] = config_runs(sandbox)
    assert run.conclusion == "failure"
    [annotation] = [a for a in run.annotations if a["annotation_level"] == "failure"]
    assert annotation["path"] == ".github/fundbot.yml" and annotation["start_line"] == 3  # the `_extends` line
    body = await help_reply(sandbox, bot)
    assert "configuration has errors" in body and ".github/fundbot.yml:3:" in body
    assert_nothing_leaked(published(sandbox))
    # a public repository does not even read the private one's files (only its visibility)
    assert contents_reads(sandbox, VAULT) == []


async def test_dotenv_is_refused_before_any_request(sandbox, world, bot):
    await sandbox.push_files(REPO, "octocat", {".github/fundbot.yml": "_extends: vault:.env\n"})
    await settle(sandbox, bot)
    [run] = config_runs(sandbox)
    [annotation] = run.annotations
    assert (annotation["start_line"], annotation["start_column"]) == (1, 11)
    assert "[bad-extends]" in annotation["title"] and ".yml" in annotation["message"]
    assert sandbox.calls_to("GET", f"^/repos/{VAULT}") == []  # not even its visibility


@pytest.mark.parametrize(("path", "where"), [("deploy/secrets.yml", "no-fundbot-key, line 1, column 1"),
                                             (".github/mixed.yml", "unknown-key, line 2, column 1")])
async def test_a_yaml_file_of_other_keys_is_not_a_fundbot_config(sandbox, world, bot, path, where):
    """Even where it may be read (a private repository extending a private one), a YAML file that is not a
    mapping of fundbot keys - for a file that is not shown: with any top-level key fundbot does not know - is
    refused whole: reported at the `_extends` line with the rule and position, none of its text shown."""
    await sandbox.push_files("octo-org/internal", "octocat", {".github/fundbot.yml": f"_extends: vault:{path}\n"})
    await settle(sandbox, bot)
    [run] = config_runs(sandbox, "octo-org/internal")
    assert run.conclusion == "failure"
    [annotation] = run.annotations
    assert "[not-fundbot-config]" in annotation["title"] and f"octo-org/vault:{path}" in annotation["message"]
    assert where in annotation["message"]
    gh = await bot.service.github.installation(world)
    loaded = await config_loader.load(gh, bot.service.ctx, {"full_name": "octo-org/internal", "id": sandbox.repo("octo-org/internal").id})
    assert loaded.fallback == "defaults" and loaded.config.bounties.deadline_days == 30  # nothing of it is used
    assert_nothing_leaked(published(sandbox, "octo-org/internal"))


# ------------------------------------------------------------------------------- private bases: rule only


async def test_errors_of_an_inherited_private_file_are_reported_by_position_and_rule(sandbox, world, bot):
    await sandbox.push_files("octo-org/internal", "octocat", {".github/fundbot.yml": "_extends: vault:.github/base.yml\n"})
    await settle(sandbox, bot)
    [run] = config_runs(sandbox, "octo-org/internal")
    assert run.conclusion == "failure"
    summary = run.output["summary"]
    where = "octo-org/vault:.github/base.yml"
    assert f"{where}:2:18: error:" in summary and "[out-of-range]" in summary  # deadline_days: -31337
    assert f"{where}:4:3: warning:" in summary and "[unknown-key]" in summary
    assert "details are not shown because octo-org/vault is not this repository and is not public" in summary
    body = await help_reply(sandbox, bot, "octo-org/internal")
    assert f"{where}:2:18" in body
    assert_nothing_leaked(published(sandbox, "octo-org/internal"))


async def test_a_private_base_configures_a_private_repository_without_being_quoted(sandbox, world, bot, sandbox_session):
    """What a private repository inherits from a private one is used (its readers are the organization's);
    the check run names the file but quotes none of its problems."""
    await sandbox.push_files("octo-org/internal", "octocat", {".github/fundbot.yml": "_extends: vault\n"})
    await settle(sandbox, bot)
    [run] = config_runs(sandbox, "octo-org/internal")
    assert run.conclusion == "success", run.output
    gh = await bot.service.github.installation(world)
    loaded = await config_loader.load(gh, bot.service.ctx, {"full_name": "octo-org/internal", "id": sandbox.repo("octo-org/internal").id})
    assert loaded.config.issues.message.startswith("SECRET-internal greeting")


async def test_a_private_repository_of_another_owner_cannot_be_read(sandbox, world, bot):
    sandbox.add_repo("other-org/private-base", private=True, owner_type="Organization",
                     files={".github/fundbot.yml": "bountys: {SECRET-x: 1}\n"})
    sandbox.add_installation("other-org", repos=["other-org/private-base"])
    await sandbox.push_files("octo-org/internal", "octocat", {".github/fundbot.yml": "_extends: other-org/private-base\n"})
    await settle(sandbox, bot)
    [run] = config_runs(sandbox, "octo-org/internal")
    assert run.conclusion == "failure"
    [annotation] = run.annotations
    assert "[extends-missing]" in annotation["title"]
    assert contents_reads(sandbox, "other-org/private-base") == []
    assert_nothing_leaked(published(sandbox, "octo-org/internal"))


async def test_a_private_org_github_repository_does_not_configure_public_repositories(sandbox, world, bot):
    sandbox.add_repo("octo-org/.github", private=True, owner_type="Organization",
                     files={".github/fundbot.yml": "bountys: {SECRET-org: 1}\nbounties: {deadline_days: 77}\n"})
    sandbox.installation(world).repo_ids.add(sandbox.repo("octo-org/.github").id)
    gh = await bot.service.github.installation(world)
    public = await config_loader.load(gh, bot.service.ctx, {"full_name": REPO, "id": sandbox.repo(REPO).id})
    assert public.source == "defaults" and public.config.bounties.deadline_days == 30
    assert contents_reads(sandbox, "octo-org/.github") == []
    private = await config_loader.load(gh, bot.service.ctx, {"full_name": "octo-org/internal", "id": sandbox.repo("octo-org/internal").id})
    assert private.source == "organization" and private.config.bounties.deadline_days == 77
    [warning] = private.warnings
    assert (warning.path, warning.line, warning.column, warning.code) == ("octo-org/.github:.github/fundbot.yml", 1, 1, "unknown-key")
    assert "SECRET" not in core.format_issues(private.warnings) and warning.found == ""
    # a push to the private org repository reports on the private repository only
    await sandbox.push_files("octo-org/.github", "octocat", {".github/fundbot.yml": "bounties: {deadline_days: 78}\n"})
    await settle(sandbox, bot)
    assert config_runs(sandbox, REPO) == [] and len(config_runs(sandbox, "octo-org/internal")) == 1


# ------------------------------------------------------------------------------- visibility changes

INTERNAL = "octo-org/internal"  # private in the world fixture; extends the private vault below


def fundbot_comments(sandbox, repo, number):
    return [c["body"] for c in sandbox.comments(repo, number) if c["user"]["login"] == "fundbot[bot]"]


async def greeting(sandbox, bot, repo=INTERNAL) -> str:
    issue = await sandbox.open_issue(repo, "hubot", "a question")
    await settle(sandbox, bot)
    return "\n".join(fundbot_comments(sandbox, repo, issue["number"]))


async def set_private(sandbox, repo: str, private: bool, *, deliver: bool = True) -> None:
    """The owner changes the repository's visibility; GitHub sends ``repository`` ``privatized`` or
    ``publicized`` (to Apps subscribed to the event; ``deliver=False``: fundbot does not hear of it)."""
    r = sandbox.repo(repo)
    r.private = private
    if deliver:
        payload = webhooks.envelope(sandbox, r, sandbox._user("octocat"), "privatized" if private else "publicized")
        status = await sandbox.deliver("repository", payload)
        assert 200 <= status < 300, status


async def loaded_config(sandbox, bot, world, repo=INTERNAL):
    gh = await bot.service.github.installation(world)
    return await config_loader.load(gh, bot.service.ctx, {"full_name": repo, "id": sandbox.repo(repo).id})


async def stored_record(bot, sandbox, repo=INTERNAL):
    return await bot.store.cache_get(config_loader.CACHE_NAMESPACE, str(sandbox.repo(repo).id))


async def test_visibility_flip_does_not_publish_a_cached_private_base(sandbox, world, bot):
    """A private repository extends a private one (allowed). Then it is made public - fundbot is not told - and
    its file is pushed again: the chain is refused (a public repository never inherits from a private one) and
    fundbot falls back to the defaults, not to the last valid configuration that holds the private file's text."""
    await sandbox.push_files(INTERNAL, "octocat", {".github/fundbot.yml": "_extends: vault\n"})
    await settle(sandbox, bot)
    [run] = config_runs(sandbox, INTERNAL)
    assert run.conclusion == "success"
    assert "SECRET-internal greeting" in await greeting(sandbox, bot)  # private: the private base applies
    assert (await stored_record(bot, sandbox))["public_only"] is False
    await set_private(sandbox, INTERNAL, False, deliver=False)
    await sandbox.push_files(INTERNAL, "octocat", {".github/fundbot.yml": "# now public\n_extends: vault\n"})
    await settle(sandbox, bot)
    refused = config_runs(sandbox, INTERNAL)[-1]
    assert refused.conclusion == "failure"
    assert "keeps using the default settings" in refused.output["summary"]
    assert config_loader.NOT_PUBLIC_NOTE in refused.output["summary"]
    loaded = await loaded_config(sandbox, bot, world)
    assert (loaded.fallback, loaded.note) == ("defaults", config_loader.NOT_PUBLIC_NOTE)
    assert loaded.config == core.Config.defaults()
    text = await greeting(sandbox, bot) + "\n" + await help_reply(sandbox, bot, INTERNAL)
    assert "/pledge" in text
    assert_nothing_leaked(text)
    assert_nothing_leaked("\n".join(str(r.output) for r in config_runs(sandbox, INTERNAL)[1:]))


async def test_a_memoised_private_base_is_not_used_once_the_repository_is_public(sandbox, world, bot):
    """Made public with no push and no event: the next issue does not get the greeting memoised while the
    repository was private (the memo of a private-sourced config is used only after checking visibility)."""
    await sandbox.push_files(INTERNAL, "octocat", {".github/fundbot.yml": "_extends: vault\n",
                                                   ".github/FUNDING.yml": "github: [octocat]\n"})
    await settle(sandbox, bot)
    assert "SECRET-internal greeting" in await greeting(sandbox, bot)
    await set_private(sandbox, INTERNAL, False, deliver=False)
    text = await greeting(sandbox, bot)
    assert "octocat" in text  # fundbot still greets: the defaults, with the repository's FUNDING.yml
    assert_nothing_leaked(text)
    assert (await loaded_config(sandbox, bot, world)).fallback == "defaults"


async def test_made_private_again_the_private_base_and_its_last_valid_config_apply_again(sandbox, world, bot):
    await sandbox.push_files(INTERNAL, "octocat", {".github/fundbot.yml": "_extends: vault\n"})
    await settle(sandbox, bot)
    await set_private(sandbox, INTERNAL, False)
    await settle(sandbox, bot)
    assert_nothing_leaked(await greeting(sandbox, bot))
    await set_private(sandbox, INTERNAL, True)
    await settle(sandbox, bot)
    assert "SECRET-internal greeting" in await greeting(sandbox, bot)
    assert (await loaded_config(sandbox, bot, world)).public_only is False
    # an invalid file now falls back to the last valid configuration, private values and all (still private)
    await sandbox.push_files(INTERNAL, "octocat", {".github/fundbot.yml": "_extends: vault\nbounties: {deadline_days: -1}\n"})
    await settle(sandbox, bot)
    run = config_runs(sandbox, INTERNAL)[-1]
    assert run.conclusion == "failure" and "keeps using the last valid configuration" in run.output["summary"]
    loaded = await loaded_config(sandbox, bot, world)
    assert loaded.fallback == "last valid" and loaded.config.issues.message.startswith("SECRET-internal greeting")
    assert "SECRET-internal greeting" in await greeting(sandbox, bot)


async def test_a_publicized_delivery_drops_the_private_sourced_memo(sandbox, world, bot):
    """``repository`` ``publicized``: the stored last valid config of that repository is dropped when it holds
    values of a file that is not public, and its in-process memo is forgotten; a public-only one is kept."""
    await sandbox.push_files(INTERNAL, "octocat", {".github/fundbot.yml": "_extends: vault\n"})
    await sandbox.push_files(REPO, "octocat", {".github/fundbot.yml": "bounties: {deadline_days: 20}\n"})
    await settle(sandbox, bot)
    memo = config_loader._memo(bot.service.ctx)
    assert sandbox.repo(INTERNAL).id in memo and (await stored_record(bot, sandbox))["public_only"] is False
    public_record = await stored_record(bot, sandbox, REPO)
    assert public_record["public_only"] is True
    await set_private(sandbox, INTERNAL, False)
    await set_private(sandbox, REPO, False)  # already public (a repeated event): its public-only record stays
    await settle(sandbox, bot)
    assert await stored_record(bot, sandbox) is None
    assert sandbox.repo(INTERNAL).id not in memo
    assert await stored_record(bot, sandbox, REPO) == public_record


async def test_a_stored_record_of_the_old_format_is_not_trusted_for_a_public_repository(sandbox, world, bot):
    """A last valid config stored before records said where their values came from (the bare config dict)
    is used for a private repository only."""
    base = core.validate(SECRETS[".github/fundbot.yml"]).config
    await bot.store.cache_set(config_loader.CACHE_NAMESPACE, str(sandbox.repo(INTERNAL).id), base.to_dict())
    await sandbox.push_files(INTERNAL, "octocat", {".github/fundbot.yml": "bounties: {deadline_days: -1}\n"})
    await settle(sandbox, bot)
    assert (await loaded_config(sandbox, bot, world)).fallback == "last valid"  # private: still usable
    await set_private(sandbox, INTERNAL, False, deliver=False)
    config_loader.invalidate(bot.service.ctx)
    loaded = await loaded_config(sandbox, bot, world)
    assert (loaded.fallback, loaded.note, loaded.config) == ("defaults", config_loader.NOT_PUBLIC_NOTE, core.Config.defaults())


# ------------------------------------------------------------------------------- public bases: quoted


async def test_a_public_inherited_file_is_quoted_normally(sandbox, world, bot):
    await sandbox.push_files(REPO, "octocat", {".github/fundbot.yml": "_extends: shared:fundbot/base.yml\n"})
    await settle(sandbox, bot)
    [run] = config_runs(sandbox)
    assert run.conclusion == "success"
    summary = run.output["summary"]
    assert "octo-org/shared:fundbot/base.yml:1:1: warning: Unknown key `bountys`" in summary
    assert "did you mean `bounties`" in summary and "45 days" in summary


async def test_a_cross_file_problem_does_not_quote_a_private_value(sandbox, world, bot):
    """The tier of a sponsor in the repository's own file is checked against tiers inherited from a private
    file: the error (at the repository's own line) does not list the private tier names."""
    await sandbox.push_files("octo-org/vault", "octocat", {".github/tiers.yml": "readme:\n  tiers: [{name: SECRET-gold, min: 5}]\n"})
    await sandbox.push_files("octo-org/internal", "octocat", {".github/fundbot.yml":
                             "_extends: vault:.github/tiers.yml\nreadme:\n  sponsors: [{name: ACME, tier: Gold}]\n"})
    await settle(sandbox, bot)
    [run] = config_runs(sandbox, "octo-org/internal")
    assert run.conclusion == "failure"
    [annotation] = [a for a in run.annotations if "[unknown-tier]" in a["title"]]
    assert annotation["start_line"] == 3 and "not shown" in annotation["message"]
    assert_nothing_leaked(published(sandbox, "octo-org/internal"))


# ------------------------------------------------------------------------------- paths


BAD_PATHS = ["../README.md", "%2e%2e/README.md", "docs/%2E%2E/x.md", "/etc/x.md", "docs\\README.md",
             "docs//README.md", "x.md/", "./README.md", "docs/./x.md", "a/%2f/b.md", "READ\u0000ME.md", "READ\tME.md",
             "READ\u202eME.md", ".git/x.md", "docs/../x.md", "%252e%252e/x.md", "docs/.%2e/x.md"]


async def test_bad_paths_never_reach_the_sandbox(sandbox, world, bot):
    """Every bad readme.path and `_extends` path is a config error at its line; none is ever requested."""
    for i, bad in enumerate(BAD_PATHS):
        quoted = bad.replace("\\", "\\\\").replace("\u0000", "\\0").replace("\t", "\\t").replace("\u202e", "\\u202e")
        yml = ".yml".join(quoted.rsplit(".md", 1))
        text = f'readme:\n  path: "{quoted}"\n_extends: "shared:{yml}"\n'
        await sandbox.push_files(REPO, "octocat", {".github/fundbot.yml": text}, message=f"bad path {i}")
    await settle(sandbox, bot)
    runs = config_runs(sandbox)
    assert len(runs) == len(BAD_PATHS)
    for run in runs:
        assert run.conclusion == "failure"
        lines = sorted((a["start_line"], a.get("start_column")) for a in run.annotations if a["annotation_level"] == "failure")
        assert lines == [(2, 9), (3, 11)], run.annotations
    requested = [c.path for c in sandbox.calls if "/contents/" in c.path]
    assert requested and all(".." not in p and "//" not in p.split("/contents/", 1)[1] for p in requested)
    assert all("/.git/" not in p and not p.endswith("/") for p in requested)
    assert contents_reads(sandbox, "octo-org/shared") == []


async def test_the_request_boundary_refuses_what_the_validator_refuses(sandbox, world, bot):
    gh = await bot.service.github.installation(world)
    before = len(sandbox.calls)
    for bad in BAD_PATHS:
        assert core.validate(f"readme:\n  path: {bad!r}\n".replace("'", '"')).errors
        with pytest.raises(paths.UnsafePath):
            await repo_ops.read_file(gh, {"full_name": REPO}, bad)
    assert len(sandbox.calls) == before
    # a name with URL-special characters is encoded, not interpreted
    await sandbox.push_files(REPO, "octocat", {"docs/a #1?x=y%.md": "odd\n"})
    found = await repo_ops.read_file(gh, {"full_name": REPO}, "docs/a #1?x=y%.md")
    assert found is not None and found[0] == b"odd\n"
    assert sandbox.calls[-1].path == f"/repos/{REPO}/contents/docs/a #1?x=y%.md"


async def test_readme_path_into_github_folder_is_refused(sandbox, world, bot):
    await sandbox.push_files(REPO, "octocat", {".github/fundbot.yml": "readme:\n  path: .github/workflows/ci.yml\n"})
    await settle(sandbox, bot)
    [run] = config_runs(sandbox)
    [annotation] = run.annotations
    assert (annotation["start_line"], annotation["start_column"]) == (2, 9) and "[bad-path]" in annotation["title"]
    assert "`.github/`" in annotation["message"]
    assert sandbox.calls_to("GET", f"^/repos/{REPO}/contents/.github/workflows") == []


# ------------------------------------------------------------------------------- cost caps


async def test_a_config_with_thousands_of_problems_costs_one_bounded_check_run(sandbox, world, bot):
    """Thousands of problems: at most 100 issues and one "more" line, so one bounded check-run request."""
    sponsor = "    - name: a\n" + "".join(f"      z{j}: 1\n" for j in range(50))
    text = "readme:\n  sponsors:\n" + sponsor * 190
    assert len(text.encode()) <= core.MAX_BYTES
    # (the validator's cap itself, at most MAX_ISSUES issues and one "more" line, is tests/core's: here, what the
    # bot does with 256 KB of problems - it composes the YAML once, in the worker)
    await sandbox.push_files(REPO, "octocat", {".github/fundbot.yml": text})
    await settle(sandbox, bot)
    [run] = config_runs(sandbox)
    assert 0 < len(run.annotations) <= repo_ops.MAX_ANNOTATIONS_PER_REQUEST
    assert "9,400 warnings more" in run.output["summary"]
    assert len(sandbox.calls_to("POST", f"^/repos/{REPO}/check-runs$")) == 1


async def test_a_payload_repository_answers_visibility_without_a_request():
    """A webhook's repository object is as GitHub holds it now, so a memoised private-sourced config is
    re-checked from it with no GitHub request (gh None would fail if one were made); a scheduled job's stored
    repository (id and name only) has no visibility, and only then is the repository read."""
    from bot.services import config_loader

    assert await config_loader._not_public(None, {"full_name": "o/r", "private": True}) is True
    assert await config_loader._not_public(None, {"full_name": "o/r", "private": False, "visibility": "public"}) is False
    assert await config_loader._not_public(None, {"full_name": "o/r", "private": False,
                                                  "visibility": "internal"}) is True
