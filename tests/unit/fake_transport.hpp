#pragma once
// A Transport that answers from a script and keeps every request it was given: the fake the
// sender and the session tests put where libcurl goes.

#include <algorithm>
#include <memory>
#include <vector>

#include "net/transport.hpp"

namespace hookauth::test {

class FakeTransport final : public net::Transport {
 public:
  std::vector<Result<net::Response>> script;  // the nth request gets the nth answer (the last one after that)
  std::vector<auth::Request> requests;

  Result<net::Response> perform(const auth::Request& request, const net::TransportOptions&) override {
    requests.push_back(request);
    if (script.empty()) return fail(ExitCode::network, "no script");
    return script[std::min(requests.size(), script.size()) - 1];
  }

  // A factory whose transports all hand their requests to this one (which must outlive them).
  net::TransportFactory factory() {
    return [this] { return std::unique_ptr<net::Transport>(std::make_unique<Forward>(*this)); };
  }

 private:
  struct Forward final : net::Transport {
    explicit Forward(FakeTransport& to) : to(to) {}
    Result<net::Response> perform(const auth::Request& r, const net::TransportOptions& o) override {
      return to.perform(r, o);
    }
    FakeTransport& to;
  };
};

inline net::Response answer(long status, std::vector<auth::Header> headers = {}, std::string body = {}) {
  net::Response r;
  r.status = status;
  r.status_line = "HTTP/1.1 " + std::to_string(status);
  r.headers.items = std::move(headers);
  r.body = std::move(body);
  return r;
}

}  // namespace hookauth::test
