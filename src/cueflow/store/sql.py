"""The SQLAlchemy (async Core) implementation of the store: SQLite by default, PostgreSQL too.

Only portable SQL is used (UPDATE/INSERT/DELETE ... RETURNING, which SQLite 3.35+ and
PostgreSQL both have), so the same statements serve both databases. Statements are built
once at import time with bind parameters; SQLAlchemy then reuses their compiled form, which
keeps the engine's hot path (one run status write) to one statement in one transaction.

SQLite note: the driver opens its implicit transaction right before the first write
statement, and every write method here starts with a write, so each write transaction holds
the database write lock from its first statement and `busy_timeout` applies (no lock
upgrade, hence no immediate SQLITE_BUSY between processes).
"""

from __future__ import annotations

import builtins
import fcntl
import hashlib
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event, exc
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from cueflow.store.base import Conflict, LogLine, NotFound, Record, Request, StoreError
from cueflow.store.home import cueflow_home, default_store_url
from cueflow.store.wakeup import wakeup_socket_path

__all__ = ["SqlStore", "cueflow_home", "default_store_url"]

SQLITE_BUSY_TIMEOUT_MS = 10_000
"""How long a SQLite write waits for another process's write transaction before failing."""


class UtcDateTime(sa.TypeDecorator[datetime]):
    """Aware UTC datetimes in and out; SQLite keeps no offset, so one is attached on read."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# Plain JSON (text as written) rather than PostgreSQL's JSONB: JSONB reorders object keys and
# prints 1e300 without an exponent (read back as an int); nothing queries inside documents.
JsonDoc = sa.JSON()

metadata = sa.MetaData()

objects = sa.Table(
    "objects",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(64), nullable=False),
    sa.Column("namespace", sa.String(253), nullable=False),
    sa.Column("name", sa.String(253), nullable=False),
    sa.Column("doc", JsonDoc, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("phase", sa.String(32), nullable=False, default=""),
    sa.Column("finished", sa.Boolean, nullable=False, default=False),
    sa.Column("created", UtcDateTime, nullable=False),
    sa.Column("updated", UtcDateTime, nullable=False),
    sa.UniqueConstraint("kind", "namespace", "name", name="objects_key"),
    sa.Index("objects_kind_finished", "kind", "finished"),
)

logs = sa.Table(
    "logs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run", sa.String(512), nullable=False),
    sa.Column("step", sa.String(253), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("time", UtcDateTime, nullable=False),
    sa.Column("level", sa.String(16), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Index("logs_run_seq", "run", "seq"),
)

requests = sa.Table(
    "requests",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run", sa.String(512), nullable=False),
    sa.Column("op", sa.String(32), nullable=False),
    sa.Column("args", JsonDoc, nullable=False),
    sa.Column("created", UtcDateTime, nullable=False),
)

kv = sa.Table(
    "kv",
    metadata,
    sa.Column("space", sa.String(64), primary_key=True),
    sa.Column("key", sa.String(512), primary_key=True),
    sa.Column("value", JsonDoc, nullable=False),
)

_OBJECT_COLUMNS = (
    objects.c.kind,
    objects.c.namespace,
    objects.c.name,
    objects.c.doc,
    objects.c.version,
    objects.c.phase,
    objects.c.finished,
    objects.c.created,
    objects.c.updated,
)
_KEY = sa.and_(
    objects.c.kind == sa.bindparam("b_kind"),
    objects.c.namespace == sa.bindparam("b_namespace"),
    objects.c.name == sa.bindparam("b_name"),
)
_SET = {
    "doc": sa.bindparam("b_doc", type_=JsonDoc),
    "phase": sa.bindparam("b_phase"),
    "finished": sa.bindparam("b_finished"),
    "updated": sa.bindparam("b_now", type_=UtcDateTime),
    "version": objects.c.version + 1,
}
_UPDATE_OBJECT = (
    objects.update().where(_KEY).values(_SET).returning(objects.c.version, objects.c.created)
)
_UPDATE_OBJECT_IF_VERSION = (
    objects.update()
    .where(_KEY, objects.c.version == sa.bindparam("b_expect"))
    .values(_SET)
    .returning(objects.c.version, objects.c.created)
)
_INSERT_OBJECT = objects.insert().values(
    kind=sa.bindparam("b_kind"),
    namespace=sa.bindparam("b_namespace"),
    name=sa.bindparam("b_name"),
    doc=sa.bindparam("b_doc", type_=JsonDoc),
    version=1,
    phase=sa.bindparam("b_phase"),
    finished=sa.bindparam("b_finished"),
    created=sa.bindparam("b_now", type_=UtcDateTime),
    updated=sa.bindparam("b_now", type_=UtcDateTime),
)
_GET_OBJECT = sa.select(*_OBJECT_COLUMNS).where(_KEY)
_DELETE_OBJECT = objects.delete().where(_KEY)

_INSERT_LOG = logs.insert()
_DELETE_RUN_LOGS = logs.delete().where(logs.c.run == sa.bindparam("b_run"))

_INSERT_REQUEST = requests.insert().returning(requests.c.id)
_TAKE_REQUESTS = requests.delete().returning(
    requests.c.id, requests.c.run, requests.c.op, requests.c.args, requests.c.created
)
_DELETE_RUN_REQUESTS = requests.delete().where(requests.c.run == sa.bindparam("b_run"))

_KV_KEY = sa.and_(kv.c.space == sa.bindparam("b_space"), kv.c.key == sa.bindparam("b_key"))
_KV_UPDATE = kv.update().where(_KV_KEY).values(value=sa.bindparam("b_value", type_=JsonDoc))
_KV_INSERT = kv.insert().values(
    space=sa.bindparam("b_space"),
    key=sa.bindparam("b_key"),
    value=sa.bindparam("b_value", type_=JsonDoc),
)
_KV_GET = sa.select(kv.c.value).where(_KV_KEY)
_KV_DELETE = kv.delete().where(_KV_KEY)

_RUN_KIND = "WorkflowRun"
_LOCK_KEY = {"b_space": "engine", "b_key": "lock"}


def _now() -> datetime:
    return datetime.now(UTC)


def _record(row: Any) -> Record:
    return Record(
        kind=row.kind,
        namespace=row.namespace,
        name=row.name,
        doc=row.doc,
        version=row.version,
        phase=row.phase,
        finished=row.finished,
        created=row.created,
        updated=row.updated,
    )


def _set_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


_ENDED = "cueflow_transaction_ended"


def _mark_transaction_open(conn: sa.Connection) -> None:
    conn.info[_ENDED] = False


def _mark_transaction_ended(conn: sa.Connection) -> None:
    conn.info[_ENDED] = True


def _reset_connection(dbapi_connection: Any, record: Any, state: Any) -> None:
    """Roll back a connection coming back to the pool unless its last transaction already
    ended (the usual case after a committed write), saving one round trip per write."""
    if state.asyncio_safe and not state.terminate_only and not record.info.get(_ENDED, False):
        dbapi_connection.rollback()


class SqlStore:
    """The store on a SQLAlchemy URL (`sqlite+aiosqlite://...` or `postgresql+asyncpg://...`).

    `schema` (PostgreSQL only) puts the tables in that schema, created if missing; tests use
    it to keep each run apart.
    """

    def __init__(self, url: str | None = None, *, schema: str | None = None) -> None:
        self.url = sa.make_url(url or default_store_url())
        self.schema = schema
        self._engine: AsyncEngine | None = None
        self._lock: _FileLock | _AdvisoryLock | _ProcessLock | None = None

    def __repr__(self) -> str:
        return f"SqlStore({self.url.render_as_string(hide_password=True)!r})"

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @property
    def sqlite_path(self) -> Path | None:
        """The database file, or None for PostgreSQL and in-memory SQLite."""
        database = self.url.database
        if not self.is_sqlite or not database or database == ":memory:":
            return None
        return Path(database)

    async def open(self) -> None:
        if self._engine is not None:
            return
        if self.schema is not None and self.is_sqlite:
            raise StoreError("a schema can only be given for PostgreSQL")
        path = self.sqlite_path
        url = self.url
        if path is not None:
            path = path.expanduser()
            path.parent.mkdir(parents=True, exist_ok=True)
            url = url.set(database=str(path))
            self.url = url
        # The pool's own rollback-on-return is replaced by _reset_connection (see there).
        options: dict[str, Any] = {"pool_reset_on_return": None}
        if self.schema is not None:
            options["execution_options"] = {"schema_translate_map": {None: self.schema}}
        engine = create_async_engine(url, **options)
        if self.is_sqlite:
            event.listen(engine.sync_engine, "connect", _set_sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _mark_transaction_open)
        event.listen(engine.sync_engine, "commit", _mark_transaction_ended)
        event.listen(engine.sync_engine, "rollback", _mark_transaction_ended)
        event.listen(engine.sync_engine, "reset", _reset_connection)
        try:
            async with engine.begin() as conn:
                if self.schema is not None:
                    await conn.execute(sa.schema.CreateSchema(self.schema, if_not_exists=True))
                await conn.run_sync(metadata.create_all)
        except (exc.SQLAlchemyError, OSError) as error:
            await engine.dispose()
            raise StoreError(f"cannot open store {self!r}: {error}") from error
        self._engine = engine

    async def close(self) -> None:
        await self.release_engine_lock()
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None

    @property
    def engine(self) -> AsyncEngine:
        if self._engine is None:
            raise StoreError(f"{self!r} is not open: call open() first")
        return self._engine

    # objects ---------------------------------------------------------------
    async def put(self, record: Record, *, expect_version: int | None = None) -> Record:
        """Create or replace `record`.

        `expect_version=0` means "create, it must not exist yet"; a positive value means
        "replace the version I read". Either raises Conflict when the stored object differs.
        `phase` and `finished` are stored as given by the caller.
        """
        now = _now()
        params = _object_params(record, now)
        try:
            if expect_version is None:
                version, created = await self._upsert(params)
            elif expect_version == 0:
                version, created = await self._insert(params)
            else:
                version, created = await self._update_if_version(params, expect_version)
        except exc.SQLAlchemyError as error:
            raise StoreError(f"cannot store {_describe(record)}: {error}") from error
        return _stored(record, version, created, now)

    async def put_many(self, records: builtins.list[Record]) -> builtins.list[Record]:
        """Create or replace every record in one transaction: all are stored or none.

        One commit for many records is what lets the engine write the changes of many runs
        at the cost of about one."""
        now = _now()
        batch = [_object_params(record, now) for record in records]
        for _attempt in range(3):
            try:
                async with self.engine.begin() as conn:
                    rows = [
                        (await conn.execute(_UPDATE_OBJECT, params)).first() for params in batch
                    ]
                    missing = [
                        params for params, row in zip(batch, rows, strict=True) if row is None
                    ]
                    if missing:
                        await conn.execute(_INSERT_OBJECT, missing)
                break
            except exc.IntegrityError:  # another process inserted one of them: update it
                continue
            except exc.SQLAlchemyError as error:
                raise StoreError(f"cannot store {len(records)} records: {error}") from error
        else:
            raise StoreError("cannot store the records: they keep changing under other writers")
        return [
            _stored(record, row.version, row.created, now)
            if row is not None
            else _stored(record, 1, now, now)
            for record, row in zip(records, rows, strict=True)
        ]

    async def _upsert(self, params: dict[str, Any]) -> tuple[int, datetime]:
        row = await self._update_or_insert(_UPDATE_OBJECT, _INSERT_OBJECT, params)
        return (row.version, row.created) if row is not None else (1, params["b_now"])

    async def _update_or_insert(
        self, update: sa.Update, insert: sa.Insert, params: dict[str, Any]
    ) -> sa.Row[Any] | None:
        """Run `update`; when it matched nothing, `insert`. Returns the update's RETURNING row,
        or None after an insert. A concurrent insert of the same key makes ours fail; the
        update is then tried again and wins."""
        for _attempt in range(3):
            try:
                async with self.engine.begin() as conn:
                    result = await conn.execute(update, params)
                    if result.returns_rows:
                        row = result.first()
                        if row is not None:
                            return row
                    elif result.rowcount:
                        return None
                    await conn.execute(insert, params)
                    return None
            except exc.IntegrityError:
                continue
        raise StoreError("cannot store the row: it keeps changing under concurrent writers")

    async def _insert(self, params: dict[str, Any]) -> tuple[int, datetime]:
        try:
            async with self.engine.begin() as conn:
                await conn.execute(_INSERT_OBJECT, params)
        except exc.IntegrityError as error:
            raise Conflict(
                f"{params['b_kind']} {params['b_namespace']}/{params['b_name']} already exists"
            ) from error
        return 1, params["b_now"]

    async def _update_if_version(
        self, params: dict[str, Any], expect_version: int
    ) -> tuple[int, datetime]:
        async with self.engine.begin() as conn:
            row = (
                await conn.execute(
                    _UPDATE_OBJECT_IF_VERSION, {**params, "b_expect": expect_version}
                )
            ).first()
        if row is None:
            raise Conflict(
                f"{params['b_kind']} {params['b_namespace']}/{params['b_name']} is no longer at "
                f"version {expect_version}: read it again"
            )
        return row.version, row.created

    async def get(self, kind: str, namespace: str, name: str) -> Record:
        async with self._reading() as conn:
            row = (
                await conn.execute(
                    _GET_OBJECT, {"b_kind": kind, "b_namespace": namespace, "b_name": name}
                )
            ).first()
        if row is None:
            raise NotFound(f"{kind} {namespace}/{name} not found")
        return _record(row)

    async def list(
        self, kind: str, namespace: str | None = None, *, unfinished_only: bool = False
    ) -> builtins.list[Record]:
        query = sa.select(*_OBJECT_COLUMNS).where(objects.c.kind == kind)
        if namespace is not None:
            query = query.where(objects.c.namespace == namespace)
        if unfinished_only:
            query = query.where(objects.c.finished.is_(False))
        query = query.order_by(objects.c.namespace, objects.c.name)
        async with self._reading() as conn:
            return [_record(row) for row in await conn.execute(query)]

    async def delete(self, kind: str, namespace: str, name: str) -> None:
        """Delete the object; a run's logs and pending requests go with it."""
        key = {"b_kind": kind, "b_namespace": namespace, "b_name": name}
        async with self._writing() as conn:
            deleted = (await conn.execute(_DELETE_OBJECT, key)).rowcount
            if deleted and kind == _RUN_KIND:
                run = {"b_run": f"{namespace}/{name}"}
                await conn.execute(_DELETE_RUN_LOGS, run)
                await conn.execute(_DELETE_RUN_REQUESTS, run)
        if not deleted:
            raise NotFound(f"{kind} {namespace}/{name} not found")

    # step logs -------------------------------------------------------------
    async def append_logs(self, lines: builtins.list[LogLine]) -> None:
        if not lines:
            return
        rows = [
            {
                "run": line.run,
                "step": line.step,
                "seq": line.seq,
                "time": line.time,
                "level": line.level,
                "text": line.text,
            }
            for line in lines
        ]
        async with self._writing() as conn:
            await conn.execute(_INSERT_LOG, rows)

    async def logs(
        self, run: str, step: str | None = None, *, after_seq: int = 0
    ) -> builtins.list[LogLine]:
        query = sa.select(
            logs.c.run, logs.c.step, logs.c.seq, logs.c.time, logs.c.level, logs.c.text
        ).where(logs.c.run == run, logs.c.seq > after_seq)
        if step is not None:
            query = query.where(logs.c.step == step)
        query = query.order_by(logs.c.seq, logs.c.id)
        async with self._reading() as conn:
            return [
                LogLine(run=r.run, step=r.step, seq=r.seq, time=r.time, level=r.level, text=r.text)
                for r in await conn.execute(query)
            ]

    # cross-process requests ------------------------------------------------
    async def add_request(self, run: str, op: str, args: dict[str, Any]) -> Request:
        created = _now()
        async with self._writing() as conn:
            row = (
                await conn.execute(
                    _INSERT_REQUEST, {"run": run, "op": op, "args": args, "created": created}
                )
            ).one()
        return Request(id=row.id, run=run, op=op, args=args, created=created)

    async def take_requests(self) -> builtins.list[Request]:
        """Return and delete every pending request, oldest first (one atomic statement, so a
        request added meanwhile is either returned now or left for the next call)."""
        async with self._writing() as conn:
            rows = (await conn.execute(_TAKE_REQUESTS)).all()
        return [
            Request(id=r.id, run=r.run, op=r.op, args=r.args, created=r.created)
            for r in sorted(rows, key=lambda r: r.id)
        ]

    # key-value documents ---------------------------------------------------
    async def kv_put(self, space: str, key: str, value: dict[str, Any]) -> None:
        try:
            await self._update_or_insert(
                _KV_UPDATE, _KV_INSERT, {"b_space": space, "b_key": key, "b_value": value}
            )
        except exc.SQLAlchemyError as error:
            raise StoreError(f"cannot store {space}/{key}: {error}") from error

    async def kv_get(self, space: str, key: str) -> dict[str, Any] | None:
        async with self._reading() as conn:
            row = (await conn.execute(_KV_GET, {"b_space": space, "b_key": key})).first()
        return row.value if row is not None else None

    async def kv_list(self, space: str) -> dict[str, dict[str, Any]]:
        query = sa.select(kv.c.key, kv.c.value).where(kv.c.space == space).order_by(kv.c.key)
        async with self._reading() as conn:
            return {row.key: row.value for row in await conn.execute(query)}

    async def kv_delete(self, space: str, key: str) -> bool:
        async with self._writing() as conn:
            result = await conn.execute(_KV_DELETE, {"b_space": space, "b_key": key})
        return bool(result.rowcount)

    # engine lock -----------------------------------------------------------
    async def acquire_engine_lock(self, owner: str) -> bool:
        """Become the one engine executing runs from this store; False if another holds it.

        SQLite: an exclusive `flock` on `<database>.lock`, which the kernel drops when the
        holder dies (even by SIGKILL). PostgreSQL: a session advisory lock on a dedicated
        connection, dropped by the server when that connection ends.
        """
        if self._lock is not None:
            return True
        lock = self._new_lock()
        if not await lock.acquire(owner):
            return False
        self._lock = lock
        return True

    async def release_engine_lock(self) -> None:
        if self._lock is not None:
            lock, self._lock = self._lock, None
            await lock.release()

    async def engine_lock_holder(self) -> str | None:
        """The owner string of the engine holding the lock, or None when no engine runs."""
        if self._lock is not None:
            return self._lock.owner
        return await self._new_lock().holder()

    def wakeup_socket(self) -> Path | None:
        """Where the engine holding this store's lock listens for wake-ups
        (`cueflow.store.wakeup`); None unless this store object holds the lock."""
        if self._lock is None:
            return None
        return wakeup_socket_path(self.url.render_as_string(hide_password=False))

    def _new_lock(self) -> _FileLock | _AdvisoryLock | _ProcessLock:
        path = self.sqlite_path
        if path is not None:
            return _FileLock(Path(f"{path.expanduser()}.lock"))
        if self.is_sqlite:
            return _ProcessLock()
        return _AdvisoryLock(self.engine, self.schema or "public")

    # transactions ------------------------------------------------------------
    def _writing(self) -> _Transaction:
        return _Transaction(self.engine, write=True)

    def _reading(self) -> _Transaction:
        return _Transaction(self.engine, write=False)


class _Transaction:
    """One transaction on a pooled connection; SQLAlchemy errors become StoreError."""

    def __init__(self, engine: AsyncEngine, *, write: bool) -> None:
        self._context = engine.begin() if write else engine.connect()

    async def __aenter__(self) -> AsyncConnection:
        try:
            return await self._context.__aenter__()
        except exc.SQLAlchemyError as error:
            raise StoreError(f"store unavailable: {error}") from error

    async def __aexit__(self, exc_type: Any, exc_value: Any, traceback: Any) -> None:
        try:
            await self._context.__aexit__(exc_type, exc_value, traceback)
        except exc.SQLAlchemyError as error:
            raise StoreError(f"store operation failed: {error}") from error
        if isinstance(exc_value, exc.SQLAlchemyError):
            raise StoreError(f"store operation failed: {exc_value}") from exc_value


def _object_params(record: Record, now: datetime) -> dict[str, Any]:
    return {
        "b_kind": record.kind,
        "b_namespace": record.namespace,
        "b_name": record.name,
        "b_doc": record.doc,
        "b_phase": record.phase,
        "b_finished": record.finished,
        "b_now": now,
    }


def _stored(record: Record, version: int, created: datetime, now: datetime) -> Record:
    """`record` as the store now holds it."""
    return Record(
        kind=record.kind,
        namespace=record.namespace,
        name=record.name,
        doc=record.doc,
        version=version,
        phase=record.phase,
        finished=record.finished,
        created=created,
        updated=now,
    )


def _describe(record: Record) -> str:
    return f"{record.kind} {record.namespace}/{record.name}"


class _FileLock:
    """An exclusive `flock` on a file; the owner string is written into it for `holder()`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.owner: str | None = None
        self._fd: int | None = None

    async def acquire(self, owner: str) -> bool:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.pwrite(fd, owner.encode(), 0)
        self._fd, self.owner = fd, owner
        return True

    async def release(self) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None

    async def holder(self) -> str | None:
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return None
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return os.pread(fd, 4096, 0).decode(errors="replace") or "unknown"
            return None
        finally:
            os.close(fd)


class _ProcessLock:
    """In-memory SQLite lives in one store object, so nobody else can hold its lock."""

    owner: str | None = None

    async def acquire(self, owner: str) -> bool:
        self.owner = owner
        return True

    async def release(self) -> None:
        self.owner = None

    async def holder(self) -> str | None:
        return None


class _AdvisoryLock:
    """A PostgreSQL session advisory lock held on a connection taken out of the pool."""

    def __init__(self, engine: AsyncEngine, schema: str) -> None:
        self._engine = engine
        self._schema = schema
        self._key = int.from_bytes(
            hashlib.sha256(f"cueflow-engine:{schema}".encode()).digest()[:8], "big", signed=True
        )
        self._conn: AsyncConnection | None = None
        self.owner: str | None = None

    async def _try_lock(self, conn: AsyncConnection) -> bool:
        result = await conn.execute(sa.select(sa.func.pg_try_advisory_lock(self._key)))
        locked = bool(result.scalar_one())
        await conn.commit()  # the session lock outlives the transaction
        return locked

    async def acquire(self, owner: str) -> bool:
        conn = await self._engine.connect()
        try:
            if not await self._try_lock(conn):
                await conn.close()
                return False
            # Only the lock holder writes this row, so delete-then-insert cannot race.
            await conn.execute(_KV_DELETE, _LOCK_KEY)
            await conn.execute(_KV_INSERT, {**_LOCK_KEY, "b_value": {"owner": owner}})
            await conn.commit()
        except exc.SQLAlchemyError as error:
            await conn.close()
            raise StoreError(f"cannot take the engine lock: {error}") from error
        self._conn, self.owner = conn, owner
        return True

    async def release(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            try:
                await conn.execute(sa.select(sa.func.pg_advisory_unlock(self._key)))
                await conn.commit()
            finally:
                await conn.close()

    async def holder(self) -> str | None:
        async with self._engine.connect() as conn:
            if await self._try_lock(conn):
                await conn.execute(sa.select(sa.func.pg_advisory_unlock(self._key)))
                await conn.commit()
                return None
            row = (await conn.execute(_KV_GET, _LOCK_KEY)).first()
        return str(row.value.get("owner", "unknown")) if row is not None else "unknown"
