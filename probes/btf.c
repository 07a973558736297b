// SPDX-License-Identifier: Apache-2.0
/* Kernel types from vmlinux BTF, loaded only when a program needs them: struct members for -> and casts. */
#include "probes/check.h"

#include <errno.h>
#include <string.h>

#include <bpf/btf.h>

#include "lib/buf.h"
#include "lib/err.h"

struct btf *checker_btf(struct checker *c, struct errbuf *err)
{
	if (c->btf)
		return c->btf;
	/* ~35 ms for a full vmlinux: only programs that look inside kernel structs pay it */
	c->btf = btf__load_vmlinux_btf();
	if (!c->btf) {
		int e = errno;
		errbuf_set(err, -e, "cannot load the kernel's BTF (/sys/kernel/btf/vmlinux): %s", strerror(e));
		return NULL;
	}
	return c->btf;
}

/* Skip typedefs, const, volatile and restrict. */
static uint32_t skip_mods(const struct btf *btf, uint32_t id)
{
	for (int guard = 0; guard < 64; guard++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		if (!t)
			return 0;
		switch (btf_kind(t)) {
		case BTF_KIND_TYPEDEF:
		case BTF_KIND_CONST:
		case BTF_KIND_VOLATILE:
		case BTF_KIND_RESTRICT:
		case BTF_KIND_TYPE_TAG:
			id = t->type;
			break;
		default:
			return id;
		}
	}
	return 0;
}

int btf_struct_id(const struct btf *btf, const char *name)
{
	int kind = BTF_KIND_STRUCT;
	if (strncmp(name, "struct ", 7) == 0) {
		name += 7;
	} else if (strncmp(name, "union ", 6) == 0) {
		name += 6;
		kind = BTF_KIND_UNION;
	} else {
		/* a typedef name */
		int id = btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF);
		if (id < 0)
			return -ENOENT;
		uint32_t r = skip_mods(btf, (uint32_t)id);
		const struct btf_type *t = btf__type_by_id(btf, r);
		return t && (btf_is_struct(t) || btf_is_union(t)) ? (int)r : -ENOENT;
	}
	int id = btf__find_by_name_kind(btf, name, kind);
	return id < 0 ? -ENOENT : id;
}

static int find_member(const struct btf *btf, uint32_t sid, const char *name, uint32_t base_bits, uint32_t *off_bits,
		       uint32_t *type_id, uint32_t *bitfield, int depth)
{
	const struct btf_type *t = btf__type_by_id(btf, sid);
	if (!t || !(btf_is_struct(t) || btf_is_union(t)) || depth > 16)
		return -ENOENT;
	const struct btf_member *m = btf_members(t);
	for (uint16_t i = 0; i < btf_vlen(t); i++, m++) {
		uint32_t bits = base_bits + btf_member_bit_offset(t, i);
		const char *mn = btf__name_by_offset(btf, m->name_off);
		if (mn && *mn) {
			if (strcmp(mn, name) == 0) {
				*off_bits = bits;
				*type_id = m->type;
				*bitfield = btf_member_bitfield_size(t, i);
				return 0;
			}
			continue;
		}
		/* an anonymous struct or union: its members belong to the parent */
		uint32_t inner = skip_mods(btf, m->type);
		if (find_member(btf, inner, name, bits, off_bits, type_id, bitfield, depth + 1) == 0)
			return 0;
	}
	return -ENOENT;
}

int btf_member(const struct btf *btf, uint32_t sid, const char *name, uint32_t *off_bits, uint32_t *type_id,
	       uint32_t *bitfield)
{
	return find_member(btf, sid, name, 0, off_bits, type_id, bitfield, 0);
}

static void collect_names(const struct btf *btf, uint32_t sid, const char **names, size_t *n, size_t cap, int depth)
{
	const struct btf_type *t = btf__type_by_id(btf, sid);
	if (!t || !(btf_is_struct(t) || btf_is_union(t)) || depth > 16)
		return;
	const struct btf_member *m = btf_members(t);
	for (uint16_t i = 0; i < btf_vlen(t) && *n < cap; i++, m++) {
		const char *mn = btf__name_by_offset(btf, m->name_off);
		if (mn && *mn)
			names[(*n)++] = mn;
		else
			collect_names(btf, skip_mods(btf, m->type), names, n, cap, depth + 1);
	}
}

size_t btf_member_names(const struct btf *btf, uint32_t sid, const char **names, size_t cap)
{
	size_t n = 0;
	collect_names(btf, sid, names, &n, cap, 0);
	return n;
}

int btf_to_type(struct checker *c, uint32_t id, struct type *out)
{
	const struct btf *btf = c->btf;
	uint32_t r = skip_mods(btf, id);
	const struct btf_type *t = btf__type_by_id(btf, r);
	memset(out, 0, sizeof(*out));
	if (!t)
		return -ENOENT;
	switch (btf_kind(t)) {
	case BTF_KIND_INT: {
		uint32_t enc = btf_int_encoding(t);
		uint32_t sz = t->size;
		if (sz != 1 && sz != 2 && sz != 4 && sz != 8)
			return -EOPNOTSUPP;
		*out = TYPE_INT(sz, (enc & BTF_INT_SIGNED) != 0);
		return 0;
	}
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		if (t->size != 1 && t->size != 2 && t->size != 4 && t->size != 8)
			return -EOPNOTSUPP;
		*out = TYPE_INT(t->size, btf_kflag(t));
		return 0;
	case BTF_KIND_PTR: {
		struct btf_ref *ref = arena_alloc(&c->prog->arena, sizeof(*ref));
		if (!ref)
			return -ENOMEM;
		ref->type_id = skip_mods(btf, t->type);
		const struct btf_type *pt = btf__type_by_id(btf, ref->type_id);
		ref->name = NULL;
		if (pt && (btf_is_struct(pt) || btf_is_union(pt))) {
			const char *nm = btf__name_by_offset(btf, pt->name_off);
			struct buf b = BUF_INIT;
			buf_addf(&b, "%s %s", btf_is_union(pt) ? "union" : "struct", nm && *nm ? nm : "(anon)");
			ref->name = arena_strndup(&c->prog->arena, b.data, b.len);
			buf_release(&b);
		} else {
			ref->type_id = 0; /* a pointer to a scalar or void: no members */
		}
		*out = (struct type){ .kind = TY_PTR, .size = 8, .btf = ref };
		return 0;
	}
	case BTF_KIND_ARRAY: {
		const struct btf_array *a = btf_array(t);
		uint32_t et = skip_mods(btf, a->type);
		const struct btf_type *e = btf__type_by_id(btf, et);
		if (e && btf_is_int(e) && e->size == 1 && a->nelems > 0 && a->nelems <= 4096) {
			*out = TYPE_STR(a->nelems);
			return 0;
		}
		return -EOPNOTSUPP;
	}
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION: {
		struct btf_ref *ref = arena_alloc(&c->prog->arena, sizeof(*ref));
		if (!ref)
			return -ENOMEM;
		ref->type_id = r;
		const char *nm = btf__name_by_offset(btf, t->name_off);
		struct buf b = BUF_INIT;
		buf_addf(&b, "%s %s", btf_is_union(t) ? "union" : "struct", nm && *nm ? nm : "(anon)");
		ref->name = arena_strndup(&c->prog->arena, b.data, b.len);
		buf_release(&b);
		*out = (struct type){ .kind = TY_RECORD, .size = t->size, .btf = ref };
		return 0;
	}
	default:
		return -EOPNOTSUPP;
	}
}
