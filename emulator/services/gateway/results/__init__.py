"""Gateway job results, pure functions of (seed, create attributes, provider, media facts): the same inputs give
the same result byte for byte. A transcription and a video analysis of one URL share its speech and people
(results/video.py); face fingerprints recognise the seed's people across videos (media/faces.py)."""

from .analysis import video_analysis
from .transcription import Transcript, transcription
from .translation import pseudo_translate, translation
from .video import Video, derived_facts, detect_language, spoken_language

__all__ = ["Transcript", "Video", "derived_facts", "detect_language", "pseudo_translate", "spoken_language",
           "transcription", "translation", "video_analysis"]
