"""Clipzy ML Engine (/api/v1). Spec: shared/seeds/003; facts: shared/reference/clipzy-gateway-auth0.md §1.

Phase 1 holds the service's pure pieces only (openapi.json, models, stylejson, stages, mp4, the scenario draft);
routes, the lifecycle and build(engine, settings) come with the wiring, and the package is not yet in
SERVICE_PACKAGES.
"""
