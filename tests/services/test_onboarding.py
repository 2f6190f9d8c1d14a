"""Onboarding (issue 3, item 6): bounty labels and one onboarding pull request per repository, and forgetting
removed repositories and deleted installations. The pure parts directly; the rest end to end: signed deliveries
through the real endpoint, inbox and workers, against the GitHub sandbox."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from gidgethub.aiohttp import GitHubAPI
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from bot.core import config as core_config
from bot.core import funding as funding_rules
from bot.core import labels as label_rules
from bot.core import markdown
from bot.core import onboarding as onboarding_rules
from bot.services import config_loader
from tests.fixtures.bot_fixtures import settle

ORG = "octo-org"
REPO = "octo-org/app"
BRANCH_REF = "refs/heads/fundbot/onboarding"
DEFAULT_LABELS = label_rules.specs(core_config.Config.defaults())


# --- helpers ----------------------------------------------------------------------------------------------
def make_repos(sandbox, repos: dict[str, dict[str, str] | None]) -> None:
    sandbox.add_user(ORG, type="Organization")
    sandbox.add_user("octocat")
    for name, files in repos.items():
        sandbox.add_repo(name, files=files if files is not None else {"README.md": "# app\n"}, owner_type="Organization")
        sandbox.set_permission(name, "octocat", "admin")


async def install(sandbox, bot, repos: dict[str, dict[str, str] | None], *, selected: bool = True) -> int:
    make_repos(sandbox, repos)
    installation = await sandbox.install(ORG, list(repos) if selected else [])
    await settle(sandbox, bot, within=30)
    return installation["id"]


def pulls(sandbox, repo: str = REPO) -> list:
    return [i for i in sandbox.repo(repo).pulls if i.pull.head_ref == onboarding_rules.BRANCH]


def labels_of(sandbox, repo: str = REPO) -> dict[str, tuple[str, str | None]]:
    return {lb.name: (lb.color, lb.description) for lb in sandbox.repo(repo).labels.values()}


async def failed_jobs(bot) -> list:
    return await bot.store.list_jobs(["failed"])


async def install_again(sandbox, bot, installation_id: int, repo: str = REPO) -> None:
    """The same installation event again under a new GUID, and the repository added again."""
    [created] = [d for d in sandbox.deliveries if d["event"] == "installation" and d["action"] == "created"]
    response = await bot.send("installation", created["body"])  # a new delivery GUID: processed again
    assert response.status == 202
    await sandbox.add_repos_to_installation(installation_id, [repo])
    await settle(sandbox, bot, within=30)


def user_client(session, sandbox, installation_id: int) -> GitHubAPI:
    return GitHubAPI(session, "maintainer", oauth_token=sandbox.token_for(installation_id), base_url=sandbox.base_url)


# --- pure: labels ---------------------------------------------------------------------------------------------
def test_default_labels_have_fixed_colours_and_tagged_descriptions():
    by_name = {spec.name: spec for spec in DEFAULT_LABELS}
    assert set(by_name) == {"💰 bounty", "bounty: S", "bounty: M", "bounty: L", "💸 funded", "✅ delivered"}
    assert by_name["bounty: M"].description == "fundbot: opens a 500 USD campaign [goal: bounty: M]"
    assert by_name["💰 bounty"].description == "fundbot: on every open campaign [campaign: 💰 bounty]"
    for spec in DEFAULT_LABELS:
        assert spec.color == label_rules.COLORS[spec.kind]
        assert len(spec.color) == 6 and int(spec.color, 16) >= 0
        assert spec.description.startswith("fundbot: ") and spec.description.endswith(spec.tag)
    assert label_rules.missing(core_config.Config.defaults(), []) == [s.body() for s in DEFAULT_LABELS]


def test_missing_skips_same_name_any_case_and_renamed_labels():
    config = core_config.Config.defaults()
    existing = [
        {"name": "BOUNTY: s", "color": "000000", "description": None},  # a human's own label, same name
        {"name": "medium", "color": "fef2c0", "description": "fundbot: opens a 500 USD campaign [goal: bounty: M]"},
        {"name": "paid", "description": "anything the maintainer wrote [funded: 💸 funded]"},
        {"name": "bounty: L", "description": "fundbot: opens a 2,000 USD campaign [goal: bounty: XL]"},
    ]
    assert [b["name"] for b in label_rules.missing(config, existing)] == ["💰 bounty", "✅ delivered"]
    assert label_rules.resolve(config, existing) == {
        "💰 bounty": None, "bounty: S": "BOUNTY: s", "bounty: M": "medium", "bounty: L": "bounty: L",
        "💸 funded": "paid", "✅ delivered": None}


def test_changing_a_goal_keeps_the_label_but_renaming_the_entry_is_a_new_label():
    before = core_config.validate('bounties:\n  labels: {"bounty: M": 500}\n').config
    after_goal = core_config.validate('bounties:\n  labels: {"bounty: M": 750}\n').config
    after_name = core_config.validate('bounties:\n  labels: {"size: M": 500}\n').config
    existing = [{**body, "name": "renamed"} for body in label_rules.missing(before, []) if "goal:" in body["description"]]
    assert [b for b in label_rules.missing(after_goal, existing) if "goal:" in b["description"]] == []
    assert [b["name"] for b in label_rules.missing(after_name, existing) if "goal:" in b["description"]] == ["size: M"]


def test_no_labels_when_bounties_are_off():
    config = core_config.validate("bounties:\n  enabled: false\n").config
    assert label_rules.specs(config) == [] and label_rules.missing(config, []) == []


def test_long_names_keep_descriptions_within_githubs_limit_and_still_match():
    name = "x" * 50  # the longest label name the config accepts (GitHub's limit)
    config = core_config.Config.from_dict({"bounties": {"labels": {name: 100000}, "currency": "EUR"}})
    [spec] = [s for s in label_rules.specs(config) if s.kind == "goal"]
    assert len(spec.description) <= label_rules.MAX_DESCRIPTION
    assert spec.description == f"fundbot: opens a 100,000 EUR campaign [goal: {name}]"
    others = [s.body() for s in label_rules.specs(config) if s.kind != "goal"]
    assert label_rules.missing(config, [{"name": "x", "description": spec.description}]) == others
    # longer than any config allows: the tag is shortened, the same way every time
    long_tag = label_rules.tag("goal", "y" * 150)
    assert len("fundbot: " + long_tag) == label_rules.MAX_DESCRIPTION and long_tag == label_rules.tag("goal", "y" * 150)


@settings(max_examples=60, deadline=None)
@given(renamed=st.lists(st.booleans(), min_size=6, max_size=6), new_names=st.lists(st.text(min_size=1, max_size=20), min_size=6, max_size=6),
       present=st.lists(st.booleans(), min_size=6, max_size=6))
def test_created_or_renamed_labels_are_never_missing(renamed, new_names, present):
    """Whatever labels exist (kept, renamed to anything, or deleted), missing() asks for exactly the absent
    entries, and creating them leaves nothing missing."""
    config = core_config.Config.defaults()
    existing = []
    absent = []
    for spec, is_renamed, new_name, is_present in zip(DEFAULT_LABELS, renamed, new_names, present, strict=True):
        if not is_present:
            absent.append(spec.name)
            continue
        existing.append({**spec.body(), "name": f"renamed {new_name}" if is_renamed else spec.name})
    wanted = label_rules.missing(config, existing)
    assert [b["name"] for b in wanted] == absent
    assert label_rules.missing(config, existing + wanted) == []


# --- pure: the pull request ------------------------------------------------------------------------------------
def test_permissions_match_the_app_manifest():
    manifest = YAML(typ="safe").load(Path(__file__).resolve().parents[2].joinpath("app.yml").read_text())
    granted = manifest["default_permissions"]
    assert {p.name: p.access for p in onboarding_rules.PERMISSIONS} == granted


def test_body_explains_permissions_opt_out_and_ends_with_the_marker():
    body = onboarding_rules.pull_request_body(full_name=REPO, default_branch="main", funding={"ko_fi": "widgets"},
                                              labels=["<!-- fundbot:onboarding v1 -->", "bounty: M"])
    for permission in onboarding_rules.PERMISSIONS:
        assert f"| {permission.title} | {permission.access} |" in body
    assert "How to opt out" in body and "Close this pull request" in body
    for setting in ("bounties.enabled: false", "issues.comment: false", "funding_file: off", "readme.update: off"):
        assert setting in body
    assert "uninstall" in body and "`.github/FUNDING.yml` (`ko_fi`)" in body
    assert body.rstrip().endswith(markdown.marker("onboarding"))
    # a label name cannot forge a second marker
    assert [m for m in markdown.find_markers(body)] == [("onboarding", 1, None)]


@pytest.mark.parametrize(("repository", "selection", "skipped"), [
    ({"archived": True}, "selected", True),
    ({"fork": True}, "all", True),
    ({"fork": True}, "selected", False),
    ({"fork": False, "archived": False}, "all", False),
])
def test_which_repositories_are_not_onboarded(repository, selection, skipped):
    assert (onboarding_rules.skip_reason(repository, repository_selection=selection) is not None) is skipped


# --- end to end --------------------------------------------------------------------------------------------------
async def test_install_creates_labels_and_one_onboarding_pull_request(sandbox, bot):
    await install(sandbox, bot, {REPO: None})
    assert labels_of(sandbox) == {s.name: (s.color, s.description) for s in DEFAULT_LABELS}
    [pull] = pulls(sandbox)
    assert pull.state == "open" and pull.pull.base_ref == "main" and pull.title == onboarding_rules.TITLE
    assert pull.user.login == "fundbot[bot]"
    text = sandbox.file(REPO, core_config.CONFIG_PATH, ref=onboarding_rules.BRANCH)
    assert text == core_config.onboarding_template().encode()
    result = core_config.validate(text)
    assert result.errors == [] and result.warnings == []
    assert result.config == core_config.Config.defaults()
    assert sandbox.file(REPO, core_config.CONFIG_PATH) is None  # nothing on the default branch
    for permission in ("Issues", "Pull requests", "Contents", "Checks", "Metadata"):
        assert f"| {permission} |" in pull.body
    assert "opt out" in pull.body and "Close this pull request" in pull.body and "uninstall" in pull.body
    assert markdown.has_marker(pull.body, "onboarding")
    assert await failed_jobs(bot) == []


async def test_funding_is_prefilled_from_an_existing_funding_yml(sandbox, bot):
    funding = 'github: [alice-dev]\nko_fi: widgets\ncustom: ["https://donate.widgets.dev"]\npatreon: "yes"\n'
    await install(sandbox, bot, {REPO: {"README.md": "hi\n", ".github/FUNDING.yml": funding}})
    [pull] = pulls(sandbox)
    result = core_config.validate(sandbox.file(REPO, core_config.CONFIG_PATH, ref=onboarding_rules.BRANCH))
    assert result.errors == []
    expected = funding_rules.normalise(funding_rules.parse(funding)[0])
    assert expected["github"] == ["alice-dev"] and expected["ko_fi"] == "widgets"
    assert result.config.funding == expected
    assert "filled in from your existing `.github/FUNDING.yml`" in pull.body


async def test_unusable_funding_yml_gives_the_plain_template(sandbox, bot):
    await install(sandbox, bot, {REPO: {"README.md": "hi\n", ".github/FUNDING.yml": "github: [unclosed\n"}})
    [pull] = pulls(sandbox)
    assert sandbox.file(REPO, core_config.CONFIG_PATH, ref=onboarding_rules.BRANCH) == core_config.onboarding_template().encode()
    assert "filled in from" not in pull.body


async def test_a_second_installation_event_opens_nothing_and_duplicates_no_label(sandbox, bot):
    installation_id = await install(sandbox, bot, {REPO: None})
    labels_before = labels_of(sandbox)
    await install_again(sandbox, bot, installation_id)
    assert len(pulls(sandbox)) == 1
    assert labels_of(sandbox) == labels_before
    assert len(sandbox.calls_to("POST", f"/repos/{REPO}/labels$")) == len(DEFAULT_LABELS)
    assert len(sandbox.calls_to("POST", f"/repos/{REPO}/pulls$")) == 1
    assert len(sandbox.calls_to("POST", f"/repos/{REPO}/git/refs$")) == 1
    assert len(sandbox.calls_to("PUT", f"/repos/{REPO}/contents/")) == 1
    assert len([d for d in sandbox.deliveries if d["event"] in ("installation", "installation_repositories")]) == 2
    assert await failed_jobs(bot) == []


@pytest.mark.parametrize("delete_branch", [False, True])
async def test_a_closed_onboarding_pull_request_is_never_reopened_or_repeated(sandbox, bot, delete_branch):
    installation_id = await install(sandbox, bot, {REPO: None})
    [pull] = pulls(sandbox)
    await sandbox.close_issue(REPO, pull.number, "octocat")
    if delete_branch:  # "Delete branch" after closing
        del sandbox.repo(REPO).refs[BRANCH_REF]
    await settle(sandbox, bot, within=30)
    await install_again(sandbox, bot, installation_id)
    [still] = pulls(sandbox)
    assert still.number == pull.number and still.state == "closed"
    assert (BRANCH_REF in sandbox.repo(REPO).refs) is not delete_branch
    assert len(sandbox.calls_to("POST", f"/repos/{REPO}/git/refs$")) == 1
    assert len(sandbox.calls_to("POST", f"/repos/{REPO}/pulls$")) == 1
    assert sandbox.calls_to("GET", f"/repos/{REPO}/pulls$")[-1].query.get("state") == "all"
    assert await failed_jobs(bot) == []


async def test_a_merged_onboarding_pull_request_is_not_repeated_after_the_file_is_deleted(sandbox, bot):
    installation_id = await install(sandbox, bot, {REPO: None})
    [pull] = pulls(sandbox)
    await sandbox.merge_pull(REPO, pull.number, "octocat")
    await sandbox.push_files(REPO, "octocat", {core_config.CONFIG_PATH: None}, message="no config")
    await settle(sandbox, bot, within=30)
    await install_again(sandbox, bot, installation_id)
    assert len(pulls(sandbox)) == 1
    assert await failed_jobs(bot) == []


async def test_a_label_renamed_by_a_maintainer_is_not_recreated(sandbox, bot, sandbox_session):
    installation_id = await install(sandbox, bot, {REPO: None})
    gh = user_client(sandbox_session, sandbox, installation_id)
    await gh.patch("/repos/{owner}/{repo}/labels/{name}", {"owner": ORG, "repo": "app", "name": "bounty: M"},
                   data={"new_name": "size: medium", "color": "ff0000"})
    await gh.delete("/repos/{owner}/{repo}/labels/{name}", {"owner": ORG, "repo": "app", "name": "✅ delivered"})
    await settle(sandbox, bot, within=30)
    await install_again(sandbox, bot, installation_id)
    names = set(sandbox.labels(REPO))
    assert "size: medium" in names and "bounty: M" not in names
    assert "✅ delivered" in names  # a deleted label is created again; a renamed one is not
    assert len(sandbox.calls_to("POST", f"/repos/{REPO}/labels$")) == len(DEFAULT_LABELS) + 1


async def test_org_config_means_no_pull_request_but_its_labels(sandbox, bot):
    org_config = 'bounties:\n  label: "funding wanted"\n  labels:\n    "size: XL": 5000\n'
    repos = {f"{ORG}/.github": {".github/fundbot.yml": org_config}, REPO: None}
    await install(sandbox, bot, repos, selected=False)  # all repositories: the org's .github is readable
    expected = {"funding wanted", "size: XL", "💸 funded", "✅ delivered"}
    assert set(sandbox.labels(REPO)) == expected
    assert labels_of(sandbox)["size: XL"][1] == "fundbot: opens a 5,000 USD campaign [goal: size: XL]"
    assert set(sandbox.labels(f"{ORG}/.github")) == expected
    assert pulls(sandbox) == [] and pulls(sandbox, f"{ORG}/.github") == []
    assert BRANCH_REF not in sandbox.repo(REPO).refs
    assert await failed_jobs(bot) == []


async def test_own_config_without_bounties_means_no_labels_and_no_pull_request(sandbox, bot):
    await install(sandbox, bot, {REPO: {"README.md": "hi\n", ".github/fundbot.yml": "bounties:\n  enabled: false\n"}})
    assert sandbox.labels(REPO) == []
    assert sandbox.calls_to("POST", f"/repos/{REPO}/labels$") == []
    assert pulls(sandbox) == []
    assert await failed_jobs(bot) == []


async def test_the_org_repository_itself_gets_labels_but_no_pull_request(sandbox, bot):
    await install(sandbox, bot, {f"{ORG}/.github": None})
    assert set(sandbox.labels(f"{ORG}/.github")) == {s.name for s in DEFAULT_LABELS}
    assert pulls(sandbox, f"{ORG}/.github") == []


@pytest.mark.parametrize(("method", "path"), [
    ("POST", "/labels$"), ("GET", "/labels$"), ("GET", "/pulls$"), ("POST", "/git/refs$"),
    ("PUT", "/contents/"), ("POST", "/pulls$"),
])
async def test_a_failure_at_any_step_is_retried_to_exactly_one_pull_request(sandbox, bot, method, path):
    rule = sandbox.faults.add(method=method, path=path, status=502, times=1)
    await install(sandbox, bot, {REPO: None})
    assert rule.hits == 1
    assert len(pulls(sandbox)) == 1
    assert labels_of(sandbox) == {s.name: (s.color, s.description) for s in DEFAULT_LABELS}
    assert sandbox.file(REPO, core_config.CONFIG_PATH, ref=onboarding_rules.BRANCH) == core_config.onboarding_template().encode()
    assert sandbox.calls_to("PATCH", "/git/refs/") == []  # the retry reused the branch as it was
    assert len(sandbox.calls_to("PUT", f"/repos/{REPO}/contents/")) == 1 + (method == "PUT")
    assert await failed_jobs(bot) == []


async def test_a_left_over_branch_is_reset_to_the_default_head(sandbox, bot):
    make_repos(sandbox, {REPO: None})
    await sandbox.push_files(REPO, "octocat", {"junk.txt": "half-done\n"}, branch=onboarding_rules.BRANCH)
    await sandbox.push_files(REPO, "octocat", {"CHANGELOG.md": "news\n"})  # the default branch moved on
    await sandbox.install(ORG, [REPO])
    await settle(sandbox, bot, within=30)
    [pull] = pulls(sandbox)
    assert len(sandbox.calls_to("PATCH", "/git/refs/heads/fundbot/onboarding$")) == 1
    assert sandbox.file(REPO, "junk.txt", ref=onboarding_rules.BRANCH) is None
    assert sandbox.file(REPO, "CHANGELOG.md", ref=onboarding_rules.BRANCH) == b"news\n"
    assert sandbox.file(REPO, core_config.CONFIG_PATH, ref=onboarding_rules.BRANCH) is not None
    assert pull.state == "open"


async def test_a_branch_created_by_an_earlier_attempt_is_reused(sandbox, bot):
    make_repos(sandbox, {REPO: None})
    r = sandbox.repo(REPO)
    r.refs[BRANCH_REF] = r.head  # the attempt died right after creating the branch
    await sandbox.install(ORG, [REPO])
    await settle(sandbox, bot, within=30)
    assert len(pulls(sandbox)) == 1
    assert sandbox.calls_to("POST", "/git/refs$") == [] and sandbox.calls_to("PATCH", "/git/refs/") == []
    assert len(sandbox.calls_to("PUT", f"/repos/{REPO}/contents/")) == 1


async def test_an_empty_repository_gets_labels_and_no_pull_request(sandbox, bot):
    make_repos(sandbox, {REPO: None})
    sandbox.repo(REPO).refs.clear()  # no commit at all
    await sandbox.install(ORG, [REPO])
    await settle(sandbox, bot, within=30)
    assert set(sandbox.labels(REPO)) == {s.name for s in DEFAULT_LABELS}
    assert pulls(sandbox) == []
    assert await failed_jobs(bot) == []


async def test_added_repositories_are_onboarded(sandbox, bot):
    installation_id = await install(sandbox, bot, {REPO: {"README.md": "x\n", ".github/fundbot.yml": "{}\n"}})
    assert pulls(sandbox) == []
    make_repos(sandbox, {f"{ORG}/second": None})
    await sandbox.add_repos_to_installation(installation_id, [f"{ORG}/second"])
    await settle(sandbox, bot, within=30)
    assert len(pulls(sandbox, f"{ORG}/second")) == 1
    assert set(sandbox.labels(f"{ORG}/second")) == {s.name for s in DEFAULT_LABELS}


# --- offboarding ---------------------------------------------------------------------------------------------------
async def test_installation_deleted_drops_its_pending_jobs_and_cache(sandbox, bot):
    installation_id = await install(sandbox, bot, {REPO: None})
    repo_id = sandbox.repo(REPO).id
    later = time.time() + 3600
    await bot.store.enqueue("webhook", "later-ours", payload=b"{}", event="issues", installation_id=installation_id, run_at=later)
    await bot.store.enqueue("webhook", "later-other", payload=b"{}", event="issues", installation_id=999, run_at=later)
    await bot.store.cache_set(config_loader.CACHE_NAMESPACE, str(repo_id), {"x": 1}, installation_id=installation_id)
    await bot.store.cache_set(config_loader.CACHE_NAMESPACE, "other", {"x": 1}, installation_id=999)
    assert installation_id in bot.service.github._tokens
    await sandbox.uninstall(installation_id)
    await settle(sandbox, bot, within=30)
    pending = {job.key for job in await bot.store.list_jobs(["pending"])}
    assert pending == {"later-other"}
    assert await bot.store.cache_get(config_loader.CACHE_NAMESPACE, str(repo_id)) is None
    assert await bot.store.cache_get(config_loader.CACHE_NAMESPACE, "other") == {"x": 1}
    assert installation_id not in bot.service.github._tokens
    [deleted] = [d for d in sandbox.deliveries if d["event"] == "installation" and d["action"] == "deleted"]
    job = next(j for j in await bot.store.list_jobs(None) if j.key == deleted["guid"])
    assert job.status == "done"


async def test_removed_repositories_lose_their_cached_config(sandbox, bot):
    second = f"{ORG}/second"
    installation_id = await install(sandbox, bot, {REPO: None, second: None})
    ids = {name: str(sandbox.repo(name).id) for name in (REPO, second)}
    for key in ids.values():
        await bot.store.cache_set(config_loader.CACHE_NAMESPACE, key, {"x": 1}, installation_id=installation_id)
    await sandbox.remove_repos_from_installation(installation_id, [REPO])
    await settle(sandbox, bot, within=30)
    assert await bot.store.cache_get(config_loader.CACHE_NAMESPACE, ids[REPO]) is None
    assert await bot.store.cache_get(config_loader.CACHE_NAMESPACE, ids[second]) == {"x": 1}
    assert await failed_jobs(bot) == []


async def test_installation_deleted_is_handled_without_a_cached_token(sandbox, bot):
    installation_id = await install(sandbox, bot, {REPO: None})
    await bot.store.enqueue("webhook", "later-ours", payload=b"{}", event="issues", installation_id=installation_id,
                            run_at=time.time() + 3600)
    bot.service.github.forget_installation(installation_id)  # e.g. a restarted process
    await sandbox.uninstall(installation_id)
    await settle(sandbox, bot, within=30)
    assert {job.key for job in await bot.store.list_jobs(["pending"])} == set()

