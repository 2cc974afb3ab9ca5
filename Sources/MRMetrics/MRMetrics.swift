// Prometheus metrics: the registry of every SPEC metric and the process collector (issue 6).
