"""`manage.py backup` and `manage.py restore`.

Round trips run in subprocesses on a throwaway database (SQLite: a temporary file, in every leg; PostgreSQL: a
database `<test database>_rt` created and dropped on the test's server, in the PostgreSQL leg): migrate, data and
uploaded files, backup, changes, restore, and the data and files of the backup are back. Refusals of corrupt or
foreign archives run in the test process and check that nothing was touched.
"""

import hashlib
import io
import json
import os
import sqlite3
import subprocess
import sys
import tarfile
import urllib.parse
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


# --- round trips in subprocesses ---------------------------------------------------------------------------------


def manage(env: dict, *args: str) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result


def usernames(env: dict) -> list[str]:
    code = "from django.contrib.auth.models import User; print(sorted(User.objects.values_list('username', flat=True)))"
    return json.loads(manage(env, "shell", "-v0", "-c", code).stdout.strip().replace("'", '"'))


def environment(tmp_path: Path, database_url: str) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": str(tmp_path / "media"),
        "VAR_DIR": str(tmp_path / "var"),
        "PYTHONWARNINGS": "ignore",
    }
    env.pop("PYTEST_CURRENT_TEST", None)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def round_trip(tmp_path: Path, database_url: str, during_backup=None) -> None:
    env = environment(tmp_path, database_url)
    media = tmp_path / "media"
    manage(env, "migrate", "--noinput", "-v0")
    manage(
        env, "shell", "-v0", "-c", "from django.contrib.auth.models import User; User.objects.create(username='sauvee')"
    )
    (media / "fiertes").mkdir(parents=True)
    (media / "fiertes" / "produit.png").write_bytes(b"\x89PNG image d'avant")
    (media / "justificatifs").mkdir()
    (media / "justificatifs" / "preuve.pdf").write_bytes(b"%PDF-1.7 preuve")

    archive = tmp_path / "sauvegardes" / "pacte.tar.gz"
    with during_backup() if during_backup else _nothing():
        output = manage(env, "backup", "--output", str(archive)).stdout
    assert "Sauvegarde écrite" in output and archive.is_file()
    assert archive.stat().st_mode & 0o077 == 0  # personal data: readable by its owner only
    vendor = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    database_file = {"sqlite": "database.sqlite3", "postgresql": "database.dump"}[vendor]
    with tarfile.open(archive, "r:gz") as stored:
        manifest = json.loads(stored.extractfile("manifest.json").read())
        names = stored.getnames()
        proof = stored.extractfile("media/justificatifs/preuve.pdf").read()
    assert manifest["format"] == "pacte-backup"
    assert manifest["database"] == {"vendor": vendor, "file": database_file}
    assert sorted(names) == sorted(
        ["manifest.json", database_file, "media/fiertes/produit.png", "media/justificatifs/preuve.pdf"]
    )
    assert manifest["files"]["media/justificatifs/preuve.pdf"] == hashlib.sha256(b"%PDF-1.7 preuve").hexdigest()
    assert proof == b"%PDF-1.7 preuve"
    assert "core.0001_initial" in manifest["migrations"]

    # Everything changes after the backup: data, a file rewritten, a file added, a file removed.
    code = "from django.contrib.auth.models import User; User.objects.all().delete(); User.objects.create(username='apres')"
    manage(env, "shell", "-v0", "-c", code)
    (media / "fiertes" / "produit.png").write_bytes(b"image d'apres")
    (media / "ajout.txt").write_text("ajouté après la sauvegarde")
    (media / "justificatifs" / "preuve.pdf").unlink()
    assert usernames(env) == ["apres"]

    output = manage(env, "restore", str(archive), "--yes").stdout
    assert "Restauration terminée" in output
    assert usernames(env) == ["sauvee"]
    assert sorted(p.relative_to(media).as_posix() for p in media.rglob("*") if p.is_file()) == [
        "fiertes/produit.png",
        "justificatifs/preuve.pdf",
    ]
    assert (media / "fiertes" / "produit.png").read_bytes() == b"\x89PNG image d'avant"
    assert (media / "justificatifs" / "preuve.pdf").read_bytes() == b"%PDF-1.7 preuve"


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_a_sqlite_backup_taken_during_a_write_restores_the_committed_data(tmp_path):
    """The online backup API copies a consistent snapshot: a write transaction open meanwhile (WAL) neither blocks
    the backup nor leaks into it."""
    database = tmp_path / "db.sqlite3"

    class WriterInTheMiddle:
        def __enter__(self):
            self.writer = sqlite3.connect(database, isolation_level=None)
            self.writer.execute("BEGIN IMMEDIATE")
            self.writer.execute(
                "INSERT INTO auth_user (username, password, is_superuser, first_name, last_name, email, is_staff,"
                " is_active, date_joined) VALUES ('non-validee', '', 0, '', '', '', 0, 1, '2025-01-01')"
            )

        def __exit__(self, *exc):
            self.writer.execute("ROLLBACK")
            self.writer.close()

    round_trip(tmp_path, f"sqlite:///{database}", during_backup=WriterInTheMiddle)


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL round trip: in the PostgreSQL leg")
def test_a_postgresql_backup_restores_data_and_files(tmp_path):
    import psycopg

    settings_dict = connection.settings_dict
    name = f"{settings_dict['NAME']}_rt"
    admin = {
        "host": settings_dict.get("HOST") or "localhost",
        "port": settings_dict.get("PORT") or 5432,
        "user": settings_dict.get("USER") or None,
        "password": settings_dict.get("PASSWORD") or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **admin) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.execute(f'CREATE DATABASE "{name}"')
    credentials = urllib.parse.quote(admin["user"] or "")
    if admin["password"]:
        credentials += ":" + urllib.parse.quote(admin["password"])
    try:
        round_trip(tmp_path, f"postgres://{credentials}@{admin['host']}:{admin['port']}/{name}")
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **admin) as server:
            server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- the archive, in the test process ----------------------------------------------------------------------------


def build_archive(path: Path, contents: dict[str, bytes], **manifest) -> Path:
    """An archive as `manage.py backup` writes it, or not quite: `manifest` overrides its fields."""
    content = {
        "format": "pacte-backup",
        "format_version": 1,
        "platform_version": "0.1.0",
        "created_at": "2025-06-01T08:00:00+00:00",
        "database": {"vendor": connection.vendor, "file": "database.dump"},
        "migrations": [],
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in contents.items()},
        **manifest,
    }
    with tarfile.open(path, "w:gz") as archive:
        for name, data in {"manifest.json": json.dumps(content).encode(), **contents}.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


@pytest.fixture
def untouched(db, media_root):
    """A user and an uploaded file that a refused restore must leave as they are."""
    get_user_model().objects.create(username="en-place")
    Path(media_root, "fiertes").mkdir(parents=True)
    Path(media_root, "fiertes", "image.png").write_bytes(b"en place")
    yield
    assert get_user_model().objects.filter(username="en-place").exists()
    assert [p.name for p in Path(media_root).rglob("*") if p.is_file()] == ["image.png"]
    assert Path(media_root, "fiertes", "image.png").read_bytes() == b"en place"


def refusal(path: Path) -> str:
    with pytest.raises(CommandError) as error:
        call_command("restore", str(path), yes=True)
    return str(error.value)


def test_it_refuses_a_file_that_is_not_an_archive(untouched, tmp_path):
    path = tmp_path / "photo.tar.gz"
    path.write_bytes(b"\xff\xd8\xff\xe0 not a gzip file at all" * 10)
    assert "n'est pas une sauvegarde de la plateforme" in refusal(path)
    assert "Rien n'a été modifié" in refusal(path)


def test_it_refuses_a_truncated_archive(untouched, tmp_path):
    path = build_archive(tmp_path / "b.tar.gz", {"database.dump": os.urandom(200_000)})
    path.write_bytes(path.read_bytes()[:-5000])
    message = refusal(path)
    assert "Rien n'a été modifié" in message
    assert "corrompue" in message or "n'est pas une archive .tar.gz lisible" in message


def test_it_refuses_an_archive_without_a_manifest(untouched, tmp_path):
    path = tmp_path / "autre.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        info = tarfile.TarInfo("db.sqlite3")
        archive.addfile(info, io.BytesIO(b""))
    assert "ne contient pas de manifest.json" in refusal(path)


def test_it_refuses_the_archive_of_another_application(untouched, tmp_path):
    path = build_archive(tmp_path / "b.tar.gz", {"database.dump": b"x"}, format="autre-logiciel")
    assert "n'est pas celui d'une sauvegarde « pacte-backup »" in refusal(path)


def test_it_refuses_a_file_whose_checksum_does_not_match(untouched, tmp_path):
    files = {"database.dump": b"la base", "media/fiertes/image.png": b"l'image sauvegardee"}
    checksums = {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
    path = build_archive(
        tmp_path / "b.tar.gz", {**files, "media/fiertes/image.png": b"l'image modifiee!!"}, files=checksums
    )
    message = refusal(path)
    assert "est corrompue" in message and "media/fiertes/image.png" in message


def test_it_refuses_a_file_the_manifest_does_not_list_or_a_path_out_of_the_folder(untouched, tmp_path):
    for name in ("media/../../evil.txt", "/etc/evil.txt", "intrus.txt"):
        path = build_archive(tmp_path / "b.tar.gz", {"database.dump": b"x"})
        with tarfile.open(path, "r:gz") as source:
            members = [(m, source.extractfile(m).read()) for m in source.getmembers()]
        with tarfile.open(path, "w:gz") as archive:
            for member, data in members:
                archive.addfile(member, io.BytesIO(data))
            info = tarfile.TarInfo(name)
            info.size = 4
            archive.addfile(info, io.BytesIO(b"evil"))
        assert "n'est pas dans son manifeste" in refusal(path)
    assert not (tmp_path.parent / "evil.txt").exists()


def test_it_refuses_a_symbolic_link(untouched, tmp_path):
    path = tmp_path / "b.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        manifest = {
            "format": "pacte-backup",
            "format_version": 1,
            "created_at": "2025-06-01T08:00:00+00:00",
            "database": {"vendor": connection.vendor, "file": "database.dump"},
            "files": {"database.dump": "0" * 64},
        }
        data = json.dumps(manifest).encode()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("database.dump")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        archive.addfile(link)
    assert "lien ou périphérique refusé" in refusal(path)


def test_it_refuses_the_backup_of_another_database_vendor(untouched, tmp_path):
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    path = build_archive(
        tmp_path / "b.tar.gz", {"database.dump": b"x"}, database={"vendor": other, "file": "database.dump"}
    )
    assert f"la sauvegarde d'une base {other}" in refusal(path)


def test_it_refuses_the_backup_of_a_newer_version(untouched, tmp_path):
    path = build_archive(tmp_path / "b.tar.gz", {"database.dump": b"x"}, migrations=["core.9999_from_the_future"])
    assert "version plus récente" in refusal(path)


def test_it_asks_for_confirmation_when_not_told_yes(untouched, tmp_path):
    path = build_archive(tmp_path / "b.tar.gz", {"database.dump": b"x"})
    with pytest.raises(CommandError, match="confirmez avec --yes"):
        call_command("restore", str(path))
