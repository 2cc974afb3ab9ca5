// Typed helpers for SQLite macros Swift cannot import.
#ifndef MR_SQLITE_SHIM_H
#define MR_SQLITE_SHIM_H
#include <sqlite3.h>

/// SQLITE_TRANSIENT is a cast macro: SQLite copies the bound bytes before returning.
static inline sqlite3_destructor_type mr_sqlite_transient(void) { return SQLITE_TRANSIENT; }
#endif
