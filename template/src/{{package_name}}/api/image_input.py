"""Images sent with a message, checked before any model call: the HTTP side of images.py.

Shared by POST /chat, /chat/stream and /v1/chat/completions: the same limits, the same
answers (413 too large, 415 not an image, 422 too many, or a model that takes none), and
the same trace attributes: how many images and how many bytes, never the images (those
reach the trace only as the model call's input, with TRACE_CONTENT=true).
"""

from __future__ import annotations

from fastapi import HTTPException
from langchain_core.language_models import BaseChatModel
from opentelemetry import trace

from ..images import (
    Image,
    ImageError,
    check_count,
    decode_image,
    refused_images,
    takes_images,
)
from ..settings import Settings

IMAGE_COUNT = "app.images.count"
IMAGE_BYTES = "app.images.bytes"


def checked_images(encoded: list[str], settings: Settings, model: BaseChatModel) -> list[Image]:
    """The images, decoded and checked by their bytes; an HTTPException naming the limit."""
    if not encoded:
        return []
    try:
        check_count(len(encoded), settings.max_images_per_message)
        images = [decode_image(text, settings.max_image_bytes) for text in encoded]
    except ImageError as error:
        raise HTTPException(error.status, str(error)) from error
    if not takes_images(model):
        raise HTTPException(422, refused_images(model, settings.llm_model))
    span = trace.get_current_span()  # the request's span
    span.set_attribute(IMAGE_COUNT, len(images))
    span.set_attribute(IMAGE_BYTES, sum(len(image.data) for image in images))
    return images
