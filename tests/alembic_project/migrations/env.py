"""Alembic environment of the sample project, as Alembic's generic template has it."""
import os

from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config
target_metadata = None


def database_url():
    """The database: ACCOUNTS_DB_URL, else sqlalchemy.url of alembic.ini."""
    return os.environ.get("ACCOUNTS_DB_URL") or config.get_main_option("sqlalchemy.url")


def run_migrations_offline():
    """Write the SQL instead of running it (alembic upgrade --sql)."""
    context.configure(url=database_url(), target_metadata=target_metadata,
                      literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    """Run the migrations on a connection."""
    engine = engine_from_config({"sqlalchemy.url": database_url()}, prefix="sqlalchemy.",
                                poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
