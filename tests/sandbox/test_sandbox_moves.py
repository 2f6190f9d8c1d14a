"""The sandbox moves repositories as GitHub does (bot/sandbox/moves.py): the id stays, the old name redirects
(301 for GET, 307 otherwise, Location /repositories/ID/...), /repositories/ID serves the repository's
operations, an archived repository refuses writes, and ``repository`` webhooks carry GitHub's shapes."""

from __future__ import annotations

from tests.sandbox.test_sandbox import raw, webhook_errors

REPO = "octo-org/widgets"


async def test_a_renamed_repository_redirects_its_old_name(sandbox, sandbox_repo, sandbox_installation_id, sandbox_gh,
                                                           sandbox_session):
    rid = sandbox.repo(REPO).id
    await sandbox.rename_repo(REPO, "gadgets")
    token = sandbox.token_for(sandbox_installation_id)
    base = sandbox.base_url
    async with sandbox_session.get(f"{base}/repos/{REPO}/issues?state=all", allow_redirects=False,
                                   headers={"Authorization": f"token {token}"}) as resp:
        status, location, body = resp.status, resp.headers["Location"], await resp.json()
    assert status == 301 and location == f"{base}/repositories/{rid}/issues?state=all"
    assert body["message"] == "Moved Permanently" and body["url"] == location
    async with sandbox_session.post(f"{base}/repos/{REPO}/issues/1/comments", allow_redirects=False, json={"body": "x"},
                                    headers={"Authorization": f"token {token}"}) as resp:
        assert resp.status == 307 and resp.headers["Location"] == f"{base}/repositories/{rid}/issues/1/comments"
    # gidgethub leaves redirects to aiohttp, which follows them (the same origin keeps the Authorization header)
    repo = await sandbox_gh.getitem(f"/repos/{REPO}")
    assert repo["full_name"] == "octo-org/gadgets" and repo["id"] == rid
    assert (await sandbox_gh.getitem(f"/repositories/{rid}"))["full_name"] == "octo-org/gadgets"
    issue = await sandbox.open_issue("octo-org/gadgets", "alice", "Hi")
    comment = await sandbox_gh.post(f"/repos/{REPO}/issues/{issue['number']}/comments", data={"body": "hello"})
    assert comment["body"] == "hello" and sandbox.comments("octo-org/gadgets", issue["number"])[0]["body"] == "hello"
    status, _, _ = await raw(sandbox_session, "GET", f"{base}/repositories/999999", token)
    assert status == 404
    [renamed] = [d["payload"] for d in sandbox.deliveries if d["event"] == "repository"]
    assert renamed["action"] == "renamed" and renamed["changes"] == {"repository": {"name": {"from": "widgets"}}}
    assert renamed["repository"]["full_name"] == "octo-org/gadgets" and not webhook_errors("repository", renamed)
    assert sandbox.violations == []


async def test_a_transfer_moves_the_repository_to_the_new_accounts_installation(sandbox, sandbox_repo,
                                                                               sandbox_installation_id, sandbox_gh,
                                                                               sandbox_jwt, sandbox_app_gh):
    sandbox.add_user("new-org", type="Organization")
    new_installation = sandbox.add_installation("new-org")["id"]  # on all of new-org's repositories
    rid = sandbox.repo(REPO).id
    await sandbox.transfer_repo(REPO, "new-org")
    # the old installation no longer sees it, by either name; the App finds the installation that does
    for path in (f"/repos/{REPO}", f"/repositories/{rid}", "/repos/new-org/widgets"):
        status, _, _ = await raw(sandbox_gh._session, "GET", f"{sandbox.base_url}{path}",
                                 sandbox.token_for(sandbox_installation_id))
        assert status == 404, path
    found = await sandbox_app_gh.getitem(f"/repos/{REPO}/installation", jwt=sandbox_jwt())
    assert found["id"] == new_installation and found["account"]["login"] == "new-org"
    [moved] = [d for d in sandbox.deliveries if d["event"] == "repository"]
    assert moved["installation_id"] == new_installation and moved["payload"]["action"] == "transferred"
    assert moved["payload"]["changes"]["owner"]["from"]["organization"]["login"] == "octo-org"
    assert moved["payload"]["repository"]["full_name"] == "new-org/widgets"


async def test_a_transfer_from_a_user_account_has_githubs_payload(sandbox, sandbox_session):
    sandbox.add_repo("octocat/tool", files={"README.md": "# tool\n"})
    sandbox.add_installation("octocat")
    sandbox.add_user("octo-org", type="Organization")
    sandbox.add_installation("octo-org")
    await sandbox.transfer_repo("octocat/tool", "octo-org")
    [moved] = [d["payload"] for d in sandbox.deliveries if d["event"] == "repository"]
    assert moved["changes"]["owner"]["from"]["user"]["login"] == "octocat"
    assert webhook_errors("repository", moved) == []


async def test_archived_is_read_only_and_deleted_is_gone(sandbox, sandbox_repo, sandbox_installation_id, sandbox_gh,
                                                         sandbox_session):
    issue = await sandbox.open_issue(REPO, "alice", "Hi")
    await sandbox.archive_repo(REPO)
    token = sandbox.token_for(sandbox_installation_id)
    status, _, body = await raw(sandbox_session, "POST", f"{sandbox.base_url}/repos/{REPO}/issues/{issue['number']}/comments",
                                token, body={"body": "x"})
    assert (status, body["message"]) == (403, "Repository was archived so is read-only.")
    assert (await sandbox_gh.getitem(f"/repos/{REPO}"))["archived"] is True
    await sandbox.delete_repo(REPO)
    status, _, _ = await raw(sandbox_session, "GET", f"{sandbox.base_url}/repos/{REPO}", token)
    assert status == 404
    events = [d["payload"] for d in sandbox.deliveries if d["event"] == "repository"]
    assert [e["action"] for e in events] == ["archived", "deleted"]
    assert all(webhook_errors("repository", e) == [] for e in events)
