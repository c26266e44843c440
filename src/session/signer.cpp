#include "session/signer.hpp"

#include "auth/credentials.hpp"
#include "auth/oauth2.hpp"
#include "session/bearer_signer.hpp"
#include "session/digest_signer.hpp"
#include "util/overloaded.hpp"

namespace hookauth::session {

namespace {

// No Auth, Basic and API Key: the same credentials on every attempt, no challenge to answer.
class StaticSigner final : public Signer {
 public:
  explicit StaticSigner(const auth::Credentials& credentials) : credentials_(credentials) {}

  Result<net::Signer> message(const std::string&) override {
    return net::Signer{[this](auth::Request& r) { return auth::sign(credentials_, r, auth::SignContext{}); }, {}};
  }
  std::vector<std::string> query_params() const override {
    const auto* key = std::get_if<auth::ApiKeyCredentials>(&credentials_);
    if (key && key->in == auth::KeyLocation::query) return {key->name};
    return {};
  }
  bool carries_credentials() const override { return !std::holds_alternative<auth::NoAuth>(credentials_); }

 private:
  const auth::Credentials& credentials_;
};

// AWS Signature Version 4, in the Authorization header or (presign) in the query string; the
// derived keys are kept for every message of the run. Keys from a provider (an AWS profile's
// credential_process) are asked for before each signature, so a long batch signs with fresh ones;
// each new secret is taught to the authorization's redactor.
class SigV4Signer final : public Signer {
 public:
  SigV4Signer(Authorization& authorization, const SignerOptions& options, const SignerDeps& deps)
      : credentials_(authorization.credentials),
        keys_from_(authorization.keys),
        redactor_(authorization.redactor),
        presign_(options.presign),
        expires_(options.expires),
        deps_(deps) {}

  Result<net::Signer> message(const std::string&) override {
    return net::Signer{[this](auth::Request& r) { return sign(r); }, {}};
  }
  std::vector<std::string> query_params() const override {
    if (!presign_) return {};
    return {auth::presign_query_params.begin(), auth::presign_query_params.end()};
  }
  bool carries_credentials() const override { return true; }

 private:
  Result<void> refresh_keys() {
    if (!keys_from_) return {};
    auto& aws = std::get<auth::AwsCredentials>(credentials_);
    std::string secret = aws.secret_key, token = aws.session_token;
    if (auto ok = keys_from_->fill(credentials_, deps_.token_now()); !ok) return ok;
    if (aws.secret_key != secret) redactor_.add_secret(aws.secret_key);
    if (aws.session_token != token && !aws.session_token.empty()) redactor_.add_secret(aws.session_token);
    return {};
  }

  Result<void> sign(auth::Request& r) {
    if (auto ok = refresh_keys(); !ok) return ok;
    auth::SigV4Steps steps;
    auth::SignContext context;
    context.now = deps_.now();
    context.sigv4_keys = &keys_;
    context.sigv4_steps = &steps;
    if (presign_) context.sigv4_presign_expires = expires_;
    auto ok = auth::sign(credentials_, r, context);
    if (ok && deps_.trace.sigv4) deps_.trace.sigv4(steps);
    return ok;
  }

  auth::Credentials credentials_;
  std::shared_ptr<store::KeyProvider> keys_from_;
  auth::Redactor& redactor_;
  bool presign_;
  std::int64_t expires_;
  SignerDeps deps_;
  auth::SigV4KeyCache keys_;
};

// A payload signature over any other signer: it goes on first, over the exact body, with a fresh
// timestamp on every attempt and one message id for all of them (a retry is the same message); the
// type's own signer may then sign its headers.
class PayloadSigner final : public Signer {
 public:
  PayloadSigner(const auth::SignatureCredentials& signature, std::unique_ptr<Signer> inner, const SignerDeps& deps)
      : signature_(signature), inner_(std::move(inner)), deps_(deps) {}

  Result<net::Signer> message(const std::string& message_id) override {
    std::string id = message_id;
    if (id.empty()) {
      auto fresh = new_message_id(deps_);
      if (!fresh) return std::unexpected(fresh.error());
      id = std::move(*fresh);
    }
    auto s = inner_->message(id);
    if (!s) return s;
    s->sign = [this, primary = std::move(s->sign), id = std::move(id)](auth::Request& r) -> Result<void> {
      auth::SignatureSteps steps;
      if (auto ok = auth::sign_payload(signature_, r, deps_.now(), id, &steps); !ok) return ok;
      if (deps_.trace.signature) deps_.trace.signature(signature_, steps);
      return primary(r);
    };
    return s;
  }
  std::vector<std::string> query_params() const override { return inner_->query_params(); }
  bool carries_credentials() const override { return true; }

 private:
  const auth::SignatureCredentials& signature_;
  std::unique_ptr<Signer> inner_;
  SignerDeps deps_;
};

}  // namespace

Result<std::string> new_message_id(const SignerDeps& deps) {
  auto bytes = deps.random_bytes(18);
  if (!bytes) return std::unexpected(bytes.error());
  return "msg_" + auth::base64url(*bytes);
}

Result<std::unique_ptr<Signer>> make_signer(Authorization& a, const SignerOptions& options, SignerDeps deps) {
  if (options.presign && !std::holds_alternative<auth::AwsCredentials>(a.credentials))
    return usage_error("--presign: only an aws-sigv4 authorization presigns URLs");
  std::unique_ptr<Signer> signer = std::visit(
      util::Overloaded{
          [&](const auth::DigestCredentials&) { return make_digest_signer(a, options, deps); },
          [&](const auth::OAuth2Credentials&) { return make_bearer_signer(a, options, deps); },
          [&](const auth::AwsCredentials&) -> std::unique_ptr<Signer> {
            return std::make_unique<SigV4Signer>(a, options, deps);
          },
          // One case per type, no catch-all: a new type does not compile until it is placed here.
          [&](const auth::NoAuth&) -> std::unique_ptr<Signer> { return std::make_unique<StaticSigner>(a.credentials); },
          [&](const auth::BasicCredentials&) -> std::unique_ptr<Signer> {
            return std::make_unique<StaticSigner>(a.credentials);
          },
          [&](const auth::ApiKeyCredentials&) -> std::unique_ptr<Signer> {
            return std::make_unique<StaticSigner>(a.credentials);
          },
      },
      a.credentials);
  if (a.signature) signer = std::make_unique<PayloadSigner>(*a.signature, std::move(signer), deps);
  return signer;
}

}  // namespace hookauth::session
