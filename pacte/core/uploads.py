"""Uploaded documents recognised by their content, never by their name (shared by every upload form)."""

import uuid

from PIL import Image, UnidentifiedImageError

# PDF, JPEG and PNG: the documents the platform accepts as proofs and attachments.
DOCUMENT_SIGNATURES = ((b"%PDF-", ".pdf"), (b"\xff\xd8\xff", ".jpg"), (b"\x89PNG\r\n\x1a\n", ".png"))


def document_extension(upload, signatures=DOCUMENT_SIGNATURES) -> str | None:
    """The extension of the file's real format, read from its first bytes (None if it is none of them)."""
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    return next((ext for signature, ext in signatures if head.startswith(signature)), None)


def image_readable(upload) -> bool:
    """Whether Pillow can read the image (a truncated file or a decompression bomb cannot)."""
    try:
        with Image.open(upload) as image:
            image.verify()
        return True
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return False
    finally:
        upload.seek(0)


def random_name(upload, extension: str) -> None:
    """Rename the upload to an unguessable name with the extension of its real format."""
    upload.name = uuid.uuid4().hex + extension
