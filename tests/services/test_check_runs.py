"""Issue 10, points 3 and 7: check runs cost a bounded number of requests and are created once.

* ``checks/list-for-ref`` in the sandbox: filters, ``filter=latest|all``, pagination, answers valid against
  GitHub's description.
* GitHub's limits, enforced by the sandbox with GitHub's answers: 50 annotations per request, 65,535
  characters and 65,535 bytes of ``summary``/``text``; a refused request applies nothing.
* ``repo_ops.create_check_run``: a lookup and one create at most, 50 annotations (errors first) and the rest
  counted in the summary; an identical report on the same commit (a retry after a lost answer) creates
  nothing; a different one is a new run.
* Through the real endpoint: a config with 500 problems costs at most 2 check-run requests.
"""

from __future__ import annotations

import pytest
from gidgethub import BadRequest, apps
from gidgethub.aiohttp import GitHubAPI

from bot.github import repo_ops
from bot.sandbox import Sandbox
from bot.sandbox.openapi import Router, schema_errors
from tests.fixtures.bot_fixtures import settle

REPO = "octo-org/widgets"
LIST = f"/repos/{REPO}/commits/{{ref}}/check-runs"


def note(i: int, level: str = "warning") -> dict:
    return {"path": ".github/fundbot.yml", "start_line": i + 1, "end_line": i + 1, "annotation_level": level,
            "message": f"problem {i}"}


async def post_run(gh, head: str, name: str, **extra) -> dict:
    body = {"name": name, "head_sha": head, "status": "completed", "conclusion": "success",
            "output": {"title": name, "summary": "ok"}, **extra}
    return await gh.post(f"/repos/{REPO}/check-runs", data=body)


def check_run_calls(sandbox: Sandbox) -> list[tuple[str, str]]:
    return [(c.method, c.path) for c in sandbox.calls if "/check-runs" in c.path]


# --- the sandbox: checks/list-for-ref --------------------------------------------------------------------------
def test_the_subset_has_list_for_ref_from_githubs_description():
    op, params, _known = Router().match("GET", f"/repos/{REPO}/commits/heads/feature/x/check-runs")
    assert op is not None and op.operation_id == "checks/list-for-ref"
    assert params["ref"] == "heads/feature/x"  # x-multi-segment, as in GitHub's description
    assert set(op.query_params) == {"check_name", "status", "filter", "per_page", "page", "app_id"}
    assert op.query_params["filter"].schema["enum"] == ["latest", "all"]
    assert op.responses["200"] is not None


async def test_list_for_ref_filters_and_latest(sandbox, sandbox_repo, sandbox_gh):
    sandbox.validate_responses = True  # every answer checked against GitHub's response schema
    r = sandbox.repo(REPO)
    head = r.head
    first = await post_run(sandbox_gh, head, "fundbot/config")
    second = await post_run(sandbox_gh, head, "fundbot/config", conclusion="failure")
    other = await post_run(sandbox_gh, head, "fundbot/sync")
    pending = await sandbox_gh.post(f"/repos/{REPO}/check-runs", data={"name": "fundbot/slow", "head_sha": head,
                                                                       "status": "in_progress"})
    assert first["check_suite"]["id"] == second["check_suite"]["id"] == other["check_suite"]["id"]  # one suite

    latest = await sandbox_gh.getitem(LIST, {"ref": head})
    assert [c["id"] for c in latest["check_runs"]] == [pending["id"], other["id"], second["id"]]  # newest first
    assert latest["total_count"] == 3
    every = await sandbox_gh.getitem(LIST + "{?filter}", {"ref": head, "filter": "all"})
    assert every["total_count"] == 4 and first["id"] in [c["id"] for c in every["check_runs"]]

    named = await sandbox_gh.getitem(LIST + "{?check_name,filter}", {"ref": head, "check_name": "fundbot/config",
                                                                     "filter": "all"})
    assert [c["id"] for c in named["check_runs"]] == [second["id"], first["id"]]
    done = await sandbox_gh.getitem(LIST + "{?status}", {"ref": head, "status": "in_progress"})
    assert [c["id"] for c in done["check_runs"]] == [pending["id"]]
    ours = await sandbox_gh.getitem(LIST + "{?app_id}", {"ref": head, "app_id": sandbox.app_id})
    theirs = await sandbox_gh.getitem(LIST + "{?app_id}", {"ref": head, "app_id": sandbox.app_id + 1})
    assert ours["total_count"] == 3 and theirs == {"total_count": 0, "check_runs": []}

    by_branch = await sandbox_gh.getitem(LIST, {"ref": "heads/" + r.default_branch})
    assert by_branch == latest
    assert (await sandbox_gh.getitem(LIST, {"ref": r.default_branch})) == latest
    with pytest.raises(BadRequest) as exc:
        await sandbox_gh.getitem(LIST, {"ref": "no-such-branch"})
    assert exc.value.status_code == 422 and "No commit found" in str(exc.value)


async def test_list_for_ref_pages_with_link_headers_and_total_count(sandbox, sandbox_repo, sandbox_gh, sandbox_session):
    head = sandbox.repo(REPO).head
    made = [await post_run(sandbox_gh, head, f"check-{i}") for i in range(7)]
    url = f"{sandbox.base_url}/repos/{REPO}/commits/{head}/check-runs"
    auth = {"Authorization": f"token {sandbox_gh.oauth_token}", "Accept": "application/vnd.github+json"}
    async with sandbox_session.get(url, params={"per_page": "3", "page": "2"}, headers=auth) as resp:
        assert resp.status == 200
        page2 = await resp.json()
        links = resp.headers["Link"]
    assert page2["total_count"] == 7 and len(page2["check_runs"]) == 3  # total_count counts every page
    for rel, page in (("prev", 1), ("next", 3), ("last", 3), ("first", 1)):
        assert f'page={page}>; rel="{rel}"' in links, links
    assert "per_page=3" in links
    everything = [c async for c in sandbox_gh.getiter(LIST + "{?per_page}", {"ref": head, "per_page": 3},
                                                     iterable_key="check_runs")]
    assert sorted(c["id"] for c in everything) == sorted(c["id"] for c in made)  # rel="next" followed to the end
    last = await sandbox_gh.getitem(LIST + "{?per_page,page}", {"ref": head, "per_page": 3, "page": 3})
    assert last["total_count"] == 7 and len(last["check_runs"]) == 1


async def test_list_for_ref_answers_validate_against_githubs_schema(sandbox, sandbox_repo, sandbox_gh):
    head = sandbox.repo(REPO).head
    await post_run(sandbox_gh, head, "fundbot/config")
    listed = await sandbox_gh.getitem(LIST, {"ref": head})
    op, _p, _k = Router().match("GET", f"/repos/{REPO}/commits/{head}/check-runs")
    assert op.response_errors(200, listed) == []
    assert all(schema_errors("check-run", c) == [] for c in listed["check_runs"])


def test_extract_subset_copies_an_operation_with_what_it_references():
    from bot.sandbox.extract_subset import add_operations
    full = {"paths": {"/a/{x}": {"get": {"operationId": "a/get", "x-octokit": {}, "parameters": [
        {"$ref": "#/components/parameters/x"}], "responses": {"200": {"content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/thing"},
            "examples": {"default": {"$ref": "#/components/examples/thing"}}}}}}}}},
        "components": {"parameters": {"x": {"name": "x", "in": "path", "schema": {"type": "string"}}},
                       "schemas": {"thing": {"type": "object", "properties": {"part": {"$ref": "#/components/schemas/part"}}},
                                   "part": {"type": "string"}, "unused": {"type": "integer"}},
                       "examples": {"thing": {"value": {}}}}}
    subset = {"paths": {"/z": {}}, "components": {"schemas": {"part": {"type": "string", "kept": True}}}}
    added = add_operations(subset, full, ["a/get"])
    assert list(subset["paths"]) == ["/a/{x}", "/z"]  # sorted, as the subset is
    op = subset["paths"]["/a/{x}"]["get"]
    assert "x-octokit" not in op and "examples" not in op["responses"]["200"]["content"]["application/json"]
    assert set(subset["components"]["schemas"]) == {"thing", "part"} and subset["components"]["schemas"]["part"]["kept"]
    assert subset["components"]["parameters"] == full["components"]["parameters"]
    assert "examples" not in subset["components"] and added[0] == "GET /a/{x} (a/get)"
    assert add_operations(subset, full, ["a/get"]) == []  # already there: left alone


# --- the sandbox: GitHub's limits ---------------------------------------------------------------------------------
@pytest.mark.parametrize("validate", [True, False])
async def test_sandbox_refuses_what_github_refuses(sandbox_session, validate):
    sb = Sandbox(validate=validate)
    await sb.start("127.0.0.1", 0)
    try:
        sb.add_user("octo-org", type="Organization")
        sb.add_repo(REPO, files={"README.md": "hi\n"}, owner_type="Organization")
        inst = sb.add_installation("octo-org", repos=[REPO])["id"]
        token = await apps.get_installation_access_token(
            GitHubAPI(sandbox_session, "t", base_url=sb.base_url), installation_id=str(inst), app_id=str(sb.app_id),
            private_key=sb.private_key_pem.decode())
        gh = GitHubAPI(sandbox_session, "t", oauth_token=token["token"], base_url=sb.base_url)
        head = sb.repo(REPO).head
        cases = [
            ({"title": "t", "summary": "s", "annotations": [note(i) for i in range(51)]},
             "No more than 50 items are allowed; 51 were supplied."),
            ({"title": "t", "summary": "x" * 65536}, "Only 65535 characters are allowed; 65536 were supplied."),
            ({"title": "t", "summary": "s", "text": "x" * 70000}, "Only 65535 characters are allowed; 70000 were"),
            ({"title": "t", "summary": "é" * 40000}, "summary exceeds a maximum bytesize of 65535"),  # 80,000 bytes
        ]
        for output, message in cases:
            with pytest.raises(BadRequest) as exc:
                await post_run(gh, head, "x", output=output)
            assert exc.value.status_code == 422
            assert message in str(exc.value) + repr(getattr(exc.value, "errors", "")), (message, exc.value)
        assert sb.repo(REPO).check_runs == {}  # nothing applied
        run = await post_run(gh, head, "x", output={"title": "t", "summary": "é" * 32767,  # 65,534 bytes: fine
                                                    "annotations": [note(i) for i in range(50)]})
        with pytest.raises(BadRequest) as exc:
            await gh.patch(f"/repos/{REPO}/check-runs/{run['id']}",
                           data={"output": {"title": "t", "summary": "s", "annotations": [note(i) for i in range(60)]}})
        assert "No more than 50 items are allowed; 60 were supplied." in str(exc.value)
        stored = sb.repo(REPO).check_runs[run["id"]]
        assert len(stored.annotations) == 50 and stored.output["summary"] == "é" * 32767  # the refused update: nothing
        assert bool(sb.violations) == validate  # a validating sandbox also reports them as protocol violations
    finally:
        await sb.stop()


# --- repo_ops.create_check_run ----------------------------------------------------------------------------------
def test_fit_cuts_by_utf8_bytes_and_keeps_the_tail():
    tail = "\n\n7 more problems not annotated."
    cut = repo_ops.fit("é" * 40000, tail=tail)
    assert len(cut.encode()) <= 65535 and cut.endswith(tail) and "cut" in cut
    assert repo_ops.fit("short", tail=tail) == "short" + tail
    assert repo_ops.fit("x" * 65535) == "x" * 65535


async def test_500_annotations_cost_two_requests_and_are_counted(sandbox, sandbox_repo, sandbox_gh):
    head = sandbox.repo(REPO).head
    notes = [note(i) for i in range(480)] + [note(1000 + i, "failure") for i in range(20)]
    before = len(sandbox.calls)
    run = await repo_ops.create_check_run(
        sandbox_gh, {"full_name": REPO}, name="fundbot/config", head_sha=head, conclusion="failure",
        title="20 errors", summary="The configuration is invalid.", annotations=notes, app_id=sandbox.app_id,
        full_report="python -m bot check-config .github/fundbot.yml")
    calls = check_run_calls(sandbox)[-2:]
    assert len(sandbox.calls) - before == 2 and [m for m, _p in calls] == ["GET", "POST"]
    stored = sandbox.repo(REPO).check_runs[run["id"]]
    assert len(stored.annotations) == 50
    assert [a["annotation_level"] for a in stored.annotations[:20]] == ["failure"] * 20  # errors first
    summary = stored.output["summary"]
    assert "450 more problems not annotated" in summary and "python -m bot check-config" in summary
    assert len(summary.encode()) <= 65535


async def test_a_repeated_report_is_not_created_twice(sandbox, sandbox_repo, sandbox_gh):
    head = sandbox.repo(REPO).head
    repo = {"full_name": REPO}

    async def report(conclusion: str, summary: str, **kw) -> dict:
        return await repo_ops.create_check_run(sandbox_gh, repo, name="fundbot/config", head_sha=head,
                                               conclusion=conclusion, title="t", summary=summary,
                                               annotations=[note(1)], app_id=sandbox.app_id, **kw)

    first = await report("success", "fine")
    again = await report("success", "fine")  # a retry after a lost answer: found, not created
    assert again["id"] == first["id"] and len(sandbox.repo(REPO).check_runs) == 1
    assert sandbox.repo(REPO).check_runs[first["id"]].annotations == first_annotations(sandbox, first)
    changed = await report("failure", "broken")  # a new evaluation: a new run, the latest one GitHub shows
    assert changed["id"] != first["id"] and len(sandbox.repo(REPO).check_runs) == 2
    back = await report("success", "fine")  # same as an older run but not the latest: reported again
    assert back["id"] not in (first["id"], changed["id"])
    kept = await report("success", "says less", keep_existing=True)
    assert kept["id"] == back["id"] and len(sandbox.repo(REPO).check_runs) == 3
    other_app = await repo_ops.create_check_run(sandbox_gh, repo, name="fundbot/config", head_sha=head,
                                                conclusion="success", title="t", summary="fine",
                                                annotations=[note(1)], app_id=sandbox.app_id + 1)
    assert other_app["id"] != back["id"]  # another App's runs are never taken for fundbot's


def first_annotations(sandbox: Sandbox, run: dict) -> list:
    stored = sandbox.repo(REPO).check_runs[run["id"]].annotations
    assert len(stored) == 1  # the lookup found the run: its annotations were not sent a second time
    return stored


# --- through the real endpoint ------------------------------------------------------------------------------------
def config_with_500_problems() -> str:
    unknown = "".join(f"x{i}: 1\n" for i in range(100))  # 100 unknown top-level keys (warnings)
    sponsors = "".join(f"    - name: S{i}\n      url: ftp://s{i}.example\n      tier: {i}\n" for i in range(200))
    return unknown + "readme:\n  sponsors:\n" + sponsors  # 200 sponsors with two bad fields each: 400 errors


async def test_a_config_with_500_problems_costs_at_most_two_check_run_requests(
        sandbox, sandbox_repo, sandbox_installation_id, bot):
    before = len(sandbox.calls)
    await sandbox.push_files(REPO, "octocat", {".github/fundbot.yml": config_with_500_problems()})
    await settle(sandbox, bot)
    calls = [(c.method, c.path) for c in sandbox.calls[before:] if "/check-runs" in c.path]
    assert 1 <= len(calls) <= 2, calls
    [run] = [r for r in sandbox.repo(REPO).check_runs.values() if r.name == "fundbot/config"]
    assert run.conclusion == "failure"
    assert 0 < len(run.annotations) <= 50
    summary = run.output["summary"]
    assert len(summary) <= 65535 and len(summary.encode()) <= 65535
    # honest: every problem fundbot listed is either an annotation or counted in the summary
    from bot.services import config_loader
    gh = await bot.service.github.installation(sandbox_installation_id)
    loaded = await config_loader.load(gh, bot.service.ctx, {"full_name": REPO, "id": sandbox.repo(REPO).id})
    located = [i for i in loaded.errors + loaded.warnings if i.line > 0]
    assert len(located) > 50  # more problems than one request can annotate, even after fundbot's own cap
    assert f"{len(located) - 50} more problems not annotated" in summary, summary[-400:]
    assert "python -m bot check-config .github/fundbot.yml" in summary
    assert str(len(loaded.errors)) in run.output["title"]
