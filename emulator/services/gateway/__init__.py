"""AI Gateway (/v1: transcriptions, translations, video analyses, providers) and the Auth0-compatible token
issuer in front of it. Docs: shared/seeds 004; facts: shared/reference/clipzy-gateway-auth0.md §2-5.

This package holds the service's pure pieces (settings, signing keys, tokens, providers, results); routes and
the lifecycle are wired in a second phase."""
