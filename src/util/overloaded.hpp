#pragma once
// The std::visit helper: one callable made of several lambdas.

namespace hookauth::util {

template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};

}  // namespace hookauth::util
