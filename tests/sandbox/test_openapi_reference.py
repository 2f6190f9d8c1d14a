"""Every request fundbot makes in a representative scenario, checked against GitHub's own REST description.

The sandbox validates requests against its working subset (``bot/sandbox/data/rest-api-subset.json``, where a
few operations carry GitHub's text restored by hand). This test checks the same requests against a verbatim
copy of the operations from the npm package ``@octokit/openapi``
(``tests/data/github/openapi/rest-api-reference.json``; source, version and tarball digest in its
``x-fundbot-source``, MIT license beside it; refreshed by ``python -m bot.sandbox.extract_subset --from
TARBALL``, which prints the drift). Method and path known, path and query parameters typed and known,
required ones present, request bodies valid for their schema. Nothing is downloaded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.sandbox import extract_subset
from bot.sandbox.openapi import Description, Router, request_problems
from bot.testing import fundbot_world

REFERENCE = Path(__file__).parents[1] / "data" / "github" / "openapi" / "rest-api-reference.json"
CONFIG = """\
funding:
  github: [octocat]
  custom: ["https://example.org/donate"]
funding_file: pull_request
readme:
  update: commit
  sponsors:
    - name: ACME
"""


@pytest.fixture(scope="module")
def reference() -> Router:
    return Router(Description(json.loads(REFERENCE.read_text("utf-8")), urn="urn:gh-reference"))


def test_the_reference_is_the_package_verbatim_for_every_operation_the_sandbox_serves():
    ref = json.loads(REFERENCE.read_text("utf-8"))
    source = ref["x-fundbot-source"]
    assert source["package"] == "@octokit/openapi" and source["license"] == "MIT" and len(source["tarball_sha256"]) == 64
    assert (REFERENCE.parent / "LICENSE-octokit-openapi.txt").read_text().startswith("MIT License")
    subset = json.loads(extract_subset.SUBSET.read_text("utf-8"))
    assert extract_subset.operation_ids(ref) == extract_subset.operation_ids(subset)
    assert '"x-octokit":' not in REFERENCE.read_text("utf-8")


def test_request_problems_finds_what_is_wrong(reference):
    assert request_problems(reference, "GET", "/repos/o/r/issues/1", {}, None) == []
    assert request_problems(reference, "GET", "/repos/o/r/nothing/here", {}, None)
    assert request_problems(reference, "DELETE", "/repos/o/r/issues/1", {}, None)[0].endswith("method not allowed")
    assert request_problems(reference, "GET", "/repos/o/r/issues/one", {}, None)
    assert request_problems(reference, "GET", "/repos/o/r/issues", {"per_page": "x"}, None)
    assert request_problems(reference, "GET", "/repos/o/r/issues", {"bogus": "1"}, None)
    assert request_problems(reference, "POST", "/repos/o/r/issues/1/comments", {}, None)  # body required
    assert request_problems(reference, "POST", "/repos/o/r/issues/1/comments", {}, {"body": 5})
    assert request_problems(reference, "GET", "/repos/o/r/issues/1", {}, {"x": 1})  # takes no body
    assert request_problems(reference, "POST", "/repos/o/r/labels", {}, {"name": "x", "color": "ffffff"}) == []


async def scenario() -> list:
    """Onboarding, greeting, a campaign funded and claimed, a release, a config change, the generated files."""
    async with fundbot_world(CONFIG) as world:
        sb = world.sandbox
        sb.add_repo("octo-org/gadgets", files={"README.md": "# gadgets\n"}, owner_type="Organization")
        await sb.add_repos_to_installation(world.installation_id, ["octo-org/gadgets"])
        alice, bob = world.as_user("alice"), world.as_user("bob")
        issue = await alice.open_issue("Dark mode", "please")
        await world.maintainer.label(issue, "bounty: M")
        await bob.comment(issue, "/pledge 500")
        await alice.comment(issue, "/fund\n/fundbot help")
        await world.settle()
        pull = await alice.open_pull("Dark mode", f"Fixes #{issue['number']}", head="dark")
        await world.maintainer.merge(pull)
        await world.maintainer.publish_release("v1.0", "Notes")
        await world.maintainer.push({".github/fundbot.yml": CONFIG + "links:\n  - {title: Support, url: \"https://example.org/s\"}\n"})
        await world.maintainer.comment(issue, "/sponsors refresh")
        await world.settle()
        await world.advance(seconds=120)
        await world.settle()
        assert await world.jobs("failed") == []
        return [c for c in sb.calls if c.path != "/graphql"]


async def test_every_request_of_a_scenario_is_valid_for_githubs_description(reference):
    calls = await scenario()
    problems = sorted({p for c in calls for p in request_problems(reference, c.method, c.path, c.query, c.body)})
    assert problems == []
    used = {reference.match(c.method, c.path)[0].operation_id for c in calls}
    assert len(used) >= 25, sorted(used)  # a scenario that reaches most of what fundbot does
    assert {"checks/create", "issues/create-label", "pulls/create", "repos/update-release",
            "git/create-tree", "issues/create-comment"} <= used
