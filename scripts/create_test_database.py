"""Create an empty PostgreSQL database for one test run and print its SQLAlchemy URL.

Usage: python scripts/create_test_database.py NAME  (server: 127.0.0.1:5432, user postgres)
Exits non-zero with the reason when the server cannot be reached.
"""

import asyncio
import sys

import asyncpg

SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


async def recreate(name: str) -> None:
    connection = await asyncpg.connect(SERVER, timeout=10)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


def main() -> None:
    name = sys.argv[1]
    try:
        asyncio.run(recreate(name))
    except (OSError, asyncpg.PostgresError) as error:
        sys.exit(f"PostgreSQL at {SERVER} is not usable: {error}")
    print(f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}")


if __name__ == "__main__":
    main()
