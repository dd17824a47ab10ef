from inspector.records.base import RecordReader, StoredRecord
from inspector.records.db import DatabaseRecordReader

__all__ = ["RecordReader", "StoredRecord", "reader_for"]

READERS: dict[str, type[RecordReader]] = {
    "django.contrib.sessions.backends.db": DatabaseRecordReader,
}


def reader_for(engine: str) -> RecordReader:
    return READERS[engine]()
