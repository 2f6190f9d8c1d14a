"""app.yml is a manifest GitHub accepts (issue 13.1), checked against what GitHub documents:

* the manifest's keys: docs.github.com "Registering a GitHub App from a manifest" (GitHub App manifest
  parameters), as Probot's ``Manifest`` type lists them;
* permission names and levels: the ``app-permissions`` schema of GitHub's OpenAPI description
  (``bot/sandbox/data/rest-api-subset.json``, extracted from @octokit/openapi; MIT licence beside it);
* events: GitHub's "Webhook events and payloads" page, each with the permission that makes an App receive it.
  ``installation`` and ``installation_repositories`` reach every App and may not be listed.
"""

from __future__ import annotations

import json
from pathlib import Path

from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[2]
MANIFEST_KEYS = {"name", "url", "hook_attributes", "redirect_url", "callback_urls", "setup_url", "description",
                 "public", "default_events", "default_permissions", "request_oauth_on_install", "setup_on_update"}
HOOK_KEYS = {"url", "active"}
# The events fundbot may subscribe to, and the repository permission GitHub requires for each (docs.github.com,
# "Webhook events and payloads": "Availability for <event>" / "To subscribe to this event, a GitHub App must
# have at least read-level access for the ... repository permission").
EVENT_PERMISSION = {"issues": "issues", "issue_comment": "issues", "pull_request": "pull_requests",
                    "push": "contents", "release": "contents", "repository": "metadata", "label": "metadata",
                    "check_run": "checks", "check_suite": "checks", "create": "contents", "delete": "contents"}
IMPLICIT = {"installation", "installation_repositories"}


def manifest() -> dict:
    return YAML(typ="safe").load((ROOT / "app.yml").read_text(encoding="utf-8"))


def app_permissions() -> dict:
    spec = json.loads((ROOT / "bot" / "sandbox" / "data" / "rest-api-subset.json").read_text(encoding="utf-8"))
    return spec["components"]["schemas"]["app-permissions"]["properties"]


def test_only_documented_manifest_keys():
    data = manifest()
    assert set(data) <= MANIFEST_KEYS, set(data) - MANIFEST_KEYS
    assert set(data["hook_attributes"]) <= HOOK_KEYS
    assert data["url"].startswith("https://") and data["hook_attributes"]["url"].startswith("https://")


def test_permissions_are_github_names_and_levels():
    known = app_permissions()
    for name, level in manifest()["default_permissions"].items():
        assert name in known, name
        assert level in known[name]["enum"], (name, level)


def test_events_are_subscribable_and_covered_by_a_permission():
    data = manifest()
    events = data["default_events"]
    assert not IMPLICIT & set(events), "GitHub refuses a manifest listing installation events"
    assert len(events) == len(set(events))
    for event in events:
        assert event in EVENT_PERMISSION, event
        assert EVENT_PERMISSION[event] in data["default_permissions"], event


def test_the_check_can_fail():
    assert "installation_repositories" in IMPLICIT and "bogus_key" not in MANIFEST_KEYS
    assert "not_a_permission" not in app_permissions()
