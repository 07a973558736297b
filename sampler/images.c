// SPDX-License-Identifier: Apache-2.0
/* Process images seen while recording: snapshot their maps while they live, keep older images under aliases. */

/*
 * Why snapshots and not BPF_F_STACK_BUILD_ID frames: a build-id frame costs
 * the kernel a VMA lookup and an ELF note read per frame at sample time
 * (microseconds per stack, several times our whole budget), and still falls
 * back to a bare address for files without a build-id or pages not in
 * memory. Instead the BPF programs give every process image a generation on
 * its first sample (and a new one after exec or pid reuse) and send an
 * EVENT_NEW_IMAGE; /proc/PID/maps is read then, again 100 ms later (a process
 * first seen inside ld.so has its libraries by then), whenever it maps new code
 * (mmap_watch.c: a dlopen) and at the end for survivors. Snapshots add up: a
 * mapping gone since (dlclose) stays where nothing replaced it. Older images
 * of a pid keep their maps under an alias, so samples
 * taken before an exec are named by the program that ran then. The race: a
 * process that exits before user space reads its maps (lives only a few ms)
 * keeps [unknown] frames, counted in the summary.
 */
#include "sampler/internal.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/hash.h"
#include "symbolize/symbolize.h"

/*
 * Aliases name the address spaces of images replaced by an exec or a reused
 * pid; they sit above the kernel's PID_MAX_LIMIT (4M), so no real pid clashes.
 */
#define IMAGE_ALIAS_BASE (1 << 24)
/* A process first seen very early (still in ld.so) gets a second snapshot this much later. */
#define IMAGE_RESNAP_NS (100ull * 1000 * 1000)
/* image_table_refresh(): the first gap after a snapshot, and the most it doubles to. */
#define REFRESH_GAP_NS (10ull * 1000 * 1000)
#define REFRESH_GAP_MAX_NS (1000ull * 1000 * 1000)
/* image_table_mapped(): snapshots of one process at most this often; the poll loop wakes this often then. */
#define MAPPED_RESNAP_NS (5ull * 1000 * 1000)

void image_table_init(struct image_table *t, struct symbolizer *sym)
{
	memset(t, 0, sizeof(*t));
	htab_init(&t->by_key);
	htab_init(&t->by_tgid);
	t->next_alias = IMAGE_ALIAS_BASE;
	t->sym = sym;
}

void image_table_release(struct image_table *t)
{
	free(t->items);
	htab_release(&t->by_key);
	htab_release(&t->by_tgid);
	memset(t, 0, sizeof(*t));
}

struct image_key {
	uint32_t tgid;
	uint64_t gen;
};

static uint64_t key_hash(uint32_t tgid, uint64_t gen)
{
	return hash_u64(gen ^ ((uint64_t)tgid << 40) ^ tgid);
}

static bool key_eq(uint32_t id, const void *key, void *arg)
{
	const struct image_table *t = arg;
	const struct image_key *k = key;
	return t->items[id].tgid == k->tgid && t->items[id].gen == k->gen;
}

static bool tgid_eq(uint32_t id, const void *key, void *arg)
{
	const struct image_table *t = arg;
	return t->items[id].current && t->items[id].tgid == *(const uint32_t *)key;
}

static struct image *current_of(struct image_table *t, uint32_t tgid)
{
	uint32_t i = htab_find(&t->by_tgid, hash_u64(tgid), tgid_eq, &tgid, t);
	return i == HTAB_NONE ? NULL : &t->items[i];
}

static bool alive(uint32_t tgid)
{
	return kill((pid_t)tgid, 0) == 0 || errno == EPERM;
}

/*
 * Tests only: SCORCH_TEST_NO_PROC_MAPS=1 reads no /proc/PID/maps, as if
 * every process were gone before its snapshot (names then come from the
 * mmap watch's log alone).
 */
static bool no_proc_maps(void)
{
	static int v = -1;
	if (v < 0)
		v = getenv("SCORCH_TEST_NO_PROC_MAPS") != NULL;
	return v;
}

/*
 * Tests only: SCORCH_TEST_SNAPSHOT_DELAY_MS=N waits N ms before a process's
 * first snapshot, as a loaded machine may: it may have exec'd by then.
 */
static void test_snapshot_delay(void)
{
	static long ms = -1;
	if (ms < 0) {
		const char *v = getenv("SCORCH_TEST_SNAPSHOT_DELAY_MS");
		ms = v ? atol(v) : 0;
		if (ms < 0 || ms > 10000)
			ms = 0;
	}
	if (ms)
		usleep((useconds_t)ms * 1000);
}

static void snapshot(struct image_table *t, struct image *im)
{
	test_snapshot_delay();
	im->snap_ns = sampler_now_ns();
	im->first_snap_ns = im->snap_ns;
	if (!t->sym)
		return;
	t->snapshots++;
	if (no_proc_maps() || symbolizer_proc_snapshot(t->sym, (int)im->tgid, NULL)) {
		t->snapshot_failures++;
		im->snap_failed = true;
	}
}

/*
 * Snapshot a process seen before, keeping the earlier maps when the new read
 * fails or races with the exit (symbolizer_proc_snapshot() replaces the maps
 * even then): back them up under a scratch alias, restore on failure. On
 * success the earlier mappings nothing replaced are kept too.
 */
static void resnapshot(struct image_table *t, struct image *im)
{
	if (!t->sym || no_proc_maps())
		return;
	/* exited() handles pending events, which may add images: `im` can move, keep what is needed */
	int tgid = (int)im->tgid;
	im->snap_ns = sampler_now_ns();
	int backup = t->next_alias++;
	if (symbolizer_proc_fork(t->sym, backup, tgid))
		return;
	uint64_t gen = im->gen;
	t->snapshots++;
	int rc = symbolizer_proc_snapshot(t->sym, tgid, NULL);
	/*
	 * Additive, and at once: code unmapped since (a dlclose'd library, the
	 * program an exec replaced) still names the samples taken in it. Before
	 * exited(): the events it handles may make the exec's new image, which
	 * copies these maps to an alias for the old one.
	 */
	if (rc == 0)
		symbolizer_proc_keep_gone(t->sym, tgid, backup);
	bool gone = t->exited && t->exited(t->exited_arg, (uint32_t)tgid);
	struct image *cur = current_of(t, (uint32_t)tgid);
	if (!cur || cur->gen != gen) {
		/* a new image was made meanwhile, with its own snapshot: leave it */
		if (rc)
			t->snapshot_failures++;
	} else if (rc || gone) {
		t->snapshot_failures++;
		symbolizer_proc_fork(t->sym, tgid, backup);
	} else {
		cur->snap_failed = false;
	}
	symbolizer_proc_exec(t->sym, backup); /* free the backup */
}

struct image *image_table_current(struct image_table *t, uint32_t tgid)
{
	return current_of(t, tgid);
}

void image_table_seen_at(struct image_table *t, uint32_t tgid, uint64_t gen, uint64_t ts_ns)
{
	struct image_key k = { tgid, gen };
	uint32_t i = htab_find(&t->by_key, key_hash(tgid, gen), key_eq, &k, t);
	if (i != HTAB_NONE && !t->items[i].seen_ns)
		t->items[i].seen_ns = ts_ns;
}

int image_table_new_image(struct image_table *t, uint32_t tgid, uint64_t gen, uint64_t now_ns)
{
	struct image_key k = { tgid, gen };
	if (htab_find(&t->by_key, key_hash(tgid, gen), key_eq, &k, t) != HTAB_NONE)
		return 0;
	struct image *old = current_of(t, tgid);
	if (old) {
		/* keep the old image's maps under an alias before the new snapshot replaces them */
		int alias = t->next_alias++;
		if (t->sym && symbolizer_proc_fork(t->sym, alias, (int)tgid) == 0)
			old->sym_pid = alias;
		old->current = false;
		old->resnap_ns = 0;
	}
	if (t->count == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 64;
		struct image *items = realloc(t->items, ncap * sizeof(*items));
		if (!items)
			return -ENOMEM;
		t->items = items;
		t->cap = ncap;
	}
	uint32_t id = (uint32_t)t->count;
	/*
	 * by_tgid finds the current image by checking `current`, so an old
	 * entry for the same tgid no longer matches and a second one is added.
	 */
	if (htab_insert(&t->by_key, key_hash(tgid, gen), id) || htab_insert(&t->by_tgid, hash_u64(tgid), id))
		return -ENOMEM;
	struct image *im = &t->items[t->count++];
	memset(im, 0, sizeof(*im));
	im->tgid = tgid;
	im->gen = gen;
	im->sym_pid = (int)tgid;
	im->current = true;
	im->resnap_ns = now_ns + IMAGE_RESNAP_NS;
	im->refresh_gap_ns = 0; /* a process first seen in ld.so needs its libraries soon */
	snapshot(t, im);
	return 0;
}

void image_table_exit(struct image_table *t, uint32_t tgid)
{
	struct image *im = current_of(t, tgid);
	if (!im)
		return;
	im->dead = true;
	im->resnap_ns = 0;
}

void image_table_resnap_due(struct image_table *t, uint64_t now_ns)
{
	for (size_t i = 0; i < t->count; i++) {
		struct image *im = &t->items[i];
		if (!im->resnap_ns || im->resnap_ns > now_ns)
			continue;
		im->resnap_ns = 0;
		if (im->current && !im->dead && alive(im->tgid))
			resnapshot(t, im);
	}
}

void image_table_resnap_live(struct image_table *t)
{
	for (size_t i = 0; i < t->count; i++) {
		struct image *im = &t->items[i];
		im->resnap_ns = 0;
		if (im->current && !im->dead && alive(im->tgid))
			resnapshot(t, im);
	}
}

int image_table_sym_pid(struct image_table *t, uint32_t tgid, uint64_t gen)
{
	struct image_key k = { tgid, gen };
	uint32_t i = htab_find(&t->by_key, key_hash(tgid, gen), key_eq, &k, t);
	return i == HTAB_NONE ? (int)tgid : t->items[i].sym_pid;
}

bool image_table_known(struct image_table *t, uint32_t tgid, uint64_t gen)
{
	struct image_key k = { tgid, gen };
	return htab_find(&t->by_key, key_hash(tgid, gen), key_eq, &k, t) != HTAB_NONE;
}

void image_table_mapped(struct image_table *t, uint32_t tgid, uint64_t now_ns)
{
	struct image *im = current_of(t, tgid);
	if (!im || im->dead)
		return;
	if (now_ns >= im->snap_ns + MAPPED_RESNAP_NS) {
		if (alive(im->tgid))
			resnapshot(t, im);
	} else if (!im->resnap_ns || im->resnap_ns > im->snap_ns + MAPPED_RESNAP_NS) {
		/* a burst of mappings (ld.so loading libraries): one more snapshot after it */
		im->resnap_ns = im->snap_ns + MAPPED_RESNAP_NS;
	}
}

int image_table_refresh(struct image_table *t, uint32_t tgid, uint64_t gen, uint64_t event_ns, uint64_t now_ns)
{
	struct image_key k = { tgid, gen };
	uint32_t i = htab_find(&t->by_key, key_hash(tgid, gen), key_eq, &k, t);
	if (i == HTAB_NONE)
		return 0;
	struct image *im = &t->items[i];
	if (!im->current || im->dead || event_ns <= im->snap_ns || im->snap_ns + im->refresh_gap_ns > now_ns ||
	    !alive(im->tgid))
		return 0;
	im->refresh_gap_ns = !im->refresh_gap_ns ? REFRESH_GAP_NS
			     : im->refresh_gap_ns * 2 > REFRESH_GAP_MAX_NS ? REFRESH_GAP_MAX_NS : im->refresh_gap_ns * 2;
	resnapshot(t, im);
	return 1;
}
