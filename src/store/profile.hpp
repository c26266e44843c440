#pragma once
// Authorization profiles: the fields each type has, their JSON mapping in the store, and their
// resolution into auth::Credentials.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "auth/credentials.hpp"
#include "auth/payload_signature.hpp"
#include "store/secret_ref.hpp"
#include "util/result.hpp"
#include "util/time.hpp"

namespace hookauth::store {

// Keys that may change during a run (an AWS profile's credential_process answer expires): asked
// again before each signature.
class KeyProvider {
 public:
  virtual ~KeyProvider() = default;
  // Puts the keys to use at now (the real clock, never --at) into credentials. Errors are one line
  // that never holds a secret.
  virtual Result<void> fill(auth::Credentials& credentials, util::Clock::time_point now) = 0;
};

// A field that means something only while another field has a given value (the hmac options with the
// hmac scheme, --auth-url with the authorization-code grant); an empty field: always.
struct Condition {
  std::string_view field{};
  std::string_view value{};
};

// One field of a type. Written with designated initializers in the table, in this member order;
// every member has a default, so an entry names only what differs.
struct FieldSpec {
  std::string_view name{};  // the JSON key, and the flag --NAME of `auth add`
  bool secret = false;
  bool required = false;
  std::string_view default_value{};
  std::vector<std::string_view> choices{};  // empty: any text
  std::string_view help{};
  bool flag = false;  // a switch (--NAME) stored as "true"
  // A value check beyond choices; errors say what is wrong. A secret field's check applies to a
  // literal value only (references are resolved at use), and its errors never quote the value.
  Result<void> (*check)(std::string_view) = nullptr;
  // The spelling stored for a value typed another way (sha-256 is stored as SHA-256); nullptr: as typed.
  std::string (*canonical)(std::string_view) = nullptr;
  bool list = false;         // repeatable: a JSON array in the store, the values joined by '\n' in Profile
  bool stacked = false;      // part of a payload signature stacked on another type (--signature and its options)
  Condition applies_when{};  // see field_applies
  // Required fields this one stands in for when given (--aws-profile for the keys and the region).
  std::vector<std::string_view> waives{};
  // Fields that cannot be given with this one (the error names both).
  std::vector<std::string_view> excludes{};
  std::string_view postman{};  // the Postman auth setting `auth import postman` fills this field from
  // Postman's values that differ from ours (Postman's, ours); any other value is taken as it is.
  std::vector<std::pair<std::string_view, std::string_view>> postman_values{};
};

struct Profile;

// One authorization type: everything done with a profile that depends on its type comes from here.
struct TypeSpec {
  std::string_view name{};
  std::string_view label{};
  std::vector<FieldSpec> fields{};
  // Checks between fields (what one field's value requires of another); errors name the field.
  Result<void> (*check)(const Profile&) = nullptr;
  // Resolves the secrets and builds the credentials (one of credentials_of below).
  Result<auth::Credentials> (*to_credentials)(const Profile&) = nullptr;
  // Where keys that the profile names but does not hold come from (aws-sigv4's --aws-profile); the
  // provider is nullptr when a profile holds its keys. nullptr: every profile of the type holds them.
  Result<std::shared_ptr<KeyProvider>> (*key_provider)(const Profile&) = nullptr;
  // The non-secret facts `auth list` shows; nullptr: none.
  std::string (*summary)(const Profile&) = nullptr;
  // The fields that hold the profile's payload signature: its scheme and its secrets.
  std::string_view signature_field = "signature";
  std::string_view signature_secret_field = "signature-secret";
  std::string_view postman{};  // the Postman auth type `auth import postman` makes this type from

  const FieldSpec* field(std::string_view name) const;
};

// Every authorization type, in the order they are listed to the operator.
const std::vector<TypeSpec>& profile_types();
const TypeSpec* find_type(std::string_view name);
// "none, basic, api-key, ...": the type names for messages, in table order.
std::string type_names();

struct Profile {
  std::string name;
  std::string type;
  std::map<std::string, std::string> fields;  // non-secret fields that were given
  std::map<std::string, SecretRef> secrets;   // secret fields that were given

  // A non-secret field, or its default. Throws std::logic_error for a name that the type does not
  // declare as a non-secret field (or an unknown type): asking for one is a programming error.
  std::string field(std::string_view name) const;
  // The values of a repeatable field; throws as field() does.
  std::vector<std::string> list(std::string_view name) const;
};

// A header field name: an RFC 9110 token (section 5.6.2). The error quotes the name.
Result<void> check_header_name(std::string_view name);

// Names are letters, digits, '.', '_' and '-', 1 to 64 characters.
Result<void> check_name(std::string_view name);

// Checks the type, that every required field is there, that no field is foreign to the type, that
// each value is one of its choices and passes its check (literal secrets included), and the type's
// checks between fields, so that what is stored can be sent. Errors name the field, never a
// secret's value.
Result<void> validate(const Profile& profile);

nlohmann::ordered_json to_json(const Profile& profile);
// Errors are "FIELD: what is wrong", relative to the object (the store adds where it is).
struct JsonFieldError {
  std::string key;  // the offending member, empty for the object itself
  std::string message;
};
std::expected<Profile, JsonFieldError> profile_from_json(const nlohmann::json& j);

// Resolves every secret reference and builds the credentials to sign or verify with (a
// signature profile has none: its signature is all it carries).
Result<auth::Credentials> to_credentials(const Profile& profile);

// The credentials, and the provider of keys that change during a run (nullptr when they do not):
// for aws-sigv4 with --aws-profile, the AWS profile's keys are in the credentials already.
struct ResolvedCredentials {
  auth::Credentials credentials;
  std::shared_ptr<KeyProvider> keys;
};
Result<ResolvedCredentials> resolve_credentials(const Profile& profile);

// Each type's resolution into credentials, which the type table points to (TypeSpec::to_credentials).
namespace credentials_of {
Result<auth::Credentials> none(const Profile& profile);  // also the signature type's: its signature is apart
Result<auth::Credentials> basic(const Profile& profile);
Result<auth::Credentials> api_key(const Profile& profile);
Result<auth::Credentials> digest(const Profile& profile);
Result<auth::Credentials> aws_sigv4(const Profile& profile);
Result<auth::Credentials> oauth2(const Profile& profile);
}  // namespace credentials_of

// The payload signature the profile carries: the signature type's own, or one stacked on another
// type with --signature; nullopt when there is none. Several secrets are one per line (and
// space-separated too for Standard Webhooks, whose keys hold no spaces).
Result<std::optional<auth::SignatureCredentials>> to_signature(const Profile& profile);

// Whether a required field is not needed because another field given stands in for it
// (FieldSpec::waives: --aws-profile for --access-key, --secret-key and --region).
bool field_waived(const Profile& profile, std::string_view field);

// Whether an unset field belongs to the other way of giving what a given field gives (the keys of
// an aws-sigv4 authorization that names --aws-profile, or --aws-profile of one that holds keys):
// FieldSpec::waives and excludes, read both ways. `auth show` leaves such a field out.
bool field_set_aside(const Profile& profile, std::string_view field);

// Whether a field means anything beside the profile's other fields (FieldSpec::applies_when): the
// hmac options (--signature-header and the rest) only with the hmac scheme, --auth-url and
// --redirect-uri only with the authorization-code grant. Every other field applies to its type.
bool field_applies(const Profile& profile, std::string_view field);

// The first field given that does not apply (field_applies), as an error that names its flag. `auth
// add` refuses such a profile; validate() does not check this, so a store written before still loads.
Result<void> check_fields_apply(const Profile& profile);

}  // namespace hookauth::store
