"""The inbox's consumers: the worker (``worker``) that claims jobs, the routing of webhook jobs to the
handlers (``routing``), the one table of scheduled job kinds (``tasks``), missed-delivery recovery
(``recovery``) and the worker-process supervisor (``supervisor``)."""
