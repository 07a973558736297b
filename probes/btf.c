// SPDX-License-Identifier: Apache-2.0
/* Kernel types from vmlinux BTF, loaded only when a program needs them: struct members for -> and casts, kfunc arguments. */
#include "probes/check.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "probes/tracepoint.h"

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

/* ---- kfunc / kretfunc: a kernel function's parameters as tracepoint-style fields ---------------- */

/* The C type of BTF type `id` as a format file writes it ("const char *", "struct file *", "size_t"). */
static int render_type(const struct btf *btf, uint32_t id, struct buf *out, int depth)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	if (depth > 16)
		return -EOPNOTSUPP;
	if (!t || id == 0)
		return buf_addstr(out, "void");
	const char *nm = btf__name_by_offset(btf, t->name_off);
	switch (btf_kind(t)) {
	case BTF_KIND_CONST:
		/* the ctype table knows "const X" only for integers: render the qualifier, the parser strips it */
		return buf_addstr(out, "const ") || render_type(btf, t->type, out, depth + 1);
	case BTF_KIND_VOLATILE:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		return render_type(btf, t->type, out, depth + 1);
	case BTF_KIND_PTR:
		return render_type(btf, t->type, out, depth + 1) || buf_addstr(out, " *");
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		return buf_addf(out, "%s %s", btf_is_union(t) ? "union" : btf_is_struct(t) ? "struct" : "enum",
				nm && *nm ? nm : "(anon)");
	case BTF_KIND_FUNC_PROTO:
		return buf_addstr(out, "void"); /* a function pointer: "void *" once the * is added */
	default:
		return buf_addstr(out, nm && *nm ? nm : "int");
	}
}

int btf_kfunc_format(struct checker *c, const char *name, const struct tp_format **out, uint32_t *func_id,
		     struct errbuf *err)
{
	for (uint32_t i = 0; i < c->ntps; i++)
		if (strcmp(c->tps[i]->category, "kfunc") == 0 && strcmp(c->tps[i]->name, name) == 0) {
			*out = c->tps[i];
			*func_id = c->tps[i]->id;
			return 0;
		}
	struct btf *btf = checker_btf(c, err);
	if (!btf)
		return err->code ? err->code : -ENOENT;
	int fid = btf__find_by_name_kind(btf, name, BTF_KIND_FUNC);
	if (fid <= 0)
		return errbuf_set(err, -ENOENT, "no kernel function '%s' in the kernel's BTF", name);
	const struct btf_type *fn = btf__type_by_id(btf, (uint32_t)fid);
	const struct btf_type *proto = fn ? btf__type_by_id(btf, fn->type) : NULL;
	if (!proto || !btf_is_func_proto(proto))
		return errbuf_set(err, -EINVAL, "kernel function '%s' has no prototype in BTF", name);
	const struct btf_param *params = btf_params(proto);
	uint16_t n = btf_vlen(proto);
	if (n > 12) /* MAX_BPF_FUNC_ARGS */
		return errbuf_set(err, -EOPNOTSUPP, "kernel function '%s' has %u parameters: fentry sees at most 12", name, n);

	/* A format file, as tracefs would write one: each parameter an 8-byte slot of the context. */
	struct buf text = BUF_INIT, ty = BUF_INIT;
	int r = buf_addf(&text, "name: %s\nID: %d\nformat:\n", name, fid);
	for (uint16_t i = 0; i < n && !r; i++) {
		const char *pn = btf__name_by_offset(btf, params[i].name_off);
		if (i + 1 == n && params[i].type == 0) {
			buf_release(&text);
			return errbuf_set(err, -EOPNOTSUPP, "kernel function '%s' takes variable arguments", name);
		}
		uint32_t rid = skip_mods(btf, params[i].type);
		const struct btf_type *pt = btf__type_by_id(btf, rid);
		bool scalar = pt && (btf_is_int(pt) || btf_is_enum(pt) || btf_is_enum64(pt));
		if (!pt || (!scalar && !btf_is_ptr(pt)) || (scalar && pt->size > 8)) { /* a PTR's size field is its type */
			buf_release(&text);
			return errbuf_set(err, -EOPNOTSUPP, "kernel function '%s' passes '%s' by value: not supported", name,
					  pn && *pn ? pn : "an argument");
		}
		buf_reset(&ty);
		r = render_type(btf, params[i].type, &ty, 0);
		bool sgn = btf_is_int(pt) ? (btf_int_encoding(pt) & BTF_INT_SIGNED) != 0 : false;
		uint32_t size = btf_is_ptr(pt) ? 8 : pt->size;
		if (!r)
			r = buf_addf(&text, "\tfield:%s %s;\toffset:%u;\tsize:%u;\tsigned:%d;\n", ty.data,
				     pn && *pn ? pn : "arg", i * 8u, size, sgn);
	}
	buf_release(&ty);
	if (r) {
		buf_release(&text);
		return errbuf_set(err, -ENOMEM, "out of memory");
	}
	struct tp_format *f = tp_format_parse("kfunc", name, text.data, text.len, err);
	buf_release(&text);
	if (!f)
		return err->code ? err->code : -EINVAL;
	/* the fields' types from BTF itself: a struct pointer keeps its members for -> */
	for (size_t i = 0; i < f->nfields; i++) {
		struct type t;
		if (f->fields[i].kind == TPF_PTR && btf_to_type(c, params[i].type, &t) == 0)
			f->fields[i].ty = t;
	}
	struct tp_format **nt = realloc(c->tps, (c->ntps + 1) * sizeof(*nt));
	if (!nt) {
		tp_format_free(f);
		return errbuf_set(err, -ENOMEM, "out of memory");
	}
	c->tps = nt;
	c->tps_cap = c->ntps + 1;
	c->tps[c->ntps++] = f;
	*out = f;
	*func_id = (uint32_t)fid;
	return 0;
}

uint8_t btf_func_ret(struct checker *c, uint32_t func_id, bool *is_signed)
{
	const struct btf *btf = c->btf;
	const struct btf_type *fn = btf ? btf__type_by_id(btf, func_id) : NULL;
	const struct btf_type *proto = fn ? btf__type_by_id(btf, fn->type) : NULL;
	*is_signed = false;
	if (!proto || !btf_is_func_proto(proto))
		return 0;
	const struct btf_type *rt = btf__type_by_id(btf, skip_mods(btf, proto->type));
	if (!rt || !(btf_is_int(rt) || btf_is_enum(rt) || btf_is_enum64(rt)) || rt->size > 8)
		return 0;
	*is_signed = btf_is_int(rt) ? (btf_int_encoding(rt) & BTF_INT_SIGNED) != 0 : btf_kflag(rt);
	return (uint8_t)rt->size;
}
