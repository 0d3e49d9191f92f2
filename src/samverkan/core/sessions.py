"""Django's database sessions, with the read every request makes written as SQL once."""

from typing import Any

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone


class SessionStore(db.SessionStore):
    """The same table, keys, expiry and encoding as `django.contrib.sessions.backends.db`; only
    the read differs: the ORM's `get()` cost more to compile (about half a millisecond) than the
    primary-key lookup costs to run, on every request of a signed-in user."""

    def _get_session_from_db(self) -> Any:
        key = self.session_key
        if key is None:  # no cookie, or one that is not a session key
            self._session_key = None
            return None
        model = self.model
        connection = connections[router.db_for_read(model)]
        meta = model._meta
        sql = (
            f'SELECT "session_data" FROM "{meta.db_table}" '  # noqa: S608 (the model's table)
            'WHERE "session_key" = %s AND "expire_date" > %s'
        )
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(sql, [key, now])
            row = cursor.fetchone()
        if row is None:  # unknown or expired: a new session, as Django's store does
            self._session_key = None
            return None
        return model(session_key=key, session_data=row[0])
