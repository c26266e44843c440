// The only file that includes libcurl: the transports (one request, and many in flight) and the URL helpers.

#include <curl/curl.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "net/batch.hpp"
#include "net/transport.hpp"
#include "net/url.hpp"
#include "util/strings.hpp"

namespace hookauth::net {

namespace {

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct UrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
using UrlHandle = std::unique_ptr<CURLU, UrlDeleter>;

struct CurlString {
  char* p = nullptr;
  ~CurlString() { curl_free(p); }
};

Result<UrlHandle> parse(std::string_view url) {
  global_init();
  UrlHandle h(curl_url());
  std::string s(url);
  if (curl_url_set(h.get(), CURLUPART_URL, s.c_str(), CURLU_PATH_AS_IS) != CURLUE_OK)
    return usage_error("not a valid URL: " + util::printable(url));
  return h;
}

Result<std::string> part(CURLU* h, CURLUPart which, unsigned flags, std::string_view what) {
  CurlString out;
  if (curl_url_get(h, which, &out.p, flags) != CURLUE_OK || !out.p)
    return usage_error("URL has no " + std::string(what));
  return std::string(out.p);
}

}  // namespace

Result<CurlUrlView> curl_url_view(std::string_view url) {
  auto h = parse(url);
  if (!h) return std::unexpected(h.error());
  auto scheme = part(h->get(), CURLUPART_SCHEME, 0, "scheme");
  auto host = part(h->get(), CURLUPART_HOST, 0, "host");
  auto port = part(h->get(), CURLUPART_PORT, CURLU_DEFAULT_PORT, "port");
  auto path = part(h->get(), CURLUPART_PATH, 0, "path");
  if (!scheme || !host || !port || !path) return usage_error("not an absolute URL: " + util::printable(url));
  CurlUrlView v{util::to_lower(*scheme), std::nullopt, util::to_lower(*host), *port, *path, std::nullopt};
  if (v.host.starts_with('[') && v.host.ends_with(']')) v.host = v.host.substr(1, v.host.size() - 2);
  if (auto user = part(h->get(), CURLUPART_USER, 0, "user")) v.user = std::move(*user);
  if (auto password = part(h->get(), CURLUPART_PASSWORD, 0, "password")) v.user = v.user.value_or("") + ":" + *password;
  if (auto query = part(h->get(), CURLUPART_QUERY, 0, "query")) v.query = std::move(*query);
  return v;
}

Result<Origin> origin_of(std::string_view url) {
  auto origin = util::origin_of(url);
  if (!origin) return origin;
  auto curl = curl_url_view(url);
  if (!curl) return std::unexpected(curl.error());
  if (curl->scheme != origin->scheme || curl->host != origin->host || curl->port != origin->port)
    return usage_error("refusing an ambiguous URL: libcurl would send it to " +
                       serialize(Origin{curl->scheme, curl->host, curl->port}) + ", not " + serialize(*origin));
  return origin;
}

Result<std::string> resolve_location(std::string_view base, std::string_view location) {
  auto h = parse(base);
  if (!h) return std::unexpected(h.error());
  std::string loc(location);
  if (curl_url_set(h->get(), CURLUPART_URL, loc.c_str(), CURLU_PATH_AS_IS) != CURLUE_OK)
    return usage_error("redirect to an invalid URL: " + util::printable(location));
  return part(h->get(), CURLUPART_URL, 0, "URL");
}

Result<std::string> host_header(std::string_view url) {
  auto h = parse(url);
  if (!h) return std::unexpected(h.error());
  auto host = part(h->get(), CURLUPART_HOST, 0, "host");
  if (!host) return std::unexpected(host.error());
  CurlString port;
  // CURLU_NO_DEFAULT_PORT: an explicit ":443" on https (":80" on http) is left out, as curl does.
  if (curl_url_get(h->get(), CURLUPART_PORT, &port.p, CURLU_NO_DEFAULT_PORT) == CURLUE_OK && port.p)
    return *host + ":" + port.p;
  return *host;
}

namespace {

struct Transfer {
  Response response;
  const TransportOptions* options = nullptr;
};

size_t on_body(char* data, size_t size, size_t n, void* user) {
  static_cast<Transfer*>(user)->response.body.append(data, size * n);
  return size * n;
}

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * n);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (line.starts_with("HTTP/")) {  // a new response (after 100 Continue): start over
    t->response.status_line = std::string(line);
    t->response.headers.items.clear();
  } else if (auto colon = line.find(':'); colon != std::string_view::npos) {
    t->response.headers.add(std::string(line.substr(0, colon)), std::string(util::trim(line.substr(colon + 1))));
  }
  return size * n;
}

// libcurl's notes that say nothing to a user of hookauth: its own reading of WWW-Authenticate
// (hookauth answers challenges itself and never asks libcurl to, so these read as failures that are
// not), and the bookkeeping of its connection cache (a pointer, a multiplexing it was not asked
// for). Connecting, TLS, reuse of a connection and the exchanges themselves are kept.
bool is_internal_note(std::string_view line) {
  static constexpr std::string_view notes[] = {
      "Ignoring duplicate digest auth header", "Authentication problem. Ignoring this", "Found bundle for host",
      "Can not multiplex, even if we wanted to", "Mark bundle as not supporting multiuse"};
  return std::any_of(std::begin(notes), std::end(notes), [&](std::string_view n) { return line.starts_with(n); });
}

int on_debug(CURL*, curl_infotype type, char* data, size_t size, void* user) {
  auto* t = static_cast<Transfer*>(user);
  if (!t->options->trace) return 0;
  char dir = type == CURLINFO_HEADER_OUT ? '>' : type == CURLINFO_HEADER_IN ? '<' : type == CURLINFO_TEXT ? '*' : 0;
  if (!dir) return 0;
  for (auto line : util::split(std::string_view(data, size), '\n')) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() && dir != '*') continue;
    if (dir == '*' && is_internal_note(line)) continue;
    if (!line.empty()) t->options->trace(dir, line);
  }
  return 0;
}

struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

// Errors name the origin only: a query may carry a key.
std::string origin_text(const std::string& url) {
  auto o = origin_of(url);
  return o ? o->scheme + "://" + util::bracketed_host(o->host) + ":" + o->port : std::string("the URL");
}

// One easy handle and what must live as long as its transfer: the request (libcurl reads the
// body from it), the header list, the error buffer and the response being received.
struct Easy {
  CURL* handle = nullptr;
  Transfer transfer;
  auth::Request request;
  std::unique_ptr<curl_slist, SlistDeleter> headers;
  char errbuf[CURL_ERROR_SIZE] = {0};

  Easy() : handle(curl_easy_init()) {}
  ~Easy() { curl_easy_cleanup(handle); }
  Easy(const Easy&) = delete;
  Easy& operator=(const Easy&) = delete;

  // Sets the handle up for request (reset first: the connection cache is kept, so a retry or the
  // next item reuses the connection).
  void prepare(auth::Request req, const TransportOptions& opt, bool multiplex) {
    CURL* c = handle;
    curl_easy_reset(c);
    request = std::move(req);
    transfer = Transfer{};
    transfer.options = &opt;
    errbuf[0] = 0;
    headers.reset();
    auto add = [&](const std::string& line) { headers.reset(curl_slist_append(headers.release(), line.c_str())); };
    for (const auto& [k, v] : request.headers.items) add(v.empty() ? k + ";" : k + ": " + v);
    add("Expect:");  // no 100-continue round trip
    if (!request.headers.has("Accept")) add("Accept:");
    if (!request.headers.has("Content-Type")) add("Content-Type:");

    curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &transfer);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &transfer);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);  // the sender decides, origin by origin
    if (multiplex) {
      // HTTP/2 where TLS negotiates it (HTTP/1.1 otherwise), and wait for a connection that may
      // multiplex rather than open another.
      curl_easy_setopt(c, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
      curl_easy_setopt(c, CURLOPT_PIPEWAIT, 1L);
    }
    if (opt.trace) {
      curl_easy_setopt(c, CURLOPT_VERBOSE, 1L);
      curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, on_debug);
      curl_easy_setopt(c, CURLOPT_DEBUGDATA, &transfer);
    }
    if (opt.timeout_seconds > 0) curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(opt.timeout_seconds * 1000));
    if (!opt.cacert.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, opt.cacert.c_str());
    if (opt.insecure) {
      curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (!opt.client_cert.empty()) curl_easy_setopt(c, CURLOPT_SSLCERT, opt.client_cert.c_str());
    if (!opt.client_key.empty()) curl_easy_setopt(c, CURLOPT_SSLKEY, opt.client_key.c_str());

    const std::string& method = request.method;
    if (util::to_lower(method) == "head") {
      curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    } else if (auth::sends_body(request)) {
      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
      curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.data());
      if (method != "POST") curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
    } else if (method != "GET") {
      curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
    }
  }

  // RFC 9113 section 8.1: a server may send its whole response before the request body has all
  // arrived, then reset the stream with NO_ERROR, and the client must not discard that response.
  // libcurl 7.88 reports such a stream as an error; the answer counts when it is complete.
  bool answered_in_full() {
    long status = 0;
    curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
    if (status < 200) return false;
    if (status == 204 || status == 304) return true;
    auto length = transfer.response.headers.get("Content-Length");
    return length && util::trim(*length) == std::to_string(transfer.response.body.size());
  }

  // The transfer's outcome, once libcurl has finished it with rc.
  Result<Response> outcome(CURLcode rc) {
    if (rc == CURLE_HTTP2_STREAM && answered_in_full()) rc = CURLE_OK;
    if (rc != CURLE_OK) {
      std::string detail = errbuf[0] ? errbuf : curl_easy_strerror(rc);
      return fail(ExitCode::network, "request to " + origin_text(request.url) + " failed: " + detail);
    }
    CURL* c = handle;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &transfer.response.status);
    auto secs = [&](CURLINFO info) {
      curl_off_t us = 0;
      curl_easy_getinfo(c, info, &us);
      return static_cast<double>(us) / 1e6;
    };
    transfer.response.timings = {secs(CURLINFO_NAMELOOKUP_TIME_T), secs(CURLINFO_CONNECT_TIME_T),
                                 secs(CURLINFO_APPCONNECT_TIME_T), secs(CURLINFO_STARTTRANSFER_TIME_T),
                                 secs(CURLINFO_TOTAL_TIME_T)};
    return std::move(transfer.response);
  }
};

class CurlTransport final : public Transport {
 public:
  CurlTransport() { global_init(); }

  Result<Response> perform(const auth::Request& req, const TransportOptions& opt) override {
    if (!easy_.handle) return fail(ExitCode::network, "libcurl could not start");
    easy_.prepare(req, opt, false);
    return easy_.outcome(curl_easy_perform(easy_.handle));
  }

 private:
  Easy easy_;
};

struct MultiDeleter {
  void operator()(CURLM* m) const { curl_multi_cleanup(m); }
};

class CurlMultiTransport final : public MultiTransport {
 public:
  explicit CurlMultiTransport(int concurrency) {
    global_init();
    multi_.reset(curl_multi_init());
    long n = std::max(1, concurrency);
    if (multi_) {
      curl_multi_setopt(multi_.get(), CURLMOPT_PIPELINING, static_cast<long>(CURLPIPE_MULTIPLEX));
      curl_multi_setopt(multi_.get(), CURLMOPT_MAX_HOST_CONNECTIONS, n);
      curl_multi_setopt(multi_.get(), CURLMOPT_MAX_TOTAL_CONNECTIONS, n);
      curl_multi_setopt(multi_.get(), CURLMOPT_MAXCONNECTS, n);
    }
  }
  ~CurlMultiTransport() override {
    for (auto& [handle, easy] : active_) curl_multi_remove_handle(multi_.get(), handle);
  }

  void start(std::uint64_t tag, auth::Request request, const TransportOptions& options) override {
    std::unique_ptr<Easy> easy;
    if (!idle_.empty()) {
      easy = std::move(idle_.back());
      idle_.pop_back();
    } else {
      easy = std::make_unique<Easy>();
    }
    if (!multi_ || !easy->handle) {
      finished_.push_back({tag, fail(ExitCode::network, "libcurl could not start")});
      idle_.push_back(std::move(easy));
      return;
    }
    easy->prepare(std::move(request), options, true);
    CURL* handle = easy->handle;
    if (curl_multi_add_handle(multi_.get(), handle) != CURLM_OK) {
      finished_.push_back({tag, fail(ExitCode::network, "libcurl could not add a transfer")});
      idle_.push_back(std::move(easy));
      return;
    }
    active_.emplace(handle, Active{tag, std::move(easy)});
  }

  std::vector<Done> poll(std::chrono::milliseconds wait) override {
    std::vector<Done> out = std::move(finished_);
    finished_.clear();
    if (!multi_) return out;
    int running = 0;
    curl_multi_perform(multi_.get(), &running);
    collect(out);
    if (out.empty() && !active_.empty()) {
      curl_multi_poll(multi_.get(), nullptr, 0, static_cast<int>(wait.count()), nullptr);
      curl_multi_perform(multi_.get(), &running);
      collect(out);
    }
    return out;
  }

 private:
  struct Active {
    std::uint64_t tag;
    std::unique_ptr<Easy> easy;
  };

  void collect(std::vector<Done>& out) {
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi_.get(), &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      CURL* handle = msg->easy_handle;
      CURLcode rc = msg->data.result;
      curl_multi_remove_handle(multi_.get(), handle);
      auto it = active_.find(handle);
      if (it == active_.end()) continue;
      out.push_back({it->second.tag, it->second.easy->outcome(rc)});
      it->second.easy->request.body.clear();
      idle_.push_back(std::move(it->second.easy));
      active_.erase(it);
    }
  }

  std::unique_ptr<CURLM, MultiDeleter> multi_;
  std::unordered_map<CURL*, Active> active_;
  std::vector<std::unique_ptr<Easy>> idle_;
  std::vector<Done> finished_;
};

}  // namespace

std::unique_ptr<Transport> make_curl_transport() { return std::make_unique<CurlTransport>(); }

std::unique_ptr<MultiTransport> make_curl_multi_transport(int concurrency) {
  return std::make_unique<CurlMultiTransport>(concurrency);
}

}  // namespace hookauth::net
