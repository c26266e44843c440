#pragma once
// Fixed credentials, clock and keys shared by the fuzz targets and make_seeds (which signs valid
// requests with them, so the committed seeds reach the checks past the signature).

#include <chrono>
#include <string>
#include <vector>

#include "auth/credentials.hpp"
#include "auth/payload_signature.hpp"
#include "util/time.hpp"

namespace hookauth::fuzz {

// 2015-08-30T12:36:00Z, the date of AWS's SigV4 examples.
inline const util::Clock::time_point now{std::chrono::seconds(1440938160)};
inline const std::string digest_key = "fuzz-nonce-key-0123456789abcdef";
inline const std::string bearer_token = "mF_9.B5f-4.1JqM";

inline auth::BasicCredentials basic() { return {"Aladdin", "open sesame"}; }
inline auth::ApiKeyCredentials api_key_header() { return {"X-API-Key", "k-123456", auth::KeyLocation::header}; }
inline auth::ApiKeyCredentials api_key_query() { return {"api_key", "k-123456", auth::KeyLocation::query}; }

inline auth::DigestCredentials digest(std::vector<std::string> algorithms, std::string qop, bool userhash) {
  auth::DigestCredentials c;
  c.username = "Mufasa";
  c.password = "Circle of Life";
  c.realm = "http-auth@example.org";
  c.algorithms = std::move(algorithms);
  c.qop = std::move(qop);
  c.userhash = userhash;
  return c;
}

inline auth::AwsCredentials aws(std::string service, std::string session_token = "") {
  auth::AwsCredentials c;
  c.access_key = "AKIDEXAMPLE";
  c.secret_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  c.session_token = std::move(session_token);
  c.region = "us-east-1";
  c.service = std::move(service);
  c.content_sha256 = c.service == "s3";
  return c;
}

inline auth::OAuth2Credentials oauth2() {
  auth::OAuth2Credentials c;
  c.client_id = "s6BhdRkqt3";
  c.token_url = "https://server.example.com/token";
  return c;
}

// Every payload signature configuration verify_payload is fuzzed against.
inline std::vector<auth::SignatureCredentials> signature_configs() {
  using auth::SignatureScheme;
  std::vector<auth::SignatureCredentials> out;
  out.push_back({SignatureScheme::standard_webhooks,
                 {"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="},
                 {}});
  out.push_back(
      {SignatureScheme::standard_webhooks,
       {"whsk_MEbKyRMJwgA1TbX2QhWm4D6GF1hZDSV4sHwOk7HMJ7c=", "whpk_jDGSwVg7G5pKSgrEZfuWh4odBtEcpwQysJ16YLnbQBk="},
       {}});
  out.push_back({SignatureScheme::github, {"gh-new-secret", "gh-old-secret"}, {}});
  out.push_back({SignatureScheme::stripe, {"whsec_stripe_test_4eC39HqLyjWDarjtT1zdp7dc"}, {}});
  auth::HmacForm hex;
  hex.content = "{timestamp}.{id}.{body}";
  hex.prefix = "sha256=";
  out.push_back({SignatureScheme::hmac, {"partner-shared-secret"}, hex});
  auth::HmacForm b64;
  b64.header = "X-Sig";
  b64.sha512 = true;
  b64.base64 = true;
  out.push_back({SignatureScheme::hmac, {"partner-shared-secret"}, b64});
  return out;
}

}  // namespace hookauth::fuzz
