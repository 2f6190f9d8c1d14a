"""Webhook handlers, one module (and one Router) per concern; merged in ``bot.routing``."""
