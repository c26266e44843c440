#include "net/reply.hpp"

namespace hookauth::net {

namespace {

const char* reason_phrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return status < 300 ? "OK" : status < 500 ? "Client Error" : "Server Error";
  }
}

bool fits_on_a_line(std::string_view s) { return s.find_first_of("\r\n") == std::string_view::npos; }

}  // namespace

std::string serialize(const Reply& reply, bool head_only, std::string_view connection) {
  std::string out;
  out.reserve(160 + reply.body.size());
  out += "HTTP/1.1 " + std::to_string(reply.status) + " " + reason_phrase(reply.status) + "\r\n";
  if (fits_on_a_line(reply.content_type)) out += "Content-Type: " + reply.content_type + "\r\n";
  out += "Content-Length: " + std::to_string(reply.body.size()) + "\r\n";
  if (!connection.empty()) out += "Connection: " + std::string(connection) + "\r\n";
  for (const auto& [k, v] : reply.headers.items)
    if (fits_on_a_line(k) && fits_on_a_line(v)) out += k + ": " + v + "\r\n";
  out += "\r\n";
  if (!head_only) out += reply.body;
  return out;
}

}  // namespace hookauth::net
