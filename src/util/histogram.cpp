#include "util/histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace hookauth::util {

// Values below 64 have a bucket each; above, a power of two 2^e is split into 64 equal buckets.
std::size_t Histogram::index_of(std::uint64_t v) {
  constexpr std::uint64_t sub = 1ULL << sub_bits;
  if (v < sub) return static_cast<std::size_t>(v);
  int e = std::bit_width(v) - 1;  // v in [2^e, 2^(e+1)), e >= sub_bits
  std::uint64_t mantissa = (v >> (e - sub_bits)) & (sub - 1);
  return static_cast<std::size_t>((e - sub_bits + 1) * sub + mantissa);
}

std::uint64_t Histogram::lowest_of(std::size_t index) {
  constexpr std::uint64_t sub = 1ULL << sub_bits;
  if (index < sub) return index;
  int e = static_cast<int>(index / sub) + sub_bits - 1;
  std::uint64_t mantissa = index % sub;
  return (sub + mantissa) << (e - sub_bits);
}

void Histogram::add(std::chrono::microseconds value) {
  auto v = static_cast<std::uint64_t>(std::max<std::int64_t>(0, value.count()));
  ++counts_[index_of(v)];
  ++count_;
  max_ = std::max(max_, v);
}

std::chrono::microseconds Histogram::percentile(double p) const {
  if (count_ == 0) return std::chrono::microseconds(0);
  p = std::clamp(p, 0.0, 100.0);
  auto rank =
      std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::ceil(p / 100.0 * static_cast<double>(count_))));
  if (rank >= count_) return std::chrono::microseconds(max_);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      // The middle of the bucket, never above the largest value seen.
      std::uint64_t low = lowest_of(i);
      std::uint64_t high = i + 1 < counts_.size() ? lowest_of(i + 1) : low + 1;
      return std::chrono::microseconds(std::min(max_, low + (high - low) / 2));
    }
  }
  return std::chrono::microseconds(max_);
}

}  // namespace hookauth::util
