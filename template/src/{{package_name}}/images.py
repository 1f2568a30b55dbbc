"""Images in a user's message: checked by their bytes, sent as LangChain's standard blocks.

An image is known by its first bytes, never by a file name or a declared type: a text
file named `cat.png` is refused. PNG, JPEG, WebP and GIF are the formats every provider
the app supports takes. The image goes to the model as LangChain's standard content block
(`{"type": "image", "base64": ..., "mime_type": ...}`), which each provider's LangChain
package turns into its own wire format, so no provider needs code of its own here.
"""

from __future__ import annotations

import base64
import binascii
import struct
from dataclasses import dataclass
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage

#: The formats taken, by the bytes they start with (WebP: "RIFF", 4 bytes, "WEBP").
FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/webp": "WebP", "image/gif": "GIF"}


class ImageError(ValueError):
    """An image the app will not send; `status` is the HTTP answer (413, 415 or 422)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def media_type_of(data: bytes) -> str | None:
    """The image format the bytes are in, or None when they are no image the app takes."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def dimensions(media_type: str, data: bytes) -> tuple[int, int] | None:
    """Width and height from the image's header, without decoding it; None if unreadable."""
    try:
        if media_type == "image/png":
            return struct.unpack(">II", data[16:24])
        if media_type == "image/gif":
            return struct.unpack("<HH", data[6:10])
        if media_type == "image/webp":
            return _webp_dimensions(data)
        if media_type == "image/jpeg":
            return _jpeg_dimensions(data)
    except struct.error:
        return None
    return None


def _webp_dimensions(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8X":  # extended: 24-bit width and height, minus one
        width = int.from_bytes(data[24:27], "little") + 1
        return width, int.from_bytes(data[27:30], "little") + 1
    if chunk == b"VP8 ":  # lossy: 14-bit sizes after the frame's start code
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L":  # lossless: 14-bit sizes, minus one, packed in four bytes
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    return None


def _jpeg_dimensions(data: bytes) -> tuple[int, int] | None:
    """The size in the first start-of-frame segment (SOF0-SOF15, not DHT/JPG/DAC)."""
    at = 2
    while at + 9 < len(data):
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        length = struct.unpack(">H", data[at + 2 : at + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[at + 5 : at + 9])
            return width, height
        at += 2 + length
    return None


@dataclass(frozen=True)
class Image:
    """An image checked by its bytes: the format they are in, and the bytes."""

    media_type: str
    data: bytes

    @property
    def format(self) -> str:
        return FORMATS[self.media_type]

    @property
    def size(self) -> tuple[int, int] | None:
        return dimensions(self.media_type, self.data)

    def block(self) -> dict[str, Any]:
        """LangChain's standard image block; each provider package maps it to its wire."""
        encoded = base64.b64encode(self.data).decode("ascii")
        return {"type": "image", "base64": encoded, "mime_type": self.media_type}

    def describe(self) -> str:
        """`PNG, 2x3 pixels, 69 bytes`: what the offline model says it sees."""
        size = self.size
        pixels = f", {size[0]}x{size[1]} pixels" if size else ""
        return f"{self.format}{pixels}, {len(self.data)} bytes"


def read_image(data: bytes, max_bytes: int) -> Image:
    """The bytes as an image, or an ImageError: 413 above `max_bytes`, 415 not an image."""
    if len(data) > max_bytes:
        raise ImageError(
            f"an image is {len(data)} bytes; the limit is {max_bytes} (MAX_IMAGE_BYTES)", 413
        )
    media_type = media_type_of(data)
    if media_type is None:
        raise ImageError("not an image the app takes: send PNG, JPEG, WebP or GIF", 415)
    return Image(media_type, data)


def decode_image(text: str, max_bytes: int) -> Image:
    """Base64 (or a `data:image/...;base64,` URL, as browsers and OpenAI's API send it),
    checked by its bytes; a type the URL declares is not believed."""
    if text.startswith("data:"):
        header, _, text = text.partition(",")
        if not header.endswith(";base64"):
            raise ImageError("a data URL must be base64 (data:image/png;base64,...)", 422)
    # Base64 grows 4/3: a string far above the limit is refused before it is decoded.
    if len(text) > max_bytes * 4 // 3 + 4:
        raise ImageError(f"an image is over {max_bytes} bytes (MAX_IMAGE_BYTES)", 413)
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as error:
        raise ImageError(f"an image is not valid base64: {error}", 422) from error
    return read_image(data, max_bytes)


def check_count(count: int, limit: int) -> None:
    if count > limit:
        raise ImageError(
            f"a message has {count} images; the limit is {limit} (MAX_IMAGES_PER_MESSAGE)", 422
        )


def takes_images(model: BaseChatModel) -> bool:
    """False only when the model's LangChain profile says it takes no images; a model
    LangChain knows nothing about is given the benefit of the doubt (its provider answers)."""
    profile = getattr(model, "profile", None) or {}
    return profile.get("image_inputs", True) is not False


def refused_images(model: BaseChatModel, configured: str) -> str:
    """Why `model` gets no images, naming that model: a prompt file (the agent's) may name
    another model than `configured` (LLM_MODEL)."""
    name = getattr(model, "model_name", None) or getattr(model, "model", None) or configured
    return f"the model {name!r} takes no images"


def with_images(message: BaseMessage, images: list[Image]) -> BaseMessage:
    """The user's turn with its images after its text, as one multimodal message."""
    if not images:
        return message
    text = {"type": "text", "text": message.text}
    return HumanMessage(content=[text, *(image.block() for image in images)])


def images_in(message: BaseMessage) -> list[Image]:
    """The standard image blocks of a message, back as images (the offline model's view)."""
    if isinstance(message.content, str):
        return []
    found = []
    for block in message.content:
        if isinstance(block, dict) and block.get("type") == "image" and "base64" in block:
            data = base64.b64decode(block["base64"])
            found.append(Image(block.get("mime_type") or media_type_of(data) or "", data))
    return [image for image in found if image.media_type in FORMATS]
