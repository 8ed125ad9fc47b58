"""Constants the gateway tests share."""

BASE = "http://127.0.0.1:8080"
NOW = 1_700_000_000.0  # a wall-clock instant (2023-11-14T22:13:20Z)
