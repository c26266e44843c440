#include "cli/batch_send.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <optional>

#include <nlohmann/json.hpp>

#include "cli/output.hpp"
#include "cli/terminal.hpp"
#include "net/batch.hpp"
#include "util/histogram.hpp"
#include "util/strings.hpp"

namespace hookauth::cli {

namespace {

using Steady = std::chrono::steady_clock;

struct FileCloser {
  void operator()(std::FILE* f) const {
    if (f && f != stdin) std::fclose(f);
  }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

// The input, one line at a time (a line's end is \n or \r\n; empty lines are skipped), so that
// memory holds only the lines in flight however long the input is.
class LineReader {
 public:
  static Result<LineReader> open(const std::string& path) {
    LineReader r;
    r.path_ = path;
    if (path == "-") {
      r.file_.reset(stdin);
    } else {
      r.file_.reset(std::fopen(path.c_str(), "rb"));
      if (!r.file_) return usage_error("--data-lines " + path + ": cannot read the file");
    }
    struct stat st {};
    if (fstat(fileno(r.file_.get()), &st) == 0 && S_ISREG(st.st_mode)) r.size_ = static_cast<std::uint64_t>(st.st_size);
    return r;
  }
  LineReader(LineReader&& other) noexcept
      : file_(std::move(other.file_)),
        path_(std::move(other.path_)),
        buffer_(other.buffer_),
        capacity_(other.capacity_),
        number_(other.number_),
        bytes_(other.bytes_),
        size_(other.size_) {
    other.buffer_ = nullptr;
    other.capacity_ = 0;
  }
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;
  LineReader& operator=(LineReader&&) = delete;
  ~LineReader() { std::free(buffer_); }

  Result<std::optional<net::BatchItem>> next() {
    for (;;) {
      errno = 0;
      ssize_t n = getline(&buffer_, &capacity_, file_.get());
      if (n < 0) {
        if (std::ferror(file_.get())) return usage_error("--data-lines " + path_ + ": read error");
        return std::optional<net::BatchItem>{};
      }
      ++number_;
      bytes_ += static_cast<std::uint64_t>(n);
      std::size_t len = static_cast<std::size_t>(n);
      if (len && buffer_[len - 1] == '\n') --len;
      if (len && buffer_[len - 1] == '\r') --len;
      if (len == 0) continue;
      return std::optional<net::BatchItem>{net::BatchItem{number_, std::string(buffer_, len)}};
    }
  }

  std::uint64_t bytes_read() const { return bytes_; }
  std::optional<std::uint64_t> size() const { return size_; }

 private:
  LineReader() = default;
  File file_;
  std::string path_;
  char* buffer_ = nullptr;
  std::size_t capacity_ = 0;
  std::uint64_t number_ = 0;
  std::uint64_t bytes_ = 0;
  std::optional<std::uint64_t> size_;
};

// The lines that failed, as they were read, for another go (0600: a body may be private).
Result<File> open_failed_file(const std::string& path) {
  if (path.empty()) return File{};
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return usage_error("--failed " + path + ": cannot write the file");
  std::FILE* f = fdopen(fd, "wb");
  if (!f) {
    ::close(fd);
    return usage_error("--failed " + path + ": cannot write the file");
  }
  return File(f);
}

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string clock_text(double seconds) {
  auto s = static_cast<long long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%lld:%02lld", s / 60, s % 60);
  return buf;
}

double ms(std::chrono::microseconds us) { return static_cast<double>(us.count()) / 1000.0; }

struct Tally {
  std::uint64_t taken = 0, finished = 0, succeeded = 0, failed = 0, network_errors = 0, attempts = 0;
  std::map<long, std::uint64_t> statuses;
  util::Histogram latency;
  std::optional<Error> stopped_by;
};

constexpr std::uint64_t failures_shown = 10;

}  // namespace

Result<ExitCode> run_batch_send(const BatchSend& batch, const auth::Request& request,
                                const std::function<Result<net::Signer>()>& make_signer, const net::SendPolicy& policy,
                                const net::TransportOptions& options, const net::SendEnvironment& env,
                                const auth::Redactor& redactor) {
  auto reader = LineReader::open(batch.data_lines);
  if (!reader) return std::unexpected(reader.error());
  auto failed_file = open_failed_file(batch.failed);
  if (!failed_file) return std::unexpected(failed_file.error());
  // The first request decides nothing the others need, but a URL or transport problem is the
  // same for every line: check it once, before reading any input.
  if (auto ok = net::check_transport_security(request.url, policy); !ok) return std::unexpected(ok.error());
  auto origin = net::origin_of(request.url);
  if (!origin) return std::unexpected(origin.error());

  bool progress = !batch.quiet && stderr_is_terminal();
  bool content_type_given = request.headers.has("Content-Type");
  Tally tally;
  auto began = Steady::now();
  auto elapsed = [&] { return std::chrono::duration<double>(Steady::now() - began).count(); };
  auto say = [&](const std::string& line) {
    if (batch.quiet) return;
    if (progress) std::cerr << "\r\033[K";
    std::cerr << "hookauth: " << redactor.text(line) << "\n";
  };
  auto record_failure = [&](const net::BatchItem& item, const std::string& why) {
    ++tally.failed;
    if (failed_file->get()) {
      std::fwrite(item.text.data(), 1, item.text.size(), failed_file->get());
      std::fputc('\n', failed_file->get());
    }
    if (tally.failed <= failures_shown) say("line " + std::to_string(item.number) + ": " + why);
  };

  net::BatchHooks hooks;
  hooks.next_item = [&]() -> Result<std::optional<net::BatchItem>> {
    auto item = reader->next();
    if (item && *item) ++tally.taken;
    return item;
  };
  hooks.exchange_for = [&](const net::BatchItem& item) -> Result<net::Exchange> {
    auth::Request r = request;
    r.body = item.text;
    if (!content_type_given) r.headers.add("Content-Type", std::string(auth::default_content_type(item.text)));
    auto signer = make_signer();
    if (!signer) return std::unexpected(signer.error());
    return net::Exchange::start_checked(std::move(r), std::move(*signer), policy, env, *origin);
  };
  hooks.done = [&](const net::BatchResult& r) {
    ++tally.finished;
    tally.attempts += static_cast<std::uint64_t>(r.attempts);
    if (r.response) {
      long status = r.response->status;
      ++tally.statuses[status];
      tally.latency.add(r.latency);
      if (status >= 200 && status <= 299)
        ++tally.succeeded;
      else
        record_failure(r.item, "the receiver answered " + r.response->status_line);
      return true;
    }
    const Error& e = r.response.error();
    if (e.code == ExitCode::network) {
      ++tally.network_errors;
      record_failure(r.item, e.message);
      return true;
    }
    // A usage or token error is the same for every line: stop taking new ones.
    record_failure(r.item, e.message);
    if (!tally.stopped_by) tally.stopped_by = e;
    return false;
  };
  auto last_drawn = Steady::now() - std::chrono::seconds(1);
  auto draw = [&](bool force) {
    if (!progress || (!force && Steady::now() - last_drawn < std::chrono::milliseconds(200))) return;
    last_drawn = Steady::now();
    double secs = elapsed();
    double rate = secs > 0 ? static_cast<double>(tally.finished) / secs : 0;
    std::string line = "\r\033[K" + std::to_string(tally.finished) + " done, " + std::to_string(tally.failed) +
                       " failed, " + fixed(rate, 0) + "/s";
    if (auto size = reader->size(); size && *size > 0 && reader->bytes_read() > 0) {
      double left = static_cast<double>(*size - std::min(*size, reader->bytes_read())) /
                    static_cast<double>(reader->bytes_read()) * secs;
      line += ", ETA " + clock_text(left);
    }
    std::cerr << line << std::flush;
  };
  hooks.tick = [&] { draw(false); };

  auto transport = net::make_curl_multi_transport(batch.concurrency);
  auto ran = net::run_batch(*transport, batch.concurrency, options, hooks);
  double secs = elapsed();
  draw(true);  // the final count, then the line is cleared for the summary
  if (progress) std::cerr << "\r\033[K" << std::flush;
  if (failed_file->get() && std::fflush(failed_file->get()) != 0)
    say("--failed " + batch.failed + ": could not write every failed line");
  if (tally.failed > failures_shown)
    say(std::to_string(tally.failed - failures_shown) + " more failures not shown" +
        (batch.failed.empty() ? "" : " (every failed line is in " + batch.failed + ")"));

  double rate = secs > 0 ? static_cast<double>(tally.finished) / secs : 0;
  auto p = [&](double q) { return ms(tally.latency.percentile(q)); };
  std::uint64_t retries = tally.attempts > tally.finished ? tally.attempts - tally.finished : 0;
  if (batch.json) {
    nlohmann::ordered_json statuses = nlohmann::ordered_json::object();
    for (const auto& [status, n] : tally.statuses) statuses[std::to_string(status)] = n;
    nlohmann::ordered_json out = {
        {"sent", tally.finished},
        {"succeeded", tally.succeeded},
        {"failed", tally.failed},
        {"network_errors", tally.network_errors},
        {"retries", retries},
        {"statuses", statuses},
        {"seconds", secs},
        {"requests_per_second", rate},
        {"latency_ms", {{"p50", p(50)}, {"p90", p(90)}, {"p99", p(99)}, {"max", ms(tally.latency.max())}}}};
    if (tally.stopped_by) out["stopped"] = redactor.text(tally.stopped_by->message);
    if (!ran) out["input_error"] = ran.error().message;
    print_json(std::cout, out);
  } else {
    std::cout << "sent " << tally.finished << " in " << fixed(secs, 2) << " s (" << fixed(rate, 0)
              << " requests/s): " << tally.succeeded << " 2xx, " << tally.failed << " failed";
    if (tally.network_errors) std::cout << " (" << tally.network_errors << " without an answer)";
    if (retries) std::cout << ", " << retries << " retries";
    std::cout << "\n";
    if (tally.latency.count())
      std::cout << "latency p50 " << fixed(p(50), 2) << " ms, p90 " << fixed(p(90), 2) << " ms, p99 " << fixed(p(99), 2)
                << " ms, max " << fixed(ms(tally.latency.max()), 2) << " ms\n";
  }
  std::cout.flush();
  if (!ran) return std::unexpected(ran.error());
  if (tally.stopped_by) {
    Error e = *tally.stopped_by;
    e.message = redactor.text(e.message) + " (stopped after line " + std::to_string(tally.taken) + ")";
    return std::unexpected(e);
  }
  if (tally.failed == 0) return ExitCode::ok;
  if (tally.network_errors == tally.finished) return ExitCode::network;
  return ExitCode::check_failed;
}

}  // namespace hookauth::cli
