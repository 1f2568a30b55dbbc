"""The playground's files: one HTML page per view, one script each, one stylesheet.

Plain files served as they are (no build step, nothing fetched from a CDN), so the page
works offline and reads in one sitting. The routes are in `api/routes/playground.py`.
"""

from pathlib import Path

STATIC_DIR = Path(__file__).parent / "static"
