"""Static files storage: whitenoise's compressed, hashed files, without rewriting the URLs inside CSS files.

django-dsfr puts Subresource Integrity hashes on its stylesheets and scripts: a stylesheet whose url() references
were rewritten to hashed names no longer matches its hash and the browser blocks it (the whole site unstyled).
So the files keep their bytes; only their names are hashed (served with a one-year cache), and the fonts and
icons they reference by relative URL are served under their plain names too.
"""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    patterns = ()
