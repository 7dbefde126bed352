// SPDX-License-Identifier: GPL-2.0
/*
 * libaggmon - wide unsigned integers, for the 128-bit sums and 192-bit
 * sums of squares of avg and stddev and the 256-bit radicand of a
 * standard deviation.  Schoolbook arithmetic on 64-bit words: the numbers
 * are at most four words, so nothing cleverer pays.
 */
#include <errno.h>
#include <string.h>

#include "aggmon_priv.h"

#define MAX_WORDS	8

void wide_mul64(__u64 a, __u64 b, __u64 out[2])
{
	__u64 a_lo = a & 0xffffffffULL, a_hi = a >> 32;
	__u64 b_lo = b & 0xffffffffULL, b_hi = b >> 32;
	__u64 ll = a_lo * b_lo, lh = a_lo * b_hi;
	__u64 hl = a_hi * b_lo, hh = a_hi * b_hi;
	/* The middle column: at most 3 * (2^32 - 1), no overflow. */
	__u64 mid = (ll >> 32) + (lh & 0xffffffffULL) + (hl & 0xffffffffULL);

	out[0] = (mid << 32) | (ll & 0xffffffffULL);
	out[1] = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
}

void wide_mul(const __u64 *a, unsigned int na, const __u64 *b,
	      unsigned int nb, __u64 *out)
{
	unsigned int i, j, k;
	__u64 p[2], carry;

	memset(out, 0, (na + nb) * sizeof(*out));
	for (i = 0; i < na; i++) {
		carry = 0;
		for (j = 0; j < nb; j++) {
			wide_mul64(a[i], b[j], p);
			p[0] += carry;
			p[1] += p[0] < carry;
			out[i + j] += p[0];
			carry = p[1] + (out[i + j] < p[0]);
		}
		for (k = i + nb; carry && k < na + nb; k++) {
			out[k] += carry;
			carry = out[k] < carry;
		}
	}
}

__u64 wide_add(__u64 *a, const __u64 *b, unsigned int n)
{
	__u64 carry = 0, s;
	unsigned int i;

	for (i = 0; i < n; i++) {
		s = a[i] + b[i];
		a[i] = s + carry;
		carry = (s < b[i]) | (a[i] < s);
	}
	return carry;
}

__u64 wide_sub(__u64 *a, const __u64 *b, unsigned int n)
{
	__u64 borrow = 0, d, next;
	unsigned int i;

	for (i = 0; i < n; i++) {
		d = a[i] - b[i];
		next = (a[i] < b[i]) | (d < borrow);
		a[i] = d - borrow;
		borrow = next;
	}
	return borrow;
}

int wide_cmp(const __u64 *a, const __u64 *b, unsigned int n)
{
	while (n--) {
		if (a[n] != b[n])
			return a[n] < b[n] ? -1 : 1;
	}
	return 0;
}

bool wide_is_zero(const __u64 *a, unsigned int n)
{
	while (n--)
		if (a[n])
			return false;
	return true;
}

void wide_neg(__u64 *a, unsigned int n)
{
	__u64 carry = 1;
	unsigned int i;

	for (i = 0; i < n; i++) {
		a[i] = ~a[i] + carry;
		carry = carry && !a[i];
	}
}

/* Long division a word at a time, each step a 128 by 64 bit division. */
__u64 wide_div64(__u64 *a, unsigned int n, __u64 d)
{
	__u64 rem = 0, q, w;
	int bit;

	while (n--) {
		w = a[n];
		q = 0;
		/* rem < d: shift one bit of w in at a time. */
		for (bit = 63; bit >= 0; bit--) {
			bool top = rem >> 63;

			rem = (rem << 1) | ((w >> bit) & 1);
			q <<= 1;
			if (top || rem >= d) {
				rem -= d;
				q |= 1;
			}
		}
		a[n] = q;
	}
	return rem;
}

static void wide_shr(__u64 *a, unsigned int n, unsigned int bits)
{
	unsigned int words = bits / 64, i;

	bits %= 64;
	for (i = 0; i < n; i++) {
		__u64 lo = i + words < n ? a[i + words] : 0;
		__u64 hi = i + words + 1 < n ? a[i + words + 1] : 0;

		a[i] = bits ? (lo >> bits) | (hi << (64 - bits)) : lo;
	}
}

static int wide_fls(const __u64 *a, unsigned int n)
{
	while (n--)
		if (a[n])
			return n * 64 + 64 - __builtin_clzll(a[n]);
	return 0;
}

/*
 * The bit-by-bit square root: for each power of four from the highest one
 * not above @a down, take it into the root if what remains allows.
 */
void wide_isqrt(const __u64 *a, unsigned int n, __u64 *root)
{
	__u64 rem[MAX_WORDS], res[MAX_WORDS], bit[MAX_WORDS], t[MAX_WORDS];
	int top = wide_fls(a, n);

	memcpy(rem, a, n * sizeof(*a));
	memset(res, 0, sizeof(res));
	memset(bit, 0, sizeof(bit));
	if (top) {
		top = (top - 1) & ~1;
		bit[top / 64] = 1ULL << (top % 64);
	}
	while (!wide_is_zero(bit, n)) {
		memcpy(t, res, n * sizeof(*t));
		wide_add(t, bit, n);
		wide_shr(res, n, 1);
		if (wide_cmp(rem, t, n) >= 0) {
			wide_sub(rem, t, n);
			wide_add(res, bit, n);
		}
		wide_shr(bit, n, 2);
	}
	memcpy(root, res, n / 2 * sizeof(*root));
}

long double wide_to_ld(const __u64 *a, unsigned int n)
{
	long double v = 0;

	while (n--)
		v = v * 18446744073709551616.0L + (long double)a[n];
	return v;
}

int wide_format(const __u64 *a, unsigned int n, bool negative, char *buf,
		size_t size)
{
	char digits[80];
	__u64 t[MAX_WORDS];
	int len = 0, i, out;

	memcpy(t, a, n * sizeof(*t));
	do {
		digits[len++] = '0' + wide_div64(t, n, 10);
	} while (!wide_is_zero(t, n));
	if (negative)
		digits[len++] = '-';
	if ((size_t)len >= size)
		return -ENOSPC;
	for (i = len - 1, out = 0; i >= 0; i--)
		buf[out++] = digits[i];
	buf[out] = '\0';
	return len;
}
