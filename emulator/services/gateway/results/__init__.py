"""Gateway job results, pure functions of (seed, create attributes, provider, media facts): the same inputs give
the same result byte for byte. A transcription and a video analysis of one URL share its speech and people
(results/video.py); face fingerprints recognise the seed's people across videos (media/faces.py).

Nothing is imported here: a job loads the module it needs when it needs it (a new job only video.py's facts),
not at startup (docs/architecture.md, "Startup")."""
