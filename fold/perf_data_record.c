// SPDX-License-Identifier: Apache-2.0
/* perf.data decoder: kernel records (SAMPLE, MMAP, COMM, FORK/EXIT, LOST ...) parsed into structs, bounds-checked. */
#include <errno.h>
#include <string.h>

#include <linux/perf_event.h>

#include "fold/perf_data.h"
#include "fold/perf_data_internal.h"

/* A bounds-checked forward reader over one record. */
struct cursor {
	const uint8_t *p, *end;
};

static inline bool cur_u64(struct cursor *c, uint64_t *v)
{
	if (c->end - c->p < 8)
		return false;
	*v = pd_u64(c->p);
	c->p += 8;
	return true;
}

static inline bool cur_skip(struct cursor *c, uint64_t n)
{
	if ((uint64_t)(c->end - c->p) < n)
		return false;
	c->p += n;
	return true;
}

/* Skip `n` u64 values, n taken from the file: overflow-safe. */
static inline bool cur_skip_u64s(struct cursor *c, uint64_t n)
{
	if ((uint64_t)(c->end - c->p) / 8 < n)
		return false;
	c->p += 8 * n;
	return true;
}

static inline bool aligned8(const void *p)
{
	return ((uintptr_t)p & 7) == 0;
}

uint64_t pd_record_time(const struct perf_data *d, const uint8_t *rec)
{
	uint32_t type = pd_u32(rec);
	size_t size = pd_u16(rec + 6);
	const struct pd_attr *a = pd_record_attr(d, rec, size);
	uint64_t st;
	size_t pos;

	if (!a)
		return ~0ULL;
	st = a->pub.sample_type;
	if (!(st & PERF_SAMPLE_TIME))
		return ~0ULL;
	if (type == PERF_RECORD_SAMPLE) {
		pos = 8 + 8 * (!!(st & PERF_SAMPLE_IDENTIFIER) + !!(st & PERF_SAMPLE_IP) + !!(st & PERF_SAMPLE_TID));
		return pos + 8 <= size ? pd_u64(rec + pos) : ~0ULL;
	}
	if (!(a->pub.flags & PERF_ATTR_FLAG_SAMPLE_ID_ALL) || a->trailer_size + 8 > size)
		return ~0ULL;
	pos = size - a->trailer_size + 8 * !!(st & PERF_SAMPLE_TID);
	return pd_u64(rec + pos);
}

/* The sample_id trailer at the end of a non-sample record. */
static void parse_sid(const struct pd_attr *a, const uint8_t *rec, size_t size, struct perf_sample_id *sid)
{
	struct cursor c;
	uint64_t st, v;

	memset(sid, 0, sizeof(*sid));
	sid->pid = sid->tid = -1;
	if (!a)
		return;
	sid->attr = &a->pub;
	if (!(a->pub.flags & PERF_ATTR_FLAG_SAMPLE_ID_ALL) || a->trailer_size + 8 > size)
		return;
	st = a->pub.sample_type;
	c.p = rec + size - a->trailer_size;
	c.end = rec + size;
	if ((st & PERF_SAMPLE_TID) && cur_u64(&c, &v)) {
		sid->pid = (int32_t)(uint32_t)v;
		sid->tid = (int32_t)(uint32_t)(v >> 32);
	}
	if (st & PERF_SAMPLE_TIME)
		cur_u64(&c, &sid->time);
	if (st & PERF_SAMPLE_ID)
		cur_u64(&c, &sid->id);
	if (st & PERF_SAMPLE_STREAM_ID)
		cur_u64(&c, &v);
	if ((st & PERF_SAMPLE_CPU) && cur_u64(&c, &v))
		sid->cpu = (uint32_t)v;
	if (st & PERF_SAMPLE_IDENTIFIER)
		cur_u64(&c, &sid->id);
}

static bool parse_read_format(struct cursor *c, uint64_t rf)
{
	unsigned per_value = 1 + !!(rf & PERF_FORMAT_ID) + !!(rf & PERF_FORMAT_LOST);
	unsigned times = !!(rf & PERF_FORMAT_TOTAL_TIME_ENABLED) + !!(rf & PERF_FORMAT_TOTAL_TIME_RUNNING);
	uint64_t nr;

	if (!(rf & PERF_FORMAT_GROUP))
		return cur_skip_u64s(c, per_value + times);
	if (!cur_u64(c, &nr) || !cur_skip_u64s(c, times))
		return false;
	if (nr > (uint64_t)(c->end - c->p) / 8 / per_value)
		return false;
	return cur_skip_u64s(c, nr * per_value);
}

/* Parse SAMPLE `rec` (8-aligned) by its attr. false when the body does not fit its sample_type. */
static bool parse_sample(const struct pd_attr *a, const uint8_t *rec, size_t size, struct perf_sample *s)
{
	struct cursor c = { rec + 8, rec + size };
	uint64_t st = a->pub.sample_type, v;

	s->attr = &a->pub;
	s->misc = pd_u16(rec + 4);
	s->pid = s->tid = -1;
	if ((st & PERF_SAMPLE_IDENTIFIER) && !cur_u64(&c, &s->id))
		return false;
	if ((st & PERF_SAMPLE_IP) && !cur_u64(&c, &s->ip))
		return false;
	if (st & PERF_SAMPLE_TID) {
		if (!cur_u64(&c, &v))
			return false;
		s->pid = (int32_t)(uint32_t)v;
		s->tid = (int32_t)(uint32_t)(v >> 32);
	}
	if ((st & PERF_SAMPLE_TIME) && !cur_u64(&c, &s->time))
		return false;
	if ((st & PERF_SAMPLE_ADDR) && !cur_u64(&c, &s->addr))
		return false;
	if ((st & PERF_SAMPLE_ID) && !cur_u64(&c, &s->id))
		return false;
	if ((st & PERF_SAMPLE_STREAM_ID) && !cur_u64(&c, &s->stream_id))
		return false;
	if (st & PERF_SAMPLE_CPU) {
		if (!cur_u64(&c, &v))
			return false;
		s->cpu = (uint32_t)v;
	}
	if ((st & PERF_SAMPLE_PERIOD) && !cur_u64(&c, &s->period))
		return false;
	if ((st & PERF_SAMPLE_READ) && !parse_read_format(&c, a->pub.read_format))
		return false;
	if (st & PERF_SAMPLE_CALLCHAIN) {
		if (!cur_u64(&c, &s->nr_callchain) || !aligned8(c.p))
			return false;
		s->callchain = (const uint64_t *)(const void *)c.p;
		if (!cur_skip_u64s(&c, s->nr_callchain))
			return false;
	}
	if (st & PERF_SAMPLE_RAW) {
		if (c.end - c.p < 4)
			return false;
		s->raw_size = pd_u32(c.p);
		s->raw = c.p + 4;
		if (!cur_skip(&c, 4 + (uint64_t)s->raw_size))
			return false;
	}
	if (st & PERF_SAMPLE_BRANCH_STACK) {
		uint64_t nr;

		if (!cur_u64(&c, &nr))
			return false;
		if ((a->pub.branch_sample_type & PERF_SAMPLE_BRANCH_HW_INDEX) && !cur_skip(&c, 8))
			return false;
		if (nr > (uint64_t)(c.end - c.p) / 24 || !cur_skip(&c, nr * 24))
			return false;
	}
	if (st & PERF_SAMPLE_REGS_USER) {
		if (!cur_u64(&c, &s->user_regs_abi))
			return false;
		if (s->user_regs_abi) {
			s->user_regs_mask = a->pub.sample_regs_user;
			s->user_nregs = (uint32_t)__builtin_popcountll(s->user_regs_mask);
			if (!aligned8(c.p))
				return false;
			s->user_regs = (const uint64_t *)(const void *)c.p;
			if (!cur_skip_u64s(&c, s->user_nregs))
				return false;
		}
	}
	if (st & PERF_SAMPLE_STACK_USER) {
		if (!cur_u64(&c, &s->user_stack_size))
			return false;
		if (s->user_stack_size) {
			s->user_stack = c.p;
			if (!cur_skip(&c, s->user_stack_size) || !cur_u64(&c, &s->user_stack_dyn_size))
				return false;
			if (s->user_stack_dyn_size > s->user_stack_size)
				s->user_stack_dyn_size = s->user_stack_size;
		}
	}
	if ((st & (PERF_SAMPLE_WEIGHT | PERF_SAMPLE_WEIGHT_STRUCT)) && !cur_u64(&c, &s->weight))
		return false;
	if ((st & PERF_SAMPLE_DATA_SRC) && !cur_u64(&c, &s->data_src))
		return false;
	/* the rest (TRANSACTION, REGS_INTR, PHYS_ADDR, CGROUP, page sizes, AUX) is not used: no need to walk it */
	return true;
}

/* A NUL-terminated string starting at `p` and ending before `end`, else NULL. */
static const char *record_string(const uint8_t *p, const uint8_t *end)
{
	if (p >= end || !memchr(p, 0, (size_t)(end - p)))
		return NULL;
	return (const char *)p;
}

/* The end of a record's own fields: before the sample_id trailer when it fits. */
static const uint8_t *body_end(const struct pd_attr *a, const uint8_t *rec, size_t size)
{
	if (a && (a->pub.flags & PERF_ATTR_FLAG_SAMPLE_ID_ALL) && a->trailer_size + 8 <= size)
		return rec + size - a->trailer_size;
	return rec + size;
}

static int deliver_mmap(struct perf_data *d, const struct pd_attr *a, const uint8_t *rec, size_t size,
			uint64_t offset, bool mmap2)
{
	struct perf_mmap_event m = { .offset = offset, .mmap2 = mmap2 };
	const uint8_t *b = rec + 8, *end = body_end(a, rec, size);
	size_t fixed = mmap2 ? 64 : 32;

	if ((size_t)(end - b) < fixed + 1)
		goto bad;
	m.misc = pd_u16(rec + 4);
	m.pid = (int32_t)pd_u32(b);
	m.tid = (int32_t)pd_u32(b + 4);
	m.start = pd_u64(b + 8);
	m.len = pd_u64(b + 16);
	m.pgoff = pd_u64(b + 24);
	if (mmap2) {
		if (m.misc & PERF_RECORD_MISC_MMAP_BUILD_ID) {
			m.build_id_len = b[32] > 20 ? 20 : b[32];
			m.build_id = b + 36;
		} else {
			m.maj = pd_u32(b + 32);
			m.min = pd_u32(b + 36);
			m.ino = pd_u64(b + 40);
			m.ino_generation = pd_u64(b + 48);
		}
		m.prot = pd_u32(b + 56);
		m.flags = pd_u32(b + 60);
	}
	m.filename = record_string(b + fixed, end);
	if (!m.filename)
		m.filename = record_string(b + fixed, rec + size);
	if (!m.filename)
		goto bad;
	parse_sid(a, rec, size, &m.sid);
	return d->ops->mmap ? d->ops->mmap(&m, d->arg) : 0;
bad:
	d->stats.malformed++;
	return 0;
}

static int deliver_comm(struct perf_data *d, const struct pd_attr *a, const uint8_t *rec, size_t size,
			uint64_t offset)
{
	struct perf_comm_event c = { .offset = offset };
	const uint8_t *b = rec + 8, *end = body_end(a, rec, size);

	if (end - b < 9)
		goto bad;
	c.exec = pd_u16(rec + 4) & PERF_RECORD_MISC_COMM_EXEC;
	c.pid = (int32_t)pd_u32(b);
	c.tid = (int32_t)pd_u32(b + 4);
	c.comm = record_string(b + 8, end);
	if (!c.comm)
		c.comm = record_string(b + 8, rec + size);
	if (!c.comm)
		goto bad;
	parse_sid(a, rec, size, &c.sid);
	return d->ops->comm ? d->ops->comm(&c, d->arg) : 0;
bad:
	d->stats.malformed++;
	return 0;
}

static int deliver_task(struct perf_data *d, const struct pd_attr *a, const uint8_t *rec, size_t size,
			uint64_t offset, bool fork)
{
	struct perf_task_event t = { .offset = offset, .fork = fork };
	const uint8_t *b = rec + 8;

	if (size < 8 + 24) {
		d->stats.malformed++;
		return 0;
	}
	t.pid = (int32_t)pd_u32(b);
	t.ppid = (int32_t)pd_u32(b + 4);
	t.tid = (int32_t)pd_u32(b + 8);
	t.ptid = (int32_t)pd_u32(b + 12);
	t.time = pd_u64(b + 16);
	parse_sid(a, rec, size, &t.sid);
	return d->ops->task ? d->ops->task(&t, d->arg) : 0;
}

static int deliver_lost(struct perf_data *d, const struct pd_attr *a, const uint8_t *rec, size_t size,
			uint64_t offset, bool samples)
{
	struct perf_lost_event l = { .offset = offset, .samples = samples };
	const uint8_t *b = rec + 8;

	if (size < (samples ? 16u : 24u)) {
		d->stats.malformed++;
		return 0;
	}
	if (samples) {
		l.lost = pd_u64(b);
	} else {
		l.id = pd_u64(b);
		l.lost = pd_u64(b + 8);
	}
	parse_sid(a, rec, size, &l.sid);
	return d->ops->lost ? d->ops->lost(&l, d->arg) : 0;
}

int pd_deliver(struct perf_data *d, const uint8_t *rec, uint64_t offset)
{
	uint32_t type = pd_u32(rec);
	size_t size = pd_u16(rec + 6);
	const struct pd_attr *a = pd_record_attr(d, rec, size);

	switch (type) {
	case PERF_RECORD_SAMPLE: {
		struct perf_sample s;

		if (!a) {
			d->stats.unknown_id++;
			return 0;
		}
		memset(&s, 0, sizeof(s));
		s.offset = offset;
		if (!parse_sample(a, rec, size, &s)) {
			d->stats.malformed++;
			return 0;
		}
		d->stats.samples++;
		return d->ops->sample ? d->ops->sample(&s, d->arg) : 0;
	}
	case PERF_RECORD_MMAP:
		return deliver_mmap(d, a, rec, size, offset, false);
	case PERF_RECORD_MMAP2:
		return deliver_mmap(d, a, rec, size, offset, true);
	case PERF_RECORD_COMM:
		return deliver_comm(d, a, rec, size, offset);
	case PERF_RECORD_FORK:
		return deliver_task(d, a, rec, size, offset, true);
	case PERF_RECORD_EXIT:
		return deliver_task(d, a, rec, size, offset, false);
	case PERF_RECORD_LOST:
		return deliver_lost(d, a, rec, size, offset, false);
	case PERF_RECORD_LOST_SAMPLES:
		return deliver_lost(d, a, rec, size, offset, true);
	default:
		if (d->ops->other) {
			struct perf_record r = {
				.offset = offset, .type = type, .misc = pd_u16(rec + 4), .size = (uint16_t)size,
				.body = rec + 8,
			};
			parse_sid(a, rec, size, &r.sid);
			return d->ops->other(&r, d->arg);
		}
		return 0;
	}
}
