#pragma once
// TLS for the listener's connections, through OpenSSL's libssl: the only file that includes it.
// Non-blocking: each call says whether it needs the socket readable or writable before it can go on.

#include <cstddef>
#include <memory>
#include <string>

#include "util/result.hpp"

namespace hookauth::net {

// The files `verify serve --tls-cert --tls-key [--client-ca]` names (PEM).
struct TlsFiles {
  std::string cert;       // the certificate chain, leaf first
  std::string key;        // its private key
  std::string client_ca;  // when set, clients must present a certificate this CA bundle verifies
};

// How a non-blocking read, write or handshake went.
enum class Io { done, want_read, want_write, closed, failed };

class TlsServer;

// One connection's TLS session over a connected non-blocking socket.
class TlsStream {
 public:
  ~TlsStream();
  TlsStream(const TlsStream&) = delete;
  TlsStream& operator=(const TlsStream&) = delete;

  Io handshake();
  // Up to size bytes into data; n is how many came (done only with n > 0).
  Io read(char* data, std::size_t size, std::size_t& n);
  // Up to size bytes of data; n is how many went.
  Io write(const char* data, std::size_t size, std::size_t& n);
  // True when OpenSSL holds received bytes not yet read (epoll cannot see them).
  bool has_pending() const;
  // Sends close_notify, without waiting for the client's.
  void shutdown();
  // The verified client certificate's subject (RFC 2253), or "" when none was asked for.
  std::string client_subject() const;
  // Why the last call failed, for the log (OpenSSL's reason, no secret).
  std::string error() const { return error_; }

 private:
  friend class TlsServer;
  explicit TlsStream(void* ssl) : ssl_(ssl) {}
  Io result(int ret, std::size_t* n);
  void* ssl_;
  std::string error_;
};

// The server's certificate, key and client CA, loaded once.
class TlsServer {
 public:
  // A usage error naming the file that could not be read or does not match.
  static Result<std::shared_ptr<TlsServer>> load(const TlsFiles& files);
  ~TlsServer();
  TlsServer(const TlsServer&) = delete;
  TlsServer& operator=(const TlsServer&) = delete;
  // A session for a newly accepted socket; nullptr when OpenSSL cannot make one.
  std::unique_ptr<TlsStream> accept(int fd) const;

 private:
  explicit TlsServer(void* ctx) : ctx_(ctx) {}
  void* ctx_;
};

}  // namespace hookauth::net
