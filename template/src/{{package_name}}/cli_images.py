"""Images named on the command line (`app chat --image`, `app agent --image`): read, and
checked by their bytes as the API checks them (images.py); a problem is one line, exit 1.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .cli_errors import fail

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from .images import Image
    from .settings import Settings


def read_images(paths: list[Path], settings: Settings, model: BaseChatModel) -> list[Image]:
    """The files as images for `model`, within MAX_IMAGES_PER_MESSAGE and MAX_IMAGE_BYTES,
    each known by its bytes (a text file named `.png` is refused), for a model that takes
    images; `fail` (one line, exit 1) otherwise."""
    if not paths:
        return []
    from .images import ImageError, check_count, read_image, refused_images, takes_images

    try:
        check_count(len(paths), settings.max_images_per_message)
        images = [read_image(path.read_bytes(), settings.max_image_bytes) for path in paths]
    except ImageError as error:
        raise fail(str(error)) from error
    except OSError as error:
        raise fail(f"cannot read the image: {error}") from error
    if not takes_images(model):
        raise fail(refused_images(model, settings.llm_model))
    return images
