"""Creating a project all at once or not at all.

Everything ``gatehouse init`` makes (the settings file, the SQLite store with its
schema, the signing keys, the key-encryption key and the example client's secret) is
built in a fresh temporary folder beside the target and then moved into place with
renames, the settings file last: a project either has a complete ``gatehouse.toml``
and store, or nothing new at all. Replacing a project (``--force``) keeps the old
files as ``*.bak-<time>`` and puts them back if the move fails.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
import time
from pathlib import Path

from gatehouse._record import record
from gatehouse.cli.failure import CliFailure
from gatehouse.cli.scaffold_text import (
    CLIENT_SECRET_FILE,
    DATA_DIR,
    EXAMPLE_CLIENT_GRANTS,
    EXAMPLE_CLIENT_ID,
    EXAMPLE_CLIENT_SCOPES,
    KEK_FILE,
    STORE_FILE,
    InitChoices,
    config_text,
)
from gatehouse.cli.secret_io import write_secret_file
from gatehouse.cli.state import CliOverrides
from gatehouse.jose import b64url_encode

__all__ = ["InitResult", "initialise"]


@record
class InitResult:
    config: Path
    store: Path
    kek_file: Path
    client_secret_file: Path
    kids: tuple[str, ...]
    backups: tuple[Path, ...]


def _check_target(config: Path, data_dir: Path, force: bool) -> None:
    if force:
        return
    if config.exists():
        raise CliFailure(f"{config} already exists; keep it, or replace it with --force")
    if data_dir.exists():
        raise CliFailure(
            f"{data_dir} exists but {config.name} does not; move it away or use --force"
        )


def _build(
    work: Path, config_name: str, choices: InitChoices, overrides: CliOverrides, examples: bool
) -> tuple[str, ...]:
    """Write and populate a complete project inside ``work``; return the signing key ids."""
    from gatehouse.service.compose import build_stores, build_token_service
    from gatehouse.service.settings import load_settings

    (work / DATA_DIR).mkdir(mode=0o700)
    # 32 random bytes (the KEK format ``gatehouse.issuer.kek`` reads), readable by us only.
    write_secret_file(work / KEK_FILE, b64url_encode(secrets.token_bytes(32)))
    (work / config_name).write_text(config_text(choices, examples=examples), encoding="utf-8")
    # Only the file counts here: a GATEHOUSE_* variable in the caller's shell must not
    # redirect a fresh project to some other store.
    settings = load_settings(work / config_name, environ={})
    with build_stores(settings, clock=overrides.clock) as opened:
        service = build_token_service(
            settings,
            opened,
            clock=overrides.clock,
            password_profile=overrides.password_profile,
            bootstrap=True,
        )
        registered = service.register_client(
            EXAMPLE_CLIENT_ID,
            name="orders example (calls profile for the user)",
            allowed_audiences=[choices.audience],
            allowed_scopes=EXAMPLE_CLIENT_SCOPES,
            grant_types=EXAMPLE_CLIENT_GRANTS,
        )
        kids = tuple(key["kid"] for key in service.jwks()["keys"])
    assert registered.client_secret is not None
    write_secret_file(work / CLIENT_SECRET_FILE, registered.client_secret)
    return kids


def _move_aside(path: Path, stamp: str) -> Path | None:
    if not path.exists() and not path.is_symlink():
        return None
    backup = path.with_name(f"{path.name}.bak-{stamp}")
    path.rename(backup)
    return backup


def _install(work: Path, config: Path, data_dir: Path) -> tuple[Path, ...]:
    """Renames only: the data folder, then the settings file; undone on failure."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    moved: list[tuple[Path, Path]] = []  # (original, backup)
    installed: list[tuple[Path, Path]] = []  # (final, where it came from)
    try:
        for path in (data_dir, config):
            backup = _move_aside(path, stamp)
            if backup is not None:
                moved.append((path, backup))
        for name, final in ((DATA_DIR, data_dir), (config.name, config)):
            (work / name).rename(final)
            installed.append((final, work / name))
    except BaseException:
        for final, origin in reversed(installed):
            final.rename(origin)
        for original, backup in reversed(moved):
            backup.rename(original)
        raise
    return tuple(backup for _, backup in moved)


def initialise(
    config: Path,
    choices: InitChoices,
    *,
    force: bool,
    overrides: CliOverrides,
    examples: bool = True,
) -> InitResult:
    """Create the project for ``config`` atomically; see the module docstring."""
    config = config.absolute()
    folder = config.parent
    data_dir = folder / DATA_DIR
    _check_target(config, data_dir, force)
    if not folder.is_dir():
        raise CliFailure(f"the folder {folder} does not exist; create it first")
    try:
        work = Path(tempfile.mkdtemp(prefix=".gatehouse-init-", dir=folder))
    except OSError as exc:
        raise CliFailure(
            f"cannot write in {folder} ({exc.strerror}); choose a writable folder"
        ) from exc
    try:
        kids = _build(work, config.name, choices, overrides, examples)
        backups = _install(work, config, data_dir)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return InitResult(
        config=config,
        store=folder / STORE_FILE,
        kek_file=folder / KEK_FILE,
        client_secret_file=folder / CLIENT_SECRET_FILE,
        kids=kids,
        backups=backups,
    )
