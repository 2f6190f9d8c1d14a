"""Talking to GitHub: the App client (``client``), repository helpers (``repo_ops``), the generated-files
writer (``writer``) and the per-delivery repository handle (``repo``). The client's public names are
re-exported here (``from bot.github import GitHubApp, RetryLater``)."""

from bot.github.client import (
    Clock,
    GitHubAPI,
    GitHubApp,
    Pacer,
    RealClock,
    RetryLater,
    RetryPolicy,
    TransientError,
    is_permanent,
    status_of,
)

__all__ = ["Clock", "GitHubAPI", "GitHubApp", "Pacer", "RealClock", "RetryLater", "RetryPolicy", "TransientError",
           "is_permanent", "status_of"]
