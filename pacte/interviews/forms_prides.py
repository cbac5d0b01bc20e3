"""The form of a local pride, and the checks of its image."""

import math
import warnings
from pathlib import PurePath

from django import forms
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm
from PIL import Image, UnidentifiedImageError

from pacte.core.widgets import UploadInput
from pacte.interviews.models import PrideKind, SizeClass

# Pillow format → the extension the file is stored under (whatever the name it was uploaded with).
IMAGE_FORMATS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}
MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_IMAGE_SIDE = 6000  # pixels; larger images are refused before they are decoded (decompression bombs)


def image_check(upload) -> None:
    """Refuse anything but a JPEG, PNG or WebP image of reasonable weight and size, read by Pillow.

    The format is the one Pillow reads in the file, never the one its name claims; the file is then
    renamed with the extension of its real format, so that it is served with the right content type.
    """
    if upload.size > MAX_IMAGE_BYTES:
        raise forms.ValidationError(
            _("Le fichier pèse %(size)s : une image de %(max)s au plus est acceptée."),
            code="file_too_large",
            params={"size": _megabytes(upload.size), "max": _megabytes(MAX_IMAGE_BYTES)},
        )
    not_an_image = forms.ValidationError(
        _("Ce fichier n'est pas une image lisible. Choisissez une image JPEG, PNG ou WebP."), code="invalid_image"
    )
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # odd metadata is not our business…
            warnings.simplefilter("error", Image.DecompressionBombWarning)  # …a huge image is
            with Image.open(upload) as image:  # reads the header only
                image_format, (width, height) = image.format, image.size
                if image_format not in IMAGE_FORMATS:
                    raise forms.ValidationError(
                        _("Le format %(format)s n'est pas accepté. Choisissez une image JPEG, PNG ou WebP."),
                        code="invalid_image_format",
                        params={"format": image_format or _("inconnu")},
                    )
                if width > MAX_IMAGE_SIDE or height > MAX_IMAGE_SIDE:
                    raise _too_big(width, height)
                image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_big() from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise not_an_image from None
    finally:
        upload.seek(0)
    stem = PurePath(upload.name or "").stem[:80] or "image"
    upload.name = stem + IMAGE_FORMATS[image_format]


def _megabytes(size: int) -> str:
    """A size in Mo, one decimal rounded up (a file just over the limit never reads as the limit itself)."""
    tenths = math.ceil(size * 10 / 1024 / 1024)
    return _("%(n)s Mo") % {"n": f"{tenths // 10},{tenths % 10}".removesuffix(",0")}


def _too_big(width=None, height=None):
    params = {"max": MAX_IMAGE_SIDE}
    if width is None:
        message = _("Cette image est trop grande : %(max)s × %(max)s pixels au plus.")
    else:
        message = _("Cette image mesure %(width)s × %(height)s pixels : %(max)s × %(max)s pixels au plus.")
        params |= {"width": width, "height": height}
    return forms.ValidationError(message, code="image_too_large", params=params)


class PrideForm(DsfrBaseForm):
    kind = forms.ChoiceField(
        label=_("Nature"),
        choices=PrideKind.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "Un objet emblématique n'est pas forcément innovant : un sac de plage ou un mât de voilier parlent "
            "au plus grand nombre."
        ),
    )
    product = forms.CharField(
        label=_("Produit"),
        max_length=200,
        help_text=_("Un objet ou un procédé très visuel, par exemple « Aéronef à énergie e-hybride »."),
    )
    company = forms.CharField(label=_("Entreprise"), max_length=200)
    place = forms.CharField(
        label=_("Lieu"),
        max_length=200,
        required=False,
        help_text=_("La commune ou la zone d'activité où le produit est fabriqué."),
    )
    size_class = forms.ChoiceField(
        label=_("Taille de l'entreprise"),
        choices=[("", _("Non renseignée"))] + SizeClass.choices,
        required=False,
        help_text=_("Le panel des fiertés va de la start-up au grand groupe, en passant par la PME et l'ETI."),
    )
    image = forms.FileField(
        label=_("Image"),
        required=False,
        widget=UploadInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        help_text=_(
            "Une photo du produit, très visuelle. Formats JPEG, PNG ou WebP ; 5 Mo et 6000 × 6000 pixels au plus."
        ),
    )
    remove_image = forms.BooleanField(label=_("Retirer l'image actuelle"), required=False)

    def __init__(self, *args, pride=None, **kwargs):
        if pride is not None:
            kwargs.setdefault(
                "initial",
                {
                    "kind": pride.kind,
                    "product": pride.product,
                    "company": pride.company,
                    "place": pride.place,
                    "size_class": pride.size_class,
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["image"].widget.group_class = "fr-upload-group"
        if pride is None or not pride.image:
            del self.fields["remove_image"]
        else:
            self.fields["image"].label = _("Remplacer l'image")

    def clean_image(self):
        upload = self.cleaned_data.get("image")
        if upload:
            image_check(upload)
        return upload
