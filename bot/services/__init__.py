"""Use cases shared by handlers and jobs: configuration (``config_loader``), payment links (``links``),
labels (``labels``), campaigns, generated files (``sync``, ``sync_requests``) and sponsor sources. Services
never import ``bot.handlers`` or ``bot.jobs``."""
