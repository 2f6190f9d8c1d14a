"""The webhook edge: the aiohttp app that verifies, bounds and acknowledges deliveries (``web``), the
connection and body guards (``guard``), and pure payload helpers (``events``). It only writes the inbox."""
