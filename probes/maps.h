/* SPDX-License-Identifier: Apache-2.0 */
/* Creating a program's BPF maps and reading them back for printing (probes/ internal). */
#ifndef SCORCH_PROBES_MAPS_H
#define SCORCH_PROBES_MAPS_H

#include <stdint.h>

#include "probes/output.h"

struct checker;
struct map_info;
struct decoder;
struct errbuf;

/* Decide every map's sizes and kinds (also done by maps_create; for dumps without creating). */
void maps_plan(struct checker *c);
/* Create every map not created yet. 0 or a negative errno with `err`. */
int maps_create(struct checker *c, struct errbuf *err);
/* Close every map fd. */
void maps_close(struct checker *c);
/*
 * Read map `m` into `om` (entries, keys and values allocated in d's arena,
 * valid until decoder_release()); per-CPU values are merged. 0 or negative errno.
 */
int map_read(struct checker *c, struct map_info *m, struct decoder *d, struct output_map *om, struct errbuf *err);
/*
 * Each entry of map `m`: its key bytes and one number for its value, merged
 * over CPUs (count, sum, int values; min/max decoded; avg/stats their count;
 * hist/lhist the sum of their buckets). `cb` returns 0 to go on. 0, the
 * callback's value, or a negative errno.
 */
typedef int map_entry_cb(const uint8_t *key, int64_t value, void *arg);
int map_each(struct checker *c, struct map_info *m, int ncpus, map_entry_cb *cb, void *arg);
/* clear(@m): delete every entry. */
int map_clear(struct checker *c, struct map_info *m, int ncpus);
/* zero(@m): set every value to zero, keeping the keys. */
int map_zero(struct checker *c, struct map_info *m, int ncpus);
/* Events the ring buffer could not take, summed over CPUs. */
uint64_t maps_lost_events(struct checker *c, int ncpus);

#endif
