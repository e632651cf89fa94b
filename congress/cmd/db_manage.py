"""congress-db-manage: schema migrations of the database named by ``[database] connection``.

    congress-db-manage --config-file congress.conf upgrade [head|<revision>]
    congress-db-manage --config-file congress.conf downgrade <revision>   (``base``: drop everything)
    congress-db-manage --config-file congress.conf current
    congress-db-manage --config-file congress.conf revision -m "add x" [--autogenerate]   (developers)

The server upgrades a SQLite database by itself at start; MySQL and
PostgreSQL are upgraded only by this command.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from alembic import command
from alembic.util import CommandError
from oslo_config import cfg
from sqlalchemy import Engine
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from congress import config
from congress.db import schema
from congress.db.engine import create_engine
from congress.exceptions import CongressError


def _add_commands(subparsers: argparse._SubParsersAction) -> None:
    upgrade = subparsers.add_parser("upgrade", help="upgrade the schema (default: to head)")
    upgrade.add_argument("revision", nargs="?", default="head")
    upgrade.set_defaults(run=_upgrade)
    downgrade = subparsers.add_parser("downgrade", help="downgrade the schema to a revision ('base': empty)")
    downgrade.add_argument("revision")
    downgrade.set_defaults(run=_downgrade)
    current = subparsers.add_parser("current", help="print the schema revision of the database")
    current.set_defaults(run=_current)
    revision = subparsers.add_parser("revision", help="write a new migration script (for developers)")
    revision.add_argument("-m", "--message", required=True)
    revision.add_argument("--autogenerate", action="store_true", help="diff the models against the database")
    revision.set_defaults(run=_revision)


COMMAND_OPT = cfg.SubCommandOpt("command", title="commands", handler=_add_commands)


def _upgrade(engine: Engine, args: cfg.ConfigOpts.SubCommandAttr) -> None:
    schema.upgrade(engine, args.revision)
    print(f"database schema at revision {schema.current_revision(engine)}")


def _downgrade(engine: Engine, args: cfg.ConfigOpts.SubCommandAttr) -> None:
    schema.downgrade(engine, args.revision)
    print(f"database schema at revision {schema.current_revision(engine) or 'base'}")


def _current(engine: Engine, args: cfg.ConfigOpts.SubCommandAttr) -> None:
    current = schema.current_revision(engine)
    head = schema.head_revision()
    print(f"{current or 'base'}{' (head)' if current == head else f' (head is {head})'}")


def _revision(engine: Engine, args: cfg.ConfigOpts.SubCommandAttr) -> None:
    with engine.connect() as connection:
        config = schema.alembic_config(connection)
        command.revision(config, message=args.message, autogenerate=args.autogenerate)


def main(argv: Sequence[str] | None = None) -> int:
    config.CONF.register_cli_opt(COMMAND_OPT)
    conf = config.load(argv)
    try:
        engine = create_engine(conf.database.connection)
    except ArgumentError as exc:
        print(f"invalid [database] connection: {exc}", file=sys.stderr)
        return 2
    try:
        conf.command.run(engine, conf.command)
    except (CongressError, CommandError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:
        print(f"database error: {getattr(exc, 'orig', None) or exc}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
