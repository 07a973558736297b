/* SPDX-License-Identifier: Apache-2.0 */
/* Drives SQLite (the symbolization benchmark's binary): inserts N rows, then groups and sorts them. */
#include <stdio.h>
#include <stdlib.h>

#include "sqlite3.h"

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 200000;
	sqlite3 *db;
	if (sqlite3_open(":memory:", &db) != SQLITE_OK)
		return 1;
	sqlite3_exec(db, "create table t(a integer primary key, b text, c real); begin", 0, 0, 0);
	for (int i = 0; i < n; i++) {
		char q[200];
		snprintf(q, sizeof(q), "insert into t(b, c) values('v%d', %d.5)", i * 7919 % 100003, i);
		sqlite3_exec(db, q, 0, 0, 0);
	}
	sqlite3_exec(db, "commit; create index tb on t(b)", 0, 0, 0);
	sqlite3_exec(db, "select count(*), sum(c), max(b) from t group by substr(b, 1, 3) order by 2", 0, 0, 0);
	sqlite3_close(db);
	return 0;
}
