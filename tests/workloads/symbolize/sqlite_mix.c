/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A varied SQLite workload for the perf.data benchmark (scripts/bench-perfdata.sh): inserts through
 * prepared statements, indexes, joins, grouping, sorting, window functions, recursive CTEs, JSON,
 * FTS5, R*Tree, string/date/math functions, updates, deletes and VACUUM on a file database. It
 * spreads samples over thousands of distinct addresses of -O2 -g code full of inlined functions,
 * which is what makes `perf script`'s inline resolution costly. Runs for a given amount of CPU.
 * Usage: sqlite_mix CPU-SECONDS DB-PATH
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sqlite3.h"

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "sqlite_mix: %s: %s\n", sql, msg ? msg : "?");
		sqlite3_free(msg);
		exit(1);
	}
}

static const char *const words[] = {
	"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet",
	"kilo", "lima", "mike", "november", "oscar", "papa", "quebec", "romeo", "sierra", "tango",
};

static void fill(sqlite3 *db, unsigned *seed, int n)
{
	sqlite3_stmt *ins, *ins_u, *ins_f, *ins_r;
	char text[160];

	sqlite3_prepare_v2(db, "insert into t(b, c, d) values(?1, ?2, ?3)", -1, &ins, NULL);
	sqlite3_prepare_v2(db, "insert into u(x, y) values(?1, ?2)", -1, &ins_u, NULL);
	sqlite3_prepare_v2(db, "insert into f(body) values(?1)", -1, &ins_f, NULL);
	sqlite3_prepare_v2(db, "insert into r(id, x0, x1, y0, y1) values(?1, ?2, ?2 + ?4, ?3, ?3 + ?4)", -1, &ins_r, NULL);
	exec(db, "begin");
	for (int i = 0; i < n; i++) {
		*seed = *seed * 1103515245u + 12345u;
		unsigned s = *seed >> 8;
		snprintf(text, sizeof(text), "%s %s %u %s", words[s % 20], words[(s >> 5) % 20], s % 10007,
			 words[(s >> 10) % 20]);
		sqlite3_bind_text(ins, 1, text, -1, SQLITE_TRANSIENT);
		sqlite3_bind_double(ins, 2, (double)(s % 100000) / 7.0);
		sqlite3_bind_blob(ins, 3, text, (int)(s % 40) + 1, SQLITE_TRANSIENT);
		sqlite3_step(ins);
		sqlite3_reset(ins);
		sqlite3_bind_int64(ins_u, 1, (sqlite3_int64)(s % (unsigned)(n + 1)));
		sqlite3_bind_text(ins_u, 2, words[s % 20], -1, SQLITE_STATIC);
		sqlite3_step(ins_u);
		sqlite3_reset(ins_u);
		if (i % 4 == 0) {
			sqlite3_bind_text(ins_f, 1, text, -1, SQLITE_TRANSIENT);
			sqlite3_step(ins_f);
			sqlite3_reset(ins_f);
			sqlite3_bind_int64(ins_r, 1, i);
			sqlite3_bind_double(ins_r, 2, (double)(s % 1000));
			sqlite3_bind_double(ins_r, 3, (double)((s >> 10) % 1000));
			sqlite3_bind_double(ins_r, 4, (double)(s % 17) + 1);
			sqlite3_step(ins_r);
			sqlite3_reset(ins_r);
		}
	}
	exec(db, "commit");
	sqlite3_finalize(ins);
	sqlite3_finalize(ins_u);
	sqlite3_finalize(ins_f);
	sqlite3_finalize(ins_r);
}

static const char *const queries[] = {
	"select substr(b, 1, 3), count(*), avg(c), max(length(d)) from t group by 1 order by 2 desc",
	"select t.a, u.y, t.c from t join u on t.a = u.x where t.b like '%7%' order by t.c limit 200",
	"select count(*) from t where b glob '*a?o*' or instr(b, 'ha') > 0",
	"with recursive cnt(x) as (select 1 union all select x + 1 from cnt limit 4000) "
	"select sum(x * x), group_concat(x % 10, '') from cnt",
	"select a, sum(c) over (partition by a % 10 order by a rows 5 preceding), "
	"rank() over (order by c desc) from t where a % 3 = 0 limit 500",
	"select json_group_array(json_object('a', a, 'b', b, 'c', round(c, 2))) from t where a % 40 = 0",
	"select json_extract(value, '$.b') from json_each((select json_group_array(json_object('b', b)) "
	"from t where a % 97 = 0))",
	"select upper(b), lower(b), replace(b, 'a', 'A'), hex(d), printf('%08.3f|%-12s|%x', c, b, a) from t "
	"where a % 11 = 0",
	"select strftime('%Y-%m-%d %H:%M', 1600000000 + a * 3600, 'unixepoch'), julianday('2024-01-01') + a "
	"from t where a % 13 = 0",
	"select sqrt(c), ln(c + 1), sin(c), pow(c, 0.3), floor(c), ceil(c) from t where a % 7 = 0",
	"select body, bm25(f) from f where f match 'alpha OR tango' order by bm25(f) limit 100",
	"select highlight(f, 0, '[', ']') from f where f match 'delta NEAR golf' limit 50",
	"select count(*) from r where x0 > 100 and x1 < 600 and y0 > 200 and y1 < 900",
	"select y, count(distinct x), total(x) from u group by y having count(*) > 3 order by 3",
	"select a from t where c > (select avg(c) from t) except select x from u",
	"select t1.a, t2.a from t t1, t t2 where t1.a < 60 and t2.a < 60 and t1.c < t2.c order by 1, 2",
	"select * from t order by random() limit 50",
	"select b, c from t where a in (select x from u where y in ('echo', 'kilo')) order by b collate nocase",
};

static void query(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "sqlite_mix: %s: %s\n", sql, sqlite3_errmsg(db));
		exit(1);
	}
	while (sqlite3_step(st) == SQLITE_ROW)
		for (int i = 0; i < sqlite3_column_count(st); i++)
			(void)sqlite3_column_text(st, i);
	sqlite3_finalize(st);
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 5;
	const char *path = argc > 2 ? argv[2] : "sqlite_mix.db";
	unsigned seed = 42;
	sqlite3 *db;

	for (int round = 0; cpu_now() < secs; round++) {
		unlink(path);
		if (sqlite3_open(path, &db) != SQLITE_OK)
			return 1;
		exec(db, "pragma journal_mode = wal; pragma synchronous = off; pragma cache_size = -4000");
		exec(db, "create table t(a integer primary key, b text, c real, d blob);"
			 "create table u(x integer, y text);"
			 "create virtual table f using fts5(body);"
			 "create virtual table r using rtree(id, x0, x1, y0, y1)");
		fill(db, &seed, 4000);
		exec(db, "create index tb on t(b); create index uxy on u(x, y); analyze");
		for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++)
			query(db, queries[i]);
		exec(db, "update t set c = c * 1.01, b = b || 'x' where a % 3 = 0; delete from t where a % 7 = 0;"
			 "delete from u where x % 5 = 0; drop index tb; vacuum");
		query(db, queries[round % (sizeof(queries) / sizeof(queries[0]))]);
		sqlite3_close(db);
	}
	unlink(path);
	return 0;
}
