// SPDX-License-Identifier: Apache-2.0
// C++ symbolization workload: namespaces, templates, lambdas, virtual calls, std containers (demangled names).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace shapes {
struct Shape {
	virtual ~Shape() = default;
	virtual double area() const = 0;
	virtual const char *name() const { return "shape"; }
};
struct Rect : Shape {
	double w, h;
	Rect(double a, double b) : w(a), h(b) {}
	double area() const override { return w * h; }
	const char *name() const override { return "rect"; }
};
struct Circle : Shape {
	double r;
	explicit Circle(double x) : r(x) {}
	double area() const override { return 3.14159 * r * r; }
};
} // namespace shapes

namespace {
template <typename T> struct Stats {
	T sum{}, max{};
	void add(const T &v)
	{
		sum += v;
		if (v > max)
			max = v;
	}
};

template <typename T, int N> __attribute__((noinline)) T power_sum(const std::vector<T> &v)
{
	T s{};
	for (const T &x : v) {
		T p = x;
		for (int i = 1; i < N; i++)
			p *= x;
		s += p;
	}
	return s;
}
} // namespace

__attribute__((noinline)) double total_area(const std::vector<std::unique_ptr<shapes::Shape>> &v)
{
	double t = 0;
	for (const auto &s : v)
		t += s->area();
	return t;
}

__attribute__((noinline)) std::map<std::string, int> count_words(const std::vector<std::string> &words)
{
	std::map<std::string, int> m;
	for (const auto &w : words)
		m[w]++;
	return m;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? std::atoi(argv[1]) : 100;
	std::vector<std::unique_ptr<shapes::Shape>> v;
	for (int i = 0; i < n; i++) {
		if (i % 2)
			v.push_back(std::make_unique<shapes::Rect>(i, i + 1));
		else
			v.push_back(std::make_unique<shapes::Circle>(i));
	}
	std::vector<int> ints;
	for (int i = 0; i < n; i++)
		ints.push_back((i * 7919) % 1000);
	std::sort(ints.begin(), ints.end(), [](int a, int b) { return a > b; });
	Stats<int> st;
	std::for_each(ints.begin(), ints.end(), [&st](int x) { st.add(x); });
	std::vector<std::string> words = { "a", "b", "a", "c", "b", "a" };
	auto m = count_words(words);
	std::printf("%f %d %d %ld %zu\n", total_area(v), st.sum, st.max, power_sum<long, 3>({ 1, 2, 3 }), m.size());
	return 0;
}
