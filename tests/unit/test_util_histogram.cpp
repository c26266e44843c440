#include "util/histogram.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace hookauth::util {

using std::chrono::microseconds;

TEST_CASE("histogram percentiles are within 1.6% of the exact ones") {
  Histogram h;
  std::vector<long long> values;
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> dist(7.0, 1.5);  // around a millisecond, long tail
  for (int i = 0; i < 100000; ++i) {
    auto v = static_cast<long long>(dist(rng));
    values.push_back(v);
    h.add(microseconds(v));
  }
  std::sort(values.begin(), values.end());
  CHECK(h.count() == 100000);
  CHECK(h.max() == microseconds(values.back()));
  for (double p : {1.0, 50.0, 90.0, 99.0, 99.9}) {
    auto exact = static_cast<double>(values[static_cast<std::size_t>(std::ceil(p / 100 * 100000)) - 1]);
    auto got = static_cast<double>(h.percentile(p).count());
    CAPTURE(p);
    CHECK(std::abs(got - exact) <= std::max(1.0, exact * 0.016));
  }
  CHECK(h.percentile(100) == h.max());
}

TEST_CASE("histogram: small values are exact, no samples give zero, negatives count as zero") {
  Histogram h;
  CHECK(h.percentile(50) == microseconds(0));
  for (int v = 1; v <= 10; ++v) h.add(microseconds(v));
  CHECK(h.percentile(50) == microseconds(5));
  CHECK(h.percentile(90) == microseconds(9));
  CHECK(h.percentile(0) == microseconds(1));
  h.add(microseconds(-5));
  CHECK(h.count() == 11);
  CHECK(h.percentile(0) == microseconds(0));
}

TEST_CASE("histogram holds the largest values without overflow") {
  Histogram h;
  h.add(microseconds(std::numeric_limits<long long>::max()));
  h.add(microseconds(1LL << 40));
  CHECK(h.count() == 2);
  CHECK(h.max() == microseconds(std::numeric_limits<long long>::max()));
  auto p = h.percentile(50).count();
  CHECK(p >= (1LL << 40));
  CHECK(p < (1LL << 40) + (1LL << 35));
}

}  // namespace hookauth::util
