"""SQL built once for what every request of an exam day does — read its session and its user, save an answer
while its attempt is open (reading the drawn question first only where the save must explain a refusal) — instead
of compiling an ORM query each time; on PostgreSQL each is also prepared once per connection (``prepared_cursor``).

The ORM builds a query's SQL anew on every call: about 0.18 ms of CPU for ``Session.objects.get(…)`` and again for
``User.objects.get(pk=…)``, ~0.7 ms for the answer's read across three tables and ~0.1 ms for its
``update()``, against 0.02–0.05 ms to run the same statements from SQL built once (measured on PostgreSQL and
SQLite, issue #21). Every request of 2,000 exam takers pays these, so here the column lists are built once per
model and kept; a row comes back through the model's own converters and ``Model.from_db``, and values go in through
the fields' own ``get_db_prep_save``, exactly as the ORM would do it (tests/people/test_fast_sql.py and
tests/assessments/test_answer_sql.py compare them field for field)."""

from functools import cache

from django.db import connections
from django.db.models import Model


def prepared_cursor(using: str = "default"):
    """A cursor whose statements the database prepares once per connection (PostgreSQL, not behind a pooler:
    ``people.postgresql``), else a plain one. For statements whose SQL is built once, so each is prepared once."""
    connection = connections[using]
    prepared = getattr(connection, "prepared_cursor", None)
    return prepared() if prepared else connection.cursor()


@cache
def _columns(model: type[Model], names: tuple[str, ...], using: str) -> tuple[list[str], list[str], list[tuple]]:
    """For the fields ``names`` (names or attnames) of ``model``, in the model's column order (which
    ``Model.from_db`` needs for a partial row): their attnames, their columns, and per column the converters the
    ORM would apply to its value (``(index, converter, expression)``)."""
    connection = connections[using]
    wanted = {model._meta.get_field(name) for name in names}
    fields = [field for field in model._meta.concrete_fields if field in wanted]
    columns = [field.get_col(model._meta.db_table) for field in fields]
    converters = [(index, converter, column) for index, column in enumerate(columns)
                  for converter in connection.ops.get_db_converters(column) + column.get_db_converters(connection)]
    return [field.attname for field in fields], [field.column for field in fields], converters


def columns_sql(model: type[Model], names: tuple[str, ...], alias: str, *, using: str = "default") -> str:
    """The select list of ``names`` of ``model`` as ``"alias"."column", …``, in the order ``instance`` reads."""
    quote = connections[using].ops.quote_name
    return ", ".join(f"{quote(alias)}.{quote(column)}" for column in _columns(model, names, using)[1])


def instance(model: type[Model], names: tuple[str, ...], values, *, using: str = "default") -> Model:
    """A model instance from ``values`` read in ``columns_sql``'s order (other fields deferred)."""
    attnames, _, converters = _columns(model, names, using)
    values = list(values)
    connection = connections[using]
    for index, converter, column in converters:
        values[index] = converter(values[index], column, connection)
    return model.from_db(using, attnames, values)


@cache
def every_field(model: type[Model]) -> tuple[str, ...]:
    return tuple(field.attname for field in model._meta.concrete_fields)


@cache
def _one_row_sql(model: type[Model], where: str, using: str) -> str:
    quote = connections[using].ops.quote_name
    table = model._meta.db_table
    return f"SELECT {columns_sql(model, every_field(model), table, using=using)} FROM {quote(table)} WHERE {where}"  # noqa: S608  (our own names and a where clause of ours; values go as parameters)


def one_row(model: type[Model], where: str, params: list, *, using: str = "default") -> Model | None:
    """The one row of ``model`` matching ``where`` (SQL with ``%s`` placeholders, column names quoted), as a model
    instance, or None."""
    with prepared_cursor(using) as cursor:
        cursor.execute(_one_row_sql(model, where, using), params)
        row = cursor.fetchone()
    return None if row is None else instance(model, every_field(model), row, using=using)


def _set_sql(model: type[Model], fields: dict, connection) -> tuple[str, list]:
    """``"column" = %s, …`` for ``fields``, each value prepared as the ORM prepares it for saving
    (``Field.get_db_prep_save``)."""
    quote = connection.ops.quote_name
    sets, params = [], []
    for name, value in fields.items():
        field = model._meta.get_field(name)
        sets.append(f"{quote(field.column)} = %s")
        params.append(field.get_db_prep_save(value, connection))
    return ", ".join(sets), params


def update_row(model: type[Model], pk, fields: dict, *, only_if: tuple[str, list] | None = None,
               using: str = "default") -> int:
    """``model.objects.filter(pk=pk).update(**fields)`` without compiling a query: each value is prepared as the
    ORM prepares it for saving (``Field.get_db_prep_save``). No signals, no ``pre_save`` — as ``update()``.
    ``only_if`` is one more condition of the same statement, ``(sql, params)``: the row is written only if it holds
    when the statement runs. Returns the number of rows changed (0 or 1)."""
    connection = connections[using]
    quote = connection.ops.quote_name
    meta = model._meta
    sets, params = _set_sql(model, fields, connection)
    params.append(meta.pk.get_db_prep_value(pk, connection))
    sql = f"UPDATE {quote(meta.db_table)} SET {sets} WHERE {quote(meta.pk.column)} = %s"  # noqa: S608  (our own names; values go as parameters)
    if only_if:
        sql += f" AND {only_if[0]}"
        params += list(only_if[1])
    with prepared_cursor(using) as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def update_returning(model: type[Model], fields: dict, where: tuple[str, list], returning: tuple[str, ...], *,
                     using: str = "default") -> Model | None:
    """``UPDATE … SET fields WHERE where RETURNING returning`` for a ``where`` (SQL with ``%s`` placeholders, names
    quoted, ``(sql, params)``) that matches at most one row: that row as written, an instance of ``model`` with the
    ``returning`` fields (the others deferred), or None when nothing was written. Values are prepared as
    ``update_row`` prepares them and read back as ``instance`` reads a row (SQLite ≥ 3.35 and PostgreSQL both
    return from an UPDATE)."""
    connection = connections[using]
    quote = connection.ops.quote_name
    sets, params = _set_sql(model, fields, connection)
    sql = (f"UPDATE {quote(model._meta.db_table)} SET {sets} WHERE {where[0]}"  # noqa: S608  (our own names; values go as parameters)
           f" RETURNING {', '.join(quote(column) for column in _columns(model, returning, using)[1])}")
    with prepared_cursor(using) as cursor:
        cursor.execute(sql, params + list(where[1]))
        rows = cursor.fetchall()  # all of it: SQLite finishes the statement only once its rows are read
    return instance(model, returning, rows[0], using=using) if rows else None


def update_each(model: type[Model], name: str, values: dict, *, using: str = "default") -> int:
    """``bulk_update`` of one field: each row ``pk`` gets ``values[pk]``, in one UPDATE (a CASE on the primary key,
    cast to the column's type as Django casts it where the database needs it), values prepared as the ORM prepares
    them for saving. Returns the number of rows changed."""
    if not values:
        return 0
    connection = connections[using]
    quote = connection.ops.quote_name
    meta = model._meta
    field, pk = meta.get_field(name), meta.pk
    whens, params = [], []
    for key, value in values.items():
        whens.append("WHEN %s THEN %s")
        params += [pk.get_db_prep_value(key, connection), field.get_db_prep_save(value, connection)]
    case = f"CASE {quote(pk.column)} {' '.join(whens)} END"
    if connection.features.requires_casted_case_in_updates:
        case = f"CAST({case} AS {field.cast_db_type(connection)})"
    keys = [pk.get_db_prep_value(key, connection) for key in values]
    sql = (f"UPDATE {quote(meta.db_table)} SET {quote(field.column)} = {case}"  # noqa: S608  (our own names; values go as parameters)
           f" WHERE {quote(pk.column)} IN ({', '.join(['%s'] * len(keys))})")
    with connection.cursor() as cursor:
        cursor.execute(sql, params + keys)
        return cursor.rowcount
