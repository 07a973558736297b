// SPDX-License-Identifier: Apache-2.0
/* Fast number formatting that rounds exactly as printf does, so coordinates match flamegraph.pl's. */
#include "render/internal.h"

#include <math.h>
#include <stdio.h>

#include "lib/buf.h"

/*
 * round(x * scale) as printf rounds the exact binary value of x: the product
 * is split into its double and the exact error (fma), so a tie is detected
 * exactly and goes to even, like glibc.
 */
static double round_scaled(double x, double scale)
{
	double r = x * scale;
	double e = fma(x, scale, -r); /* x*scale == r + e exactly */
	double n = floor(r);
	double f = r - n; /* exact for |r| < 2^52 */
	if (f > 0.5 || (f == 0.5 && e > 0))
		return n + 1;
	if (f < 0.5 || e < 0)
		return n;
	return fmod(n, 2) == 0 ? n : n + 1;
}

static int add_uint(struct buf *out, uint64_t v)
{
	char tmp[24];
	int i = (int)sizeof(tmp);
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return buf_add(out, tmp + i, sizeof(tmp) - (size_t)i);
}

int fmt_fixed(struct buf *out, double x, int decimals)
{
	double scale = decimals == 1 ? 10 : 100;
	if (!isfinite(x) || fabs(x) >= 1e13)
		return buf_addf(out, "%.*f", decimals, x);
	bool neg = signbit(x);
	double n = round_scaled(fabs(x), scale);
	uint64_t v = (uint64_t)n;
	uint64_t ip = v / (uint64_t)scale, fp = v % (uint64_t)scale;
	char frac[3];
	if (decimals == 1) {
		frac[0] = (char)('0' + fp);
	} else {
		frac[0] = (char)('0' + fp / 10);
		frac[1] = (char)('0' + fp % 10);
	}
	if ((neg && buf_addch(out, '-') < 0) || add_uint(out, ip) < 0 || buf_addch(out, '.') < 0)
		return -1;
	return buf_add(out, frac, (size_t)decimals);
}

double round_1dp(double x)
{
	if (!isfinite(x) || fabs(x) >= 1e13)
		return x;
	double n = round_scaled(fabs(x), 10);
	/* n/10 is correctly rounded, as strtod("123.4") would be */
	return signbit(x) ? -(n / 10) : n / 10;
}

int fmt_perl_num(struct buf *out, double x)
{
	if (x == floor(x) && fabs(x) < 1e15) {
		if (x < 0) {
			if (buf_addch(out, '-') < 0)
				return -1;
			x = -x;
		}
		return add_uint(out, (uint64_t)x);
	}
	return buf_addf(out, "%.15g", x);
}

int fmt_commas(struct buf *out, int64_t v)
{
	char tmp[32];
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	int i = (int)sizeof(tmp), digits = 0;
	do {
		if (digits && digits % 3 == 0)
			tmp[--i] = ',';
		tmp[--i] = (char)('0' + u % 10);
		u /= 10;
		digits++;
	} while (u);
	if (v < 0)
		tmp[--i] = '-';
	return buf_add(out, tmp + i, sizeof(tmp) - (size_t)i);
}
