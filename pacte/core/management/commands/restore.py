"""`manage.py restore FILE [--yes]`: puts back the database and the uploaded files of a `manage.py backup` archive.

Nothing is touched until the whole archive has been read and checked: it must be a .tar.gz holding a manifest of
this platform, for the database vendor configured here, with only the files the manifest lists, each with its
SHA-256. Then:
- PostgreSQL: `pg_restore --clean --if-exists --single-transaction` into the configured database;
- SQLite: the copy is checked (`PRAGMA integrity_check`) then written into the configured database with SQLite's
  backup API, under its lock: a running server sees the restored data at its next query (no file swapped under it);
- the media folder is replaced as a whole (the restored folder is renamed into place, the old one removed);
- `migrate` brings a backup of an older version up to date; the cache is emptied (pages of published versions).
"""

import gzip
import hashlib
import json
import os
import shutil
import sqlite3
import sys
import tarfile
import tempfile
import zlib
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.db.migrations.loader import MigrationLoader

from .backup import CHUNK, FORMAT, FORMAT_VERSION, MANIFEST, MEDIA, database_vendor, postgres_command, run


def _foreign(path, reason: str) -> CommandError:
    return CommandError(f"{path} n'est pas une sauvegarde de la plateforme : {reason}. Rien n'a été modifié.")


def _corrupt(path, reason: str) -> CommandError:
    return CommandError(f"La sauvegarde {path} est corrompue : {reason}. Rien n'a été modifié.")


def read_manifest(archive: tarfile.TarFile, path) -> dict:
    try:
        member = archive.getmember(MANIFEST)
    except KeyError:
        raise _foreign(path, f"elle ne contient pas de {MANIFEST}") from None
    stream = archive.extractfile(member) if member.isfile() and member.size < 50 * 1024 * 1024 else None
    if stream is None:
        raise _foreign(path, f"{MANIFEST} n'est pas un fichier ordinaire")
    try:
        manifest = json.loads(stream.read())
    except ValueError:
        raise _foreign(path, f"{MANIFEST} n'est pas du JSON") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _foreign(path, f"son {MANIFEST} n'est pas celui d'une sauvegarde « {FORMAT} »")
    if not isinstance(manifest.get("format_version"), int) or manifest["format_version"] > FORMAT_VERSION:
        raise CommandError(
            f"{path} a été écrite par une version plus récente de la plateforme "
            f"(format {manifest.get('format_version')}) : mettez la plateforme à jour avant de la restaurer."
        )
    files, database = manifest.get("files"), manifest.get("database")
    if not isinstance(files, dict) or not isinstance(database, dict) or database.get("file") not in files:
        raise _foreign(path, f"son {MANIFEST} ne décrit pas la base et les fichiers")
    return manifest


def _safe_name(name: str) -> bool:
    parts = PurePosixPath(name).parts
    return bool(parts) and not PurePosixPath(name).is_absolute() and ".." not in parts and "\\" not in name


def extract_checked(archive: tarfile.TarFile, manifest: dict, directory: Path, path) -> None:
    """Extracts the files of the manifest into `directory`, checking each name, type and SHA-256."""
    expected = manifest["files"]
    seen = set()
    for member in archive:
        name = member.name
        if name == MANIFEST:
            continue
        if not member.isfile():
            raise _foreign(path, f"« {name} » n'est pas un fichier ordinaire (lien ou périphérique refusé)")
        if name not in expected or not _safe_name(name):
            raise _foreign(path, f"« {name} » n'est pas dans son manifeste")
        if name in seen:
            raise _corrupt(path, f"« {name} » y figure deux fois")
        seen.add(name)
        target = directory / name
        target.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        source = archive.extractfile(member)
        with open(target, "wb") as stream:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                stream.write(chunk)
        if digest.hexdigest() != expected[name]:
            raise _corrupt(path, f"la somme de contrôle de « {name} » ne correspond pas à son manifeste")
    missing = sorted(set(expected) - seen)
    if missing:
        raise _corrupt(path, f"il manque {len(missing)} fichier(s) annoncé(s) par le manifeste ({missing[0]}…)")


def check_migrations(manifest: dict, path) -> None:
    known = {f"{app}.{name}" for app, name in MigrationLoader(None, ignore_no_migrations=True).disk_migrations}
    unknown = sorted(set(manifest.get("migrations") or []) - known)
    if unknown:
        raise CommandError(
            f"{path} vient d'une version plus récente de la plateforme (migrations inconnues ici : "
            f"{', '.join(unknown[:3])}…) : mettez la plateforme à jour avant de la restaurer. Rien n'a été modifié."
        )


def restore_sqlite(database_file: Path, alias: str, path) -> None:
    source = sqlite3.connect(database_file)
    try:
        try:
            result = source.execute("PRAGMA integrity_check").fetchone()[0]
        except sqlite3.DatabaseError as error:
            raise _corrupt(path, f"la base SQLite est illisible ({error})") from None
        if result != "ok":
            raise _corrupt(path, f"la base SQLite ne passe pas son contrôle d'intégrité ({result})")
        connection = connections[alias]
        connection.close()
        connection.ensure_connection()
        # Page by page under SQLite's lock, into the configured database itself: other processes keep their
        # connections and read the restored data at their next query.
        source.backup(connection.connection)
        connection.close()
    finally:
        source.close()


def restore_postgresql(database_file: Path, alias: str) -> None:
    connection = connections[alias]
    connection.close()
    args, env = postgres_command("pg_restore", connection.settings_dict)
    run(
        [*args, "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error"]
        + ["--dbname", connection.settings_dict["NAME"], str(database_file)],
        env,
    )


def restore_media(extracted: Path, media_root: Path) -> None:
    """Replaces the media folder by the restored one: renamed into place (same file system), the old one removed."""
    extracted.mkdir(parents=True, exist_ok=True)
    os.chmod(extracted, 0o755)
    if not media_root.exists():
        media_root.parent.mkdir(parents=True, exist_ok=True)
        os.replace(extracted, media_root)
        return
    old = media_root.with_name(f".{media_root.name}.avant-restauration")
    shutil.rmtree(old, ignore_errors=True)
    try:
        os.replace(media_root, old)
    except OSError:  # a mount point cannot be renamed: empty it and copy into it
        for child in media_root.iterdir():
            shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()
        shutil.copytree(extracted, media_root, dirs_exist_ok=True)
        return
    os.replace(extracted, media_root)
    shutil.rmtree(old, ignore_errors=True)


class Command(BaseCommand):
    help = (
        "Restaure une archive de `manage.py backup` : la base de données configurée et les fichiers déposés sont "
        "REMPLACÉS par ceux de la sauvegarde (après vérification complète de l'archive)."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="Fichier .tar.gz écrit par `manage.py backup`.")
        parser.add_argument("--yes", action="store_true", help="Ne pas demander de confirmation.")
        parser.add_argument("--database", default="default", help="Alias de la base (par défaut : default).")

    def handle(self, *args, **options):
        path, alias = Path(options["archive"]), options["database"]
        if not path.is_file():
            raise CommandError(f"{path} : fichier introuvable.")
        vendor = database_vendor(alias)
        media_root = Path(settings.MEDIA_ROOT)
        media_root.parent.mkdir(parents=True, exist_ok=True)
        # Extracted next to the media folder: the restored folder is then renamed into place.
        with tempfile.TemporaryDirectory(prefix=".pacte-restauration-", dir=media_root.parent) as tmp:
            try:
                with tarfile.open(path, mode="r:gz") as archive:
                    manifest = read_manifest(archive, path)
                    if manifest["database"].get("vendor") != vendor:
                        raise CommandError(
                            f"{path} est la sauvegarde d'une base {manifest['database'].get('vendor')} ; la base "
                            f"configurée ici est {vendor}. Restaurez-la sur une base du même type. "
                            "Rien n'a été modifié."
                        )
                    check_migrations(manifest, path)
                    extract_checked(archive, manifest, Path(tmp), path)
            except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as error:
                raise _foreign(path, f"ce n'est pas une archive .tar.gz lisible ({error})") from None
            self.confirm(manifest, options["yes"])
            database_file = Path(tmp) / manifest["database"]["file"]
            if vendor == "sqlite":
                restore_sqlite(database_file, alias, path)
            else:
                restore_postgresql(database_file, alias)
            restore_media(Path(tmp) / MEDIA, media_root)
        call_command("migrate", database=alias, interactive=False, verbosity=0)
        try:
            cache.clear()
        except Exception as error:  # the data is back; a stale cache only delays new pages
            self.stderr.write(f"Le cache n'a pas pu être vidé ({error}) : videz-le à la main.")
        media_count = sum(1 for name in manifest["files"] if name.startswith(f"{MEDIA}/"))
        self.stdout.write(
            self.style.SUCCESS(
                f"Restauration terminée : base {vendor} du {manifest['created_at']} et {media_count} fichier(s) "
                "déposé(s) remis en place."
            )
        )

    def confirm(self, manifest: dict, yes: bool) -> None:
        if yes:
            return
        if not sys.stdin.isatty():
            raise CommandError("La restauration remplace la base et les fichiers : confirmez avec --yes.")
        answer = input(
            f"La base de données et les fichiers déposés vont être REMPLACÉS par la sauvegarde du "
            f"{manifest['created_at']}. Tapez « oui » pour continuer : "
        )
        if answer.strip().lower() != "oui":
            raise CommandError("Restauration annulée. Rien n'a été modifié.")
