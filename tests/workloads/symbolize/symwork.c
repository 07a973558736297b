/* SPDX-License-Identifier: Apache-2.0 */
/* Symbolization workload: inlining at several depths, static functions, clones, cold paths, a shared library call. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "symlib.h"

#define NOINLINE __attribute__((noinline))
#define INLINE static inline __attribute__((always_inline))

volatile uint64_t sink;

INLINE uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

INLINE uint64_t mix2(uint64_t x, uint64_t y)
{
	return mix(x) + mix(y ^ 0x9e3779b97f4a7c15ULL);
}

INLINE uint64_t mix3(uint64_t x, uint64_t y, uint64_t z)
{
	uint64_t a = mix2(x, y);
	for (int i = 0; i < 3; i++)
		a = mix2(a, z + (uint64_t)i);
	return a;
}

static uint64_t table[256];

static void fill_table(uint64_t seed)
{
	for (int i = 0; i < 256; i++)
		table[i] = mix3(seed, (uint64_t)i, seed >> 3);
}

static NOINLINE uint64_t lookup(uint64_t key, int rounds)
{
	uint64_t h = key;
	for (int r = 0; r < rounds; r++)
		h = table[(h ^ (uint64_t)r) & 255] + mix(h);
	return h;
}

/* Called with a constant: gcc makes lookup_fixed.constprop.0. */
static NOINLINE uint64_t lookup_fixed(uint64_t key, int rounds, int flag)
{
	if (flag)
		return lookup(key, rounds) + (uint64_t)rounds;
	return key;
}

static NOINLINE __attribute__((cold)) void report_error(const char *what, uint64_t v)
{
	fprintf(stderr, "error: %s %llu\n", what, (unsigned long long)v);
}

struct shape {
	int kind;
	double a, b;
};

INLINE double area(const struct shape *s)
{
	switch (s->kind) {
	case 0:
		return s->a * s->b;
	case 1:
		return 3.14159 * s->a * s->a;
	case 2:
		return 0.5 * s->a * s->b;
	case 3:
		return s->a * s->a;
	default:
		return 0;
	}
}

static NOINLINE double total_area(const struct shape *v, size_t n)
{
	double t = 0;
	for (size_t i = 0; i < n; i++)
		t += area(&v[i]);
	return t;
}

static NOINLINE int compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

INLINE void sort_some(uint64_t *v, size_t n)
{
	qsort(v, n, sizeof(*v), compare_u64);
}

static NOINLINE uint64_t fib(unsigned n)
{
	return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

typedef uint64_t op_fn(uint64_t, uint64_t);

static NOINLINE uint64_t op_add(uint64_t a, uint64_t b) { return a + b; }
static NOINLINE uint64_t op_xor(uint64_t a, uint64_t b) { return a ^ mix(b); }
static NOINLINE uint64_t op_mul(uint64_t a, uint64_t b) { return a * (b | 1); }
static NOINLINE uint64_t op_rot(uint64_t a, uint64_t b) { return (a << (b & 63)) | (a >> ((64 - (b & 63)) & 63)); }

static op_fn *const ops[] = { op_add, op_xor, op_mul, op_rot };

INLINE uint64_t apply(unsigned which, uint64_t a, uint64_t b)
{
	return ops[which & 3](a, b);
}

static NOINLINE uint64_t run_ops(uint64_t seed, int n)
{
	uint64_t acc = seed;
	for (int i = 0; i < n; i++)
		acc = apply((unsigned)(acc >> 60), acc, (uint64_t)i);
	return acc;
}

INLINE size_t count_words(const char *s)
{
	size_t n = 0;
	int in = 0;
	for (; *s; s++) {
		int sp = *s == ' ' || *s == '\t' || *s == '\n';
		if (!sp && !in)
			n++;
		in = !sp;
	}
	return n;
}

static NOINLINE size_t text_stats(const char *text, size_t *letters)
{
	size_t l = 0;
	for (const char *p = text; *p; p++)
		if ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z')
			l++;
	*letters = l;
	return count_words(text);
}

static NOINLINE void matrix_mul(double *c, const double *a, const double *b, int n)
{
	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++) {
			double s = 0;
			for (int k = 0; k < n; k++)
				s += a[i * n + k] * b[k * n + j];
			c[i * n + j] = s;
		}
}

INLINE int clampi(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static NOINLINE void blur(unsigned char *dst, const unsigned char *src, int w, int h)
{
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			int s = 0;
			for (int dy = -1; dy <= 1; dy++)
				for (int dx = -1; dx <= 1; dx++)
					s += src[clampi(y + dy, 0, h - 1) * w + clampi(x + dx, 0, w - 1)];
			dst[y * w + x] = (unsigned char)(s / 9);
		}
}

struct node {
	struct node *left, *right;
	uint64_t key;
};

static NOINLINE struct node *tree_insert(struct node *root, struct node *n)
{
	struct node **p = &root;
	while (*p)
		p = n->key < (*p)->key ? &(*p)->left : &(*p)->right;
	*p = n;
	return root;
}

static NOINLINE int tree_depth(const struct node *n)
{
	if (!n)
		return 0;
	int l = tree_depth(n->left), r = tree_depth(n->right);
	return 1 + (l > r ? l : r);
}

INLINE uint32_t crc_step(uint32_t crc, uint8_t b)
{
	crc ^= b;
	for (int k = 0; k < 8; k++)
		crc = crc & 1 ? (crc >> 1) ^ 0xedb88320u : crc >> 1;
	return crc;
}

static NOINLINE uint32_t crc32_buf(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t crc = ~0u;
	while (len--)
		crc = crc_step(crc, *p++);
	return ~crc;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 10;
	fill_table((uint64_t)rounds);
	uint64_t acc = 0;
	for (int i = 0; i < rounds; i++) {
		acc += lookup_fixed((uint64_t)i, 32, 1);
		acc += run_ops(acc, 64);
		acc += symlib_hash(acc, 16);
		acc += (uint64_t)symlib_checksum((const unsigned char *)&acc, sizeof(acc));
	}
	struct shape shapes[8];
	for (int i = 0; i < 8; i++)
		shapes[i] = (struct shape){ i % 5, i + 1.0, i + 2.0 };
	double t = total_area(shapes, 8);
	uint64_t v[64];
	for (int i = 0; i < 64; i++)
		v[i] = mix((uint64_t)i + acc);
	sort_some(v, 64);
	size_t letters;
	size_t words = text_stats("the quick brown fox jumps over the lazy dog", &letters);
	double a[16], b[16], c[16];
	for (int i = 0; i < 16; i++)
		a[i] = b[i] = i;
	matrix_mul(c, a, b, 4);
	unsigned char img[64], out[64];
	memset(img, 7, sizeof(img));
	blur(out, img, 8, 8);
	struct node nodes[32];
	struct node *root = NULL;
	for (int i = 0; i < 32; i++) {
		nodes[i] = (struct node){ NULL, NULL, mix((uint64_t)i) };
		root = tree_insert(root, &nodes[i]);
	}
	uint32_t crc = crc32_buf(v, sizeof(v));
	sink = acc + (uint64_t)t + v[3] + words + letters + (uint64_t)c[5] + out[9] + (uint64_t)tree_depth(root) + crc +
	       fib(20) + symlib_sum_squares(100);
	if (sink == 42)
		report_error("unlikely", sink);
	printf("%llu\n", (unsigned long long)sink);
	return 0;
}
