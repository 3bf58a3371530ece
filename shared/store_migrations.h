/*
 * store_migrations.h - versioned schema migrations built into the binary from
 * shared/migrations/<backend>/NNNN_name.sql: shared/migrations/embed.py writes the C file under
 * build/gen/.
 */
#ifndef EXECUTIONER_STORE_MIGRATIONS_H
#define EXECUTIONER_STORE_MIGRATIONS_H

struct store_migration {
	int version; /* 1, 2, ...: migration v brings the schema from v - 1 to v */
	const char *name;
	const char *sql; /* constant text, never built from input */
};

extern const struct store_migration store_pg_migrations[];
extern const int store_pg_migrations_count;

#endif
