"""The request journal: the last N requests to the emulated services, for /_emulator/requests.

  ring.py       the capture ring: Record, Journal (the recorder's hot path, select, view, count), and tag(),
                tags(), note_status() / STATUS_KEY for what a service notes about the request it handles
  bodies.py     a record decoded and masked when read: Facts (query, body as matching reads it), body_text
  masking.py    secrets masked in query strings, form and JSON bodies, and headers
  multipart.py  multipart bodies summarised as they stream (file parts counted, never kept)
  matching.py   Matcher (POST /_emulator/requests/count) with near misses; parse_since

Secrets never leave the journal unmasked: query, form and JSON fields named like api_key (SECRET_FIELDS)
and the Authorization, X-Api-Key and Cookie headers read "****" (Authorization keeps its scheme). Matching
(count) sees the masked values too.
"""

from .matching import Matcher, parse_since
from .ring import STATUS_KEY, Journal, Record, note_status, tag, tags

__all__ = ["STATUS_KEY", "Journal", "Matcher", "Record", "note_status", "parse_since", "tag", "tags"]
