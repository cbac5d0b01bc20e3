"""`manage.py backup [--output FILE]`: the database and the uploaded files in one .tar.gz archive.

The archive holds:
- `manifest.json`: format, version of the platform, database vendor, date, applied migrations, and the SHA-256 of
  every other file of the archive (what `manage.py restore` checks before touching anything);
- the database: `database.sqlite3` (SQLite's online backup API: a consistent copy while the server keeps writing)
  or `database.dump` (PostgreSQL: `pg_dump --format=custom`);
- `media/`: the uploaded files (pride images, indicator proofs, land attachments).

The archive holds personal data: it is created readable by its owner only (0600).
"""

import datetime
import hashlib
import io
import json
import os
import sqlite3
import subprocess
import tarfile
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.db.migrations.recorder import MigrationRecorder

FORMAT = "pacte-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.dump"}
MEDIA = "media"
CHUNK = 1024 * 1024
LOCK_TIMEOUT = int(os.environ.get("BACKUP_LOCK_TIMEOUT", "60"))  # seconds a locked SQLite database is waited for


def platform_version() -> str:
    try:
        from importlib.metadata import version

        return version("pacte-industrie-territoire")
    except Exception:
        import tomllib

        with open(Path(settings.BASE_DIR) / "pyproject.toml", "rb") as stream:
            return tomllib.load(stream)["project"]["version"]


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def database_vendor(alias: str = "default") -> str:
    vendor = connections[alias].vendor
    if vendor not in DATABASE_FILES:
        raise CommandError(f"Base de données « {vendor} » non prise en charge (SQLite ou PostgreSQL seulement).")
    return vendor


def postgres_command(program: str, settings_dict: dict) -> tuple[list[str], dict]:
    """The connection arguments of pg_dump/pg_restore for a Django DATABASES entry (password in the environment)."""
    args = [program, "--no-password"]
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if settings_dict.get(key):
            args += [option, str(settings_dict[key])]
    env = {**os.environ}
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = settings_dict["PASSWORD"]
    for option, key in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT")):
        if settings_dict.get("OPTIONS", {}).get(option):
            env[key] = str(settings_dict["OPTIONS"][option])
    return args, env


def run(args: list[str], env: dict) -> None:
    try:
        result = subprocess.run(args, env=env, capture_output=True, text=True)
    except FileNotFoundError as error:
        raise CommandError(
            f"{args[0]} est introuvable : installez le client PostgreSQL (paquet postgresql-client)."
        ) from error
    if result.returncode:
        raise CommandError(f"{args[0]} a échoué (code {result.returncode}) :\n{result.stderr.strip()}")


def dump_database(directory: Path, alias: str = "default") -> Path:
    connection = connections[alias]
    vendor = database_vendor(alias)
    target = directory / DATABASE_FILES[vendor]
    if vendor == "sqlite":
        # The online backup API copies the database page by page under SQLite's own locking: the copy is a
        # consistent snapshot even while the server writes (WAL included).
        connection.ensure_connection()
        deadline = time.monotonic() + LOCK_TIMEOUT

        def progress(status, remaining, total):
            # sqlite3 retries a busy or locked source for ever: give up with a clear message instead.
            if status in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) and time.monotonic() > deadline:
                raise CommandError(f"La base SQLite est restée verrouillée plus de {LOCK_TIMEOUT} s : réessayez.")

        destination = sqlite3.connect(target)
        try:
            with destination:
                # pages=-1: the whole database in one step under one read lock (in WAL, writers go on meanwhile)
                connection.connection.backup(destination, pages=-1, progress=progress)
        finally:
            destination.close()
    else:
        args, env = postgres_command("pg_dump", connection.settings_dict)
        run(
            [*args, "--format=custom", "--no-owner", "--no-privileges", "--file", str(target)]
            + ["--dbname", connection.settings_dict["NAME"]],
            env,
        )
    return target


def applied_migrations(alias: str = "default") -> list[str]:
    recorder = MigrationRecorder(connections[alias])
    return sorted(f"{app}.{name}" for app, name in recorder.applied_migrations())


def media_files(root: Path):
    """The uploaded files under MEDIA_ROOT (regular files only; symbolic links are not followed)."""
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield path


def create_archive(output: Path, alias: str = "default") -> dict:
    media_root = Path(settings.MEDIA_ROOT)
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="pacte-backup-") as tmp:
        database_file = dump_database(Path(tmp), alias)
        files = {database_file.name: sha256(database_file)}
        media = list(media_files(media_root))
        for path in media:
            files[f"{MEDIA}/{path.relative_to(media_root).as_posix()}"] = sha256(path)
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "platform_version": platform_version(),
            "created_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "database": {"vendor": database_vendor(alias), "file": database_file.name},
            "migrations": applied_migrations(alias),
            "files": files,
        }
        # Written next to the target, then renamed: an interrupted backup never leaves a truncated archive under
        # the expected name.
        fd, partial = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".partial", dir=output.parent)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as archive:
                data = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mtime, info.mode = len(data), int(datetime.datetime.now().timestamp()), 0o600
                archive.addfile(info, io.BytesIO(data))
                archive.add(database_file, arcname=database_file.name, recursive=False, filter=_anonymous)
                for path in media:
                    name = f"{MEDIA}/{path.relative_to(media_root).as_posix()}"
                    archive.add(path, arcname=name, recursive=False, filter=_anonymous)
            os.replace(partial, output)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise
    return manifest


def _anonymous(info: tarfile.TarInfo) -> tarfile.TarInfo:
    """No owner names or ids of this machine in the archive; files readable by their owner once restored."""
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mode = 0o600
    return info


def default_output() -> Path:
    directory = Path(os.environ.get("BACKUP_DIR", str(Path(settings.VAR_DIR) / "backups")))
    return directory / f"pacte-{datetime.datetime.now():%Y%m%d-%H%M%S}.tar.gz"


class Command(BaseCommand):
    help = (
        "Sauvegarde la base de données (SQLite : copie cohérente à chaud ; PostgreSQL : pg_dump) et les fichiers "
        "déposés dans une seule archive .tar.gz, avec un manifeste (version, base, date, sommes de contrôle)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            "-o",
            help="Fichier de l'archive (par défaut : $BACKUP_DIR ou var/backups/pacte-AAAAMMJJ-HHMMSS.tar.gz).",
        )
        parser.add_argument("--database", default="default", help="Alias de la base (par défaut : default).")

    def handle(self, *args, **options):
        output = Path(options["output"]) if options["output"] else default_output()
        if output.is_dir():
            raise CommandError(f"{output} est un dossier : donnez le nom du fichier de l'archive.")
        manifest = create_archive(output, options["database"])
        media_count = sum(1 for name in manifest["files"] if name.startswith(f"{MEDIA}/"))
        size = output.stat().st_size
        self.stdout.write(
            self.style.SUCCESS(
                f"Sauvegarde écrite : {output} ({size / 1024 / 1024:.1f} Mo ; base {manifest['database']['vendor']}, "
                f"{media_count} fichier(s) déposé(s))."
            )
        )
