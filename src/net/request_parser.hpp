#pragma once
// An incremental HTTP/1.1 request parser (RFC 9112) for the listener: bytes go in as they arrive,
// every limit is enforced while reading, and the request comes out with its target and header field
// values exactly as sent. Pure: no sockets, no clock.

#include <cstddef>
#include <string>
#include <string_view>

#include "auth/http_message.hpp"

namespace hookauth::net {

// Why a request cannot be served as sent: the status of its answer (400, 405, 408, 413, 414, 431,
// 501, 505) and a reason for the operator. A request with a problem ends its connection.
struct Problem {
  int status = 400;
  std::string reason;
};

struct ParserLimits {
  std::size_t max_head = 64 * 1024;    // request line, header fields and their line ends -> 431
  std::size_t max_fields = 100;        // header field lines -> 431
  std::size_t max_line = 8 * 1024;     // the request line -> 414
  std::size_t max_body = 1024 * 1024;  // the body, announced or chunked -> 413
  std::size_t max_trailer = 8 * 1024;  // a chunk line, and a chunked body's trailer section -> 400
};

class RequestParser {
 public:
  enum class State {
    idle,      // no byte of a request yet (blank lines before a request line count as none)
    head,      // the request line or header fields are arriving
    body,      // the head is whole, the body is arriving
    complete,  // request() is whole; feed() takes nothing more until reset()
    failed,    // problem() says why; the connection must end after its answer
  };

  explicit RequestParser(ParserLimits limits = {}) : limits_(limits) {}

  // Takes bytes of the connection's stream and returns how many it used: all of them, unless the
  // request completed or failed within them (the rest belongs to the next, pipelined, request).
  std::size_t feed(std::string_view data);

  State state() const { return state_; }
  bool done() const { return state_ == State::complete || state_ == State::failed; }
  // What was read so far: method and target once the request line is whole, fields once the head
  // is, and the body. Header values keep their bytes, empty values included, without the optional
  // whitespace around them (RFC 9112 section 5).
  const auth::Request& request() const { return request_; }
  auth::Request take_request() { return std::move(request_); }
  const Problem& problem() const { return problem_; }
  // Whether the connection may carry another request after this one's answer: HTTP/1.1 without
  // "Connection: close", or HTTP/1.0 with "Connection: keep-alive".
  bool keep_alive() const { return keep_alive_; }
  // An HTTP/1.0 request: its kept-alive answer must say "Connection: keep-alive".
  bool http10() const { return http10_; }
  // True when the head is whole, asks for "Expect: 100-continue" and a body is still to come: the
  // client waits for an interim 100 answer (RFC 9110 section 10.1.1).
  bool expects_continue() const { return expect_continue_ && state_ == State::body; }
  // Gets ready for the next request on the same connection.
  void reset();

 private:
  std::size_t feed_head(std::string_view data);
  std::size_t feed_body(std::string_view data);
  std::size_t feed_chunked(std::string_view data);
  void parse_head();
  bool parse_request_line(std::string_view line);
  bool take_framing();
  void fail(int status, std::string reason);
  // A line of a chunked body (size line or trailer field), taken as it completes; false on a line
  // that outgrows max_trailer.
  bool take_chunk_line(std::string_view& data, std::size_t& used, std::string& line);

  enum class ChunkState { size, data, data_end, trailer };

  ParserLimits limits_;
  State state_ = State::idle;
  auth::Request request_;
  Problem problem_;
  std::string head_;             // the head's bytes as they arrive
  std::size_t scanned_ = 0;      // head_ bytes already searched for the blank line
  std::size_t field_lines_ = 0;  // line ends seen in head_ after the request line
  bool keep_alive_ = true;
  bool http10_ = false;
  bool expect_continue_ = false;
  bool chunked_ = false;
  std::size_t remaining_ = 0;  // body bytes still to come (Content-Length, or the current chunk)
  ChunkState chunk_state_ = ChunkState::size;
  std::string chunk_line_;         // a chunk size line or trailer line still arriving
  std::size_t trailer_bytes_ = 0;  // bytes of the current chunk line, or of the trailer section
  std::size_t blank_bytes_ = 0;    // blank line bytes skipped before the request line
};

}  // namespace hookauth::net
