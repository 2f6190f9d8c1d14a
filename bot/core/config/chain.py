"""Following ``_extends``: the shell supplies a loader, every file is validated with its own path, the
chain is deep-merged (far end first, the start file winning) and the merged result validated as a whole.

The logic is one generator (:func:`_chain`) that yields each target to load and receives its text, so
:func:`resolve_chain` (a plain loader) and :func:`resolve_chain_async` (an async one) share it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator

from bot.core import disclosure as _disclosure
from bot.core.config.checker import ConfigResult, finish, run
from bot.core.config.extends import merge_nodes, parse_extends
from bot.core.config.model import CONFIG_PATH, MAX_EXTENDS_DEPTH, ExtendsTarget, Fetched, Issue
from bot.core.config.read import parse
from bot.core.config.report import BAD, Context, short
from bot.core.config.schema import SCHEMA, known_keys
from bot.core.yaml_tree import Node, key_text, to_python

_Loaded = str | bytes | Fetched | None


class _ChainFile:
    """One file of an ``_extends`` chain as the chain shows it: its label and whether its text may be quoted."""

    def __init__(self, label: str, quotable: bool) -> None:
        self.label, self.quotable = label, quotable


def _not_a_config(tree: Node | None, issues: list[Issue], quotable: bool) -> tuple[str, int, int] | None:
    """(rule, line, column) when an inherited file is not a fundbot configuration: not a mapping or no
    fundbot key at the top level - or, for a file whose text is not shown, unreadable as YAML or any
    top-level key fundbot does not know (such a file is refused whole rather than partly used). A file
    that may be quoted keeps its own YAML errors."""
    failed = next((i for i in issues if i.severity == "error"), None)
    if failed is not None:
        return None if quotable else (failed.code, failed.line, failed.column)
    if tree is None or tree.is_null:
        return None
    if tree.kind != "map":
        return "not-a-mapping", tree.line, tree.col
    unknown = [e.key for e in tree.value if key_text(e.key) not in SCHEMA.keys]
    if tree.value and len(unknown) == len(tree.value):
        return "no-fundbot-key", unknown[0].line, unknown[0].col
    if unknown and not quotable:
        return "unknown-key", unknown[0].line, unknown[0].col
    return None


class _Walk:
    """The state of one chain: the files read (with their trees), the issues of their local checks, the
    targets visited, and whether the chain could be read to its end."""

    def __init__(self, owner: str, repo: str, path: str, max_depth: int, home: tuple[str, str] | None) -> None:
        self.path, self.max_depth = path, max_depth
        self.start = ExtendsTarget(owner, repo, path.split(":", 1)[1] if ":" in path else path)
        self.home = ExtendsTarget(*(home or (owner, repo)))
        self.cx = Context(cross=False)
        self.files: list[tuple[_ChainFile, Node | None]] = []
        self.visited = [self.start]
        self.broken = False  # the chain could not be read to its end

    def same_repository(self, t: ExtendsTarget) -> bool:
        return (t.owner.lower(), t.repo.lower()) == (self.home.owner.lower(), self.home.repo.lower())

    def error(self, node: Node, code: str, expected: str, found: str, message: str) -> None:
        self.cx.add("error", node, "_extends", code, expected, found, message)
        self.broken = True

    def read(self, file: _ChainFile, text: str | bytes, ext: Node | None = None) -> Node | None:
        """Parse and check one file on its own; its tree when the chain goes on from it."""
        tree, issues, _ = parse(text, file.label)
        if ext is not None:  # an inherited file must be a fundbot configuration, or nothing of it is used
            refused = _not_a_config(tree, issues, file.quotable)
            if refused is not None:
                rule, line, col = refused
                at = f", line {line}, column {col}" if line else ""
                self.files.append((file, None))
                self.error(ext, "not-fundbot-config", "a fundbot configuration", rule,
                           f"`_extends` points to {file.label}, which is not a fundbot configuration ({rule}{at}); "
                           f"nothing of it is used or shown - point `_extends` at a fundbot.yml.")
                return None
        for issue in issues:
            self.cx.push(issue)
        self.files.append((file, tree))
        if any(i.severity == "error" for i in issues):
            self.broken = True
            return None
        if tree is not None:
            run(tree, self.cx)  # local checks only (cross=False)
            if tree.kind != "map":
                self.broken = True
                return None
        return tree

    def next_target(self, tree: Node) -> tuple[Node, ExtendsTarget] | None:
        """The ``_extends`` of ``tree`` (its value node and target), or None where the chain ends."""
        ext = next((e for e in reversed(tree.value) if key_text(e.key) == "_extends"), None)
        if ext is None or not ext.value.is_text:
            return None  # none, null, or a wrong type (reported by the local checks)
        n = ext.value
        target = parse_extends(n.value, owner=self.visited[-1].owner, repo=self.visited[-1].repo)
        if isinstance(target, str):
            self.broken = True  # reported by the local checks (bad-extends)
            return None
        names = " → ".join([str(self.start), *(f.label for f, _ in self.files[1:]), str(target)])
        if any(target.same_as(t) for t in self.visited):
            self.error(n, "extends-cycle", "a chain of `_extends` without loops", str(target),
                       f"`_extends` makes a cycle: {names}; remove one of these `_extends`.")
            return None
        if len(self.visited) - 1 >= self.max_depth:
            self.error(n, "extends-too-deep", f"at most {self.max_depth} levels of `_extends`", str(len(self.visited)),
                       f"`_extends` goes deeper than {self.max_depth} levels ({names}); point this file at the end "
                       f"of the chain instead.")
            return None
        return n, target

    def follow(self, n: Node, target: ExtendsTarget, got: _Loaded) -> Node | None:
        """Read what the loader returned for ``target`` (named by ``n``), if it may be inherited."""
        current = self.files[-1][0]
        fetched = got if isinstance(got, Fetched) else Fetched(got)
        same = self.same_repository(target)
        allowed = _disclosure.may_inherit(same_repository=same, target_public=fetched.public,
                                          home_public=fetched.home_public)
        if fetched.text is None or not allowed:
            public_home = fetched.home_public is not False
            why = (", cannot be read by fundbot or is not public (a public repository extends only files of "
                   "public repositories)" if public_home else " or cannot be read")
            self.error(n, "extends-missing", "an existing file" + (" of a public repository" if public_home else ""),
                       str(target), f"`_extends: {short(n.value)}` points to {target}, which does not exist{why}; "
                       f"fix the name or create that file.")
            return None
        self.visited.append(target)
        label = str(target) if current.quotable else f"(file {len(self.files) + 1} of the `_extends` chain)"
        return self.read(_ChainFile(label, same or fetched.public), fetched.text, n)

    def merged(self) -> Node | None:
        """The files merged from the far end of the chain back to the start file, without ``_extends``."""
        merged: Node | None = None
        for _file, t in reversed(self.files):
            if t is not None and t.kind == "map":
                merged = t if merged is None else merge_nodes(merged, t)
        if merged is not None and len(self.files) > 1:
            kept = [e for e in merged.value if key_text(e.key) != "_extends"]
            merged = Node("map", "map", kept, line=merged.line, col=merged.col, file=merged.file)
        return merged

    def result(self) -> ConfigResult:
        order = [f.label for f, _ in self.files]
        hidden = {f.label for f, _ in self.files if not f.quotable}
        merged = self.merged()
        raw = to_python(merged) if merged is not None else {}
        local = set(self.cx.issues)

        def shown(issue: Issue) -> Issue:
            if issue.path in hidden:
                return _disclosure.redact(issue, known=known_keys())
            if hidden and issue not in local:  # a check across files may quote a value of a hidden one
                return _disclosure.redact(issue, known=known_keys(), cross=True)
            return issue

        if self.broken:
            return finish(BAD, self.cx, raw, order, order, shown)
        final = Context(cross=True, report_funding=False)  # funding was checked per file
        final.default_file = self.path
        final.inherit(self.cx)
        return finish(run(merged, final), final, raw, order, order, shown)


def _chain(
    start_text: str | bytes, owner: str, repo: str, path: str, max_depth: int, *,
    home: tuple[str, str] | None = None, start_public: bool = True,
) -> Generator[ExtendsTarget, _Loaded, ConfigResult]:
    """The chain logic as a generator: yields each target to load, receives its text (or None, or a
    :class:`Fetched`).

    Every file is read and checked on its own (local checks: types, ranges, unknown keys, funding)
    and the chain is followed even past a file with errors, so one run reports them all. Only a
    complete chain is merged and checked as a whole (cross-key checks). A file neither in ``home``
    (the configured repository) nor public is reported by position and rule only
    (:mod:`bot.core.disclosure`), and so is the name of any file it extends."""
    walk = _Walk(owner, repo, path, max_depth, home)
    tree = walk.read(_ChainFile(path, walk.same_repository(walk.start) or start_public), start_text)
    while tree is not None:
        step = walk.next_target(tree)
        if step is None:
            break
        got = yield step[1]
        tree = walk.follow(*step, got)
    return walk.result()


def _step(gen: Generator[ExtendsTarget, _Loaded, ConfigResult], sent: _Loaded) -> ExtendsTarget | ConfigResult:
    """Send ``sent`` (None to start) and return the next target to load, or the chain's result."""
    try:
        return gen.send(sent)
    except StopIteration as stop:
        return stop.value


def resolve_chain(
    load: Callable[[ExtendsTarget], _Loaded],
    start_text: str | bytes,
    *,
    owner: str,
    repo: str,
    path: str = CONFIG_PATH,
    max_depth: int = MAX_EXTENDS_DEPTH,
    home: tuple[str, str] | None = None,
    start_public: bool = True,
) -> ConfigResult:
    """Validate ``start_text`` (the file at ``owner/repo:path``) and everything it ``_extends``.

    ``load(target)`` returns the target file's text, or None when it does not exist, or a
    :class:`Fetched` saying also whether the target's repository (and the configured one) is public;
    exceptions it raises (a network failure) propagate, so the shell can retry. Every file is validated
    with its own path in the issues (the start file as ``path``, the others as ``OWNER/REPO:PATH``); the
    merged result is validated again (cross-key checks). ``sources`` lists the files read, start first.

    ``home`` is the configured repository (default: the start file's); ``start_public`` whether the start
    file's repository is public. What is quoted of a file outside ``home`` that is not public, and which
    targets may be inherited at all, is :mod:`bot.core.disclosure`'s rule. An inherited file must be a
    fundbot configuration (a ``.yml``/``.yaml`` mapping of fundbot keys), otherwise nothing of it is used."""
    gen = _chain(start_text, owner, repo, path, max_depth, home=home, start_public=start_public)
    step = _step(gen, None)
    while isinstance(step, ExtendsTarget):
        step = _step(gen, load(step))
    return step


async def resolve_chain_async(
    load: Callable[[ExtendsTarget], Awaitable[_Loaded]],
    start_text: str | bytes,
    *,
    owner: str,
    repo: str,
    path: str = CONFIG_PATH,
    max_depth: int = MAX_EXTENDS_DEPTH,
    home: tuple[str, str] | None = None,
    start_public: bool = True,
) -> ConfigResult:
    """:func:`resolve_chain` with an async loader (same logic: both drive one generator)."""
    gen = _chain(start_text, owner, repo, path, max_depth, home=home, start_public=start_public)
    step = _step(gen, None)
    while isinstance(step, ExtendsTarget):
        step = _step(gen, await load(step))
    return step
