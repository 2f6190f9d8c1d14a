"""An in-memory GitHub for tests, benchmarks, ``python -m bot demo`` and ``python -m bot sandbox``.

It serves GitHub's REST API (the 60 operations of ``data/rest-api-subset.json``, validated against that
OpenAPI description), ``POST /graphql`` for GitHub Sponsors, and sends signed webhooks, with GitHub's status
codes, headers, rate limits, conditional requests and pagination. See :class:`Sandbox`.
"""

from .core import Call, Sandbox
from .faults import FaultInjector, FaultRule
from .state import RepoState

__all__ = ["Call", "FaultInjector", "FaultRule", "RepoState", "Sandbox"]
