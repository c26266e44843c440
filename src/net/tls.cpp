#include "net/tls.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cstring>

namespace hookauth::net {

namespace {

SSL* as_ssl(void* p) { return static_cast<SSL*>(p); }

// The oldest queued OpenSSL error, as text, and the queue emptied.
std::string last_error() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown error";
  if (ERR_GET_LIB(code) == ERR_LIB_SYS) return std::strerror(ERR_GET_REASON(code));  // a file that is not there
  const char* reason = ERR_reason_error_string(code);
  return reason ? reason : "error " + std::to_string(code);
}

// A key that needs a passphrase is refused rather than asked for on the terminal.
int no_passphrase(char*, int, int, void*) { return 0; }

}  // namespace

TlsStream::~TlsStream() { SSL_free(as_ssl(ssl_)); }

Io TlsStream::result(int ret, std::size_t* n) {
  if (ret > 0) {
    if (n) *n = static_cast<std::size_t>(ret);
    return Io::done;
  }
  switch (SSL_get_error(as_ssl(ssl_), ret)) {
    case SSL_ERROR_WANT_READ:
      return Io::want_read;
    case SSL_ERROR_WANT_WRITE:
      return Io::want_write;
    case SSL_ERROR_ZERO_RETURN:
      return Io::closed;
    case SSL_ERROR_SYSCALL:  // the socket failed, or ended without close_notify: the session is dead
      ERR_clear_error();
      error_ = "the connection ended during the handshake or without close_notify";
      return Io::failed;
    default:
      error_ = last_error();
      return Io::failed;
  }
}

// OpenSSL's error queue is per thread, and SSL_get_error reads it: an error another connection's
// check left on this thread (a failed signature verification) would make a want-read look like a
// failure. So each call starts with an empty queue, as OpenSSL's documentation asks.
Io TlsStream::handshake() {
  ERR_clear_error();
  return result(SSL_accept(as_ssl(ssl_)), nullptr);
}

Io TlsStream::read(char* data, std::size_t size, std::size_t& n) {
  n = 0;
  ERR_clear_error();
  return result(SSL_read(as_ssl(ssl_), data, static_cast<int>(std::min<std::size_t>(size, 1 << 30))), &n);
}

Io TlsStream::write(const char* data, std::size_t size, std::size_t& n) {
  n = 0;
  ERR_clear_error();
  return result(SSL_write(as_ssl(ssl_), data, static_cast<int>(std::min<std::size_t>(size, 1 << 30))), &n);
}

bool TlsStream::has_pending() const { return SSL_has_pending(as_ssl(ssl_)) == 1; }

void TlsStream::shutdown() {
  ERR_clear_error();
  SSL_shutdown(as_ssl(ssl_));
  ERR_clear_error();
}

std::string TlsStream::client_subject() const {
  X509* cert = SSL_get0_peer_certificate(as_ssl(ssl_));
  if (!cert) return "";
  BIO* bio = BIO_new(BIO_s_mem());
  std::string out;
  if (bio && X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253) >= 0) {
    char* text = nullptr;
    long len = BIO_get_mem_data(bio, &text);
    if (len > 0) out.assign(text, static_cast<std::size_t>(len));
  }
  BIO_free(bio);
  return out;
}

Result<std::shared_ptr<TlsServer>> TlsServer::load(const TlsFiles& files) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (!ctx) return usage_error("TLS: " + last_error());
  std::shared_ptr<TlsServer> server(new TlsServer(ctx));
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  // Idle kept-alive connections give their 2 x 16 KiB record buffers back; no renegotiation.
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_default_passwd_cb(ctx, no_passphrase);
  // Sessions resume only within this context; without an id context OpenSSL refuses every
  // resumption once client certificates are verified.
  static const unsigned char context[] = "hookauth verify serve";
  SSL_CTX_set_session_id_context(ctx, context, sizeof context - 1);
  if (SSL_CTX_use_certificate_chain_file(ctx, files.cert.c_str()) != 1)
    return usage_error("--tls-cert " + files.cert + ": not a readable PEM certificate (" + last_error() + ")");
  if (SSL_CTX_use_PrivateKey_file(ctx, files.key.c_str(), SSL_FILETYPE_PEM) != 1) {
    // OpenSSL checks the key against the certificate as it loads it.
    if (ERR_GET_REASON(ERR_peek_error()) == X509_R_KEY_VALUES_MISMATCH) {
      ERR_clear_error();
      return usage_error("--tls-key " + files.key + ": does not match the certificate in --tls-cert");
    }
    if (ERR_GET_LIB(ERR_peek_error()) == ERR_LIB_PEM && ERR_GET_REASON(ERR_peek_error()) == PEM_R_BAD_PASSWORD_READ) {
      ERR_clear_error();
      return usage_error("--tls-key " + files.key +
                         ": the key is encrypted; give it without a passphrase (openssl pkey -in KEY -out PLAIN)");
    }
    return usage_error("--tls-key " + files.key + ": not a readable PEM private key (" + last_error() + ")");
  }
  if (SSL_CTX_check_private_key(ctx) != 1)
    return usage_error("--tls-key " + files.key + ": does not match the certificate in --tls-cert");
  if (!files.client_ca.empty()) {
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(files.client_ca.c_str());
    if (!names || SSL_CTX_load_verify_locations(ctx, files.client_ca.c_str(), nullptr) != 1) {
      if (names) sk_X509_NAME_pop_free(names, X509_NAME_free);
      return usage_error("--client-ca " + files.client_ca + ": not a readable PEM certificate bundle (" + last_error() +
                         ")");
    }
    SSL_CTX_set_client_CA_list(ctx, names);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  }
  ERR_clear_error();
  return server;
}

TlsServer::~TlsServer() { SSL_CTX_free(static_cast<SSL_CTX*>(ctx_)); }

std::unique_ptr<TlsStream> TlsServer::accept(int fd) const {
  SSL* ssl = SSL_new(static_cast<SSL_CTX*>(ctx_));
  if (!ssl) return nullptr;
  if (SSL_set_fd(ssl, fd) != 1) {
    SSL_free(ssl);
    return nullptr;
  }
  SSL_set_accept_state(ssl);
  return std::unique_ptr<TlsStream>(new TlsStream(ssl));
}

}  // namespace hookauth::net
