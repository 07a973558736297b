// SPDX-License-Identifier: Apache-2.0
// C++ names as perf prints them: lambdas, operators with template args, clones (.constprop, .isra, .cold),
// anonymous namespaces, unnamed types, ctors/dtors, conversions, nullptr_t, PLT calls into libstdc++.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace geo {
template <typename T> struct Vec {
	T x, y;
	Vec operator+(const Vec &o) const { return { x + o.x, y + o.y }; }
	explicit operator bool() const { return x != 0 || y != 0; }
};
template <typename T> __attribute__((noinline)) bool operator<(const Vec<T> &a, const Vec<T> &b)
{
	return a.x < b.x || (a.x == b.x && a.y < b.y);
}
template <typename T> __attribute__((noinline)) bool operator<<(const Vec<T> &a, int n)
{
	return (long)a.x << n > (long)a.y;
}
} // namespace geo

namespace {
struct {
	__attribute__((noinline)) long twice(long v) { return v * 2 + (v >> 3); }
} unnamed_helper;

__attribute__((noinline)) long spin(long n, long salt)
{
	long s = salt;
	for (long i = 0; i < n; i++)
		s = s * 6364136223846793005L + (i ^ salt);
	return s;
}

struct Counter {
	std::map<std::string, long> m;
	__attribute__((noinline)) Counter() { m["start"] = 1; }
	__attribute__((noinline)) ~Counter() { std::fprintf(stderr, "%zu\n", m.size() ? (size_t)0 : (size_t)1); }
	__attribute__((noinline)) void add(const char *k, long v) { m[k] += v; }
};

/* gcc clones it with a constant argument (.constprop.0) */
__attribute__((noinline)) static long scaled(long v, long k)
{
	return spin(v, k) * k;
}

/* a cold path split off into .cold */
__attribute__((noinline)) long checked(long v)
{
	if (__builtin_expect(v == -12345, 0)) {
		std::fprintf(stderr, "unlikely %ld\n", v);
		std::abort();
	}
	return spin(v & 1023, v);
}
} // namespace

template <typename F> __attribute__((noinline)) long apply_n(F f, int n)
{
	long s = 0;
	for (int i = 0; i < n; i++)
		s += f(i);
	return s;
}

__attribute__((noinline)) long takes_null(std::nullptr_t, long v)
{
	return spin(v, 3);
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? std::atoi(argv[1]) : 200;
	long sink = 0;
	Counter c;
	auto square = [&sink](int i) { return spin(200 + i % 7, sink & 15) + (long)i * i; };
	std::function<long(int)> wrapped = [](int i) { return spin(300, i); };
	std::thread t([rounds, &sink]() {
		for (int r = 0; r < rounds; r++)
			sink ^= apply_n([r](int i) { return spin(100, r + i); }, 50);
	});
	for (int r = 0; r < rounds; r++) {
		geo::Vec<long> a{ r, r + 1 }, b{ r + 1, r };
		sink += apply_n(square, 40) + wrapped(r) + (a < b) + (a << 3) + (bool)(a + b);
		sink += unnamed_helper.twice(scaled(r, 7)) + checked(r) + takes_null(nullptr, r);
		std::string k = "k" + std::to_string(r % 17);
		c.add(k.c_str(), r);
	}
	t.join();
	std::printf("%ld\n", sink & 1);
	return 0;
}
