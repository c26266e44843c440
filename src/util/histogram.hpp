#pragma once
// Latency percentiles in fixed memory: a log-linear histogram (64 buckets per power of two, so
// within 1.6% of the true value) whatever the number of samples, for the batch summary.

#include <array>
#include <chrono>
#include <cstdint>

namespace hookauth::util {

class Histogram {
 public:
  void add(std::chrono::microseconds value);
  std::uint64_t count() const { return count_; }
  // The value at or below which p percent of the samples lie (p in [0, 100]); 0 with no samples.
  std::chrono::microseconds percentile(double p) const;
  std::chrono::microseconds max() const { return std::chrono::microseconds(max_); }

 private:
  static constexpr int sub_bits = 6;  // 64 buckets per power of two
  static constexpr int buckets = (64 - sub_bits + 1) << sub_bits;
  static std::size_t index_of(std::uint64_t v);
  static std::uint64_t lowest_of(std::size_t index);

  std::array<std::uint64_t, buckets> counts_{};
  std::uint64_t count_ = 0;
  std::uint64_t max_ = 0;
};

}  // namespace hookauth::util
