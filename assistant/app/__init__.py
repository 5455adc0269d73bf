"""What users run: the service facade, HTTP API, web UI, CLI, uploads and the HTTP guard."""
