#include "catalog/auth_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "catalog/auth_crypto.h"
#include "catalog/key_rotation.h"
#include "catalog/secret_box.h"
#include "store_fixture.h"

namespace s3cat::catalog {
namespace {

class AuthStoreTest : public testing::StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    auto auth = AuthStore::open(options_.path, options_.clock);
    ASSERT_TRUE(auth.has_value()) << auth.error().message;
    auth_ = std::move(*auth);
  }

  void TearDown() override {
    auth_.reset();
    StoreTest::TearDown();
  }

  std::unique_ptr<AuthStore> auth_;
};

TEST_F(AuthStoreTest, UsersCreatedListedAndRemoved) {
  ASSERT_TRUE(auth_->create_user("ann", Role::kAdmin, "hash-a").has_value());
  ASSERT_TRUE(auth_->create_user("bob", Role::kViewer, "hash-b").has_value());

  auto duplicate = auth_->create_user("ann", Role::kViewer, "x");
  ASSERT_FALSE(duplicate.has_value());
  EXPECT_EQ(duplicate.error().kind, StoreErrorKind::kAlreadyExists);
  auto invalid = auth_->create_user("-bad name", Role::kViewer, "x");
  ASSERT_FALSE(invalid.has_value());
  EXPECT_EQ(invalid.error().kind, StoreErrorKind::kInvalid);

  auto users = auth_->list_users();
  ASSERT_TRUE(users.has_value());
  ASSERT_EQ(users->size(), 2u);
  EXPECT_EQ((*users)[0].name, "ann");
  EXPECT_EQ((*users)[0].role, Role::kAdmin);
  EXPECT_EQ((*users)[0].password_hash, "") << "listings carry no hashes";
  EXPECT_EQ(auth_->get_user("bob")->password_hash, "hash-b");
  EXPECT_EQ(auth_->count_admins().value(), 1u);

  ASSERT_TRUE(auth_->set_role("bob", Role::kSteward).has_value());
  EXPECT_EQ(auth_->get_user("bob")->role, Role::kSteward);
  ASSERT_TRUE(auth_->remove_user("bob").has_value());
  EXPECT_EQ(auth_->get_user("bob").error().kind, StoreErrorKind::kNotFound);
  EXPECT_EQ(auth_->remove_user("bob").error().kind, StoreErrorKind::kNotFound);
  EXPECT_EQ(auth_->count_users().value(), 1u);
}

TEST_F(AuthStoreTest, TokensFoundByHashAndRevoked) {
  ASSERT_TRUE(auth_->create_user("ann", Role::kSteward, "hash").has_value());
  const std::string secret = new_secret("s3c_");
  auto token = auth_->create_token("ann", "backup script", sha256_hex(secret));
  ASSERT_TRUE(token.has_value()) << token.error().message;

  auto found = auth_->find_token(sha256_hex(secret));
  ASSERT_TRUE(found.has_value());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->first.name, "ann");
  EXPECT_EQ((*found)->first.role, Role::kSteward);
  EXPECT_EQ((*found)->second.name, "backup script");
  EXPECT_EQ((*found)->second.last_used_at, clock_text());
  EXPECT_FALSE(auth_->find_token(sha256_hex(secret + "x"))->has_value());

  ASSERT_TRUE(auth_->revoke_token(token->id).has_value());
  EXPECT_FALSE(auth_->find_token(sha256_hex(secret))->has_value());
  EXPECT_EQ(auth_->revoke_token(token->id).error().kind, StoreErrorKind::kNotFound);
}

TEST_F(AuthStoreTest, RemovingUserEndsSessionsAndTokens) {
  auto user = auth_->create_user("ann", Role::kViewer, "hash");
  ASSERT_TRUE(user.has_value());
  ASSERT_TRUE(auth_->create_session("session-hash", user->id, 100, "127.0.0.1").has_value());
  ASSERT_TRUE(auth_->create_token("ann", "t", "token-hash").has_value());
  ASSERT_TRUE(auth_->find_session("session-hash")->has_value());

  ASSERT_TRUE(auth_->remove_user("ann").has_value());

  EXPECT_FALSE(auth_->find_session("session-hash")->has_value());
  EXPECT_FALSE(auth_->find_token("token-hash")->has_value());
}

TEST_F(AuthStoreTest, ExpiredSessionsDeleted) {
  auto user = auth_->create_user("ann", Role::kViewer, "hash");
  ASSERT_TRUE(user.has_value());
  ASSERT_TRUE(auth_->create_session("old", user->id, 100, "127.0.0.1").has_value());
  ASSERT_TRUE(auth_->create_session("idle", user->id, 500, "127.0.0.1").has_value());
  ASSERT_TRUE(auth_->create_session("fresh", user->id, 500, "127.0.0.1").has_value());
  ASSERT_TRUE(auth_->touch_session("fresh", 900).has_value());

  EXPECT_EQ(auth_->delete_expired_sessions(/*created_before=*/200, /*seen_before=*/800).value(), 2u);

  EXPECT_TRUE(auth_->find_session("fresh")->has_value());
  EXPECT_EQ((*auth_->find_session("fresh"))->last_seen_at, 900);
}

TEST_F(AuthStoreTest, PasswordChangeEndsSessions) {
  auto user = auth_->create_user("ann", Role::kViewer, "hash");
  ASSERT_TRUE(user.has_value());
  ASSERT_TRUE(auth_->create_session("s", user->id, 100, "127.0.0.1").has_value());

  ASSERT_TRUE(auth_->set_password_hash("ann", "new-hash").has_value());

  EXPECT_FALSE(auth_->find_session("s")->has_value());
  EXPECT_EQ(auth_->get_user("ann")->password_hash, "new-hash");
}

TEST_F(AuthStoreTest, AuditPagedNewestFirst) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(auth_->append_audit("cli:root", "user.create", "u" + std::to_string(i), R"({"role":"viewer"})"));
  }
  auto page = auth_->list_audit(2, 1);
  ASSERT_TRUE(page.has_value());
  EXPECT_EQ(page->total, 5u);
  ASSERT_EQ(page->entries.size(), 2u);
  EXPECT_EQ(page->entries[0].target, "u3");
  EXPECT_EQ(page->entries[1].target, "u2");
  EXPECT_EQ(page->entries[0].actor, "cli:root");
  EXPECT_EQ(page->entries[0].time, clock_text());
}

TEST(AuthCrypto, PasswordHashVerifies) {
  const auto hash = hash_password("correct horse battery");
  ASSERT_TRUE(hash.has_value());
  EXPECT_TRUE(hash->starts_with("$argon2id$")) << *hash;
  EXPECT_EQ(hash->find("correct horse"), std::string::npos);
  EXPECT_TRUE(verify_password(*hash, "correct horse battery"));
  EXPECT_FALSE(verify_password(*hash, "correct horse battery!"));
  EXPECT_FALSE(verify_password("", "anything"));
}

TEST(AuthCrypto, PasswordLengthChecked) {
  EXPECT_TRUE(password_problem("short").has_value());
  EXPECT_NE(password_problem("short")->find("at least 12"), std::string::npos);
  EXPECT_FALSE(password_problem("twelve chars").has_value());
  EXPECT_TRUE(password_problem(std::string(kMaxPasswordLength + 1, 'x')).has_value());
}

TEST(AuthCrypto, SecretsRandomAndHashed) {
  const std::string a = new_secret("s3c_");
  const std::string b = new_secret("s3c_");
  EXPECT_NE(a, b);
  EXPECT_EQ(a.size(), 4u + 43u);
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_TRUE(equal_in_constant_time("same", "same"));
  EXPECT_FALSE(equal_in_constant_time("same", "sane"));
  EXPECT_FALSE(equal_in_constant_time("same", "same!"));
}

TEST(Roles, NamesRoundTrip) {
  for (Role role : {Role::kViewer, Role::kSteward, Role::kAdmin}) EXPECT_EQ(parse_role(role_name(role)), role);
  EXPECT_FALSE(parse_role("root").has_value());
}

class KeyRotationTest : public testing::StoreTest {};

TEST_F(KeyRotationTest, SecretsReencryptedUnderNewKey) {
  Source source;
  source.name = "prod";
  source.access_key_id = "AKIAEXAMPLE";
  source.secret_access_key = "rotate-me-secret";
  source.session_token = "rotate-me-token";
  ASSERT_TRUE(store_->create_source(source).has_value());
  const std::string old_key = testing::read_file_bytes(options_.secret_key_file);
  store_.reset();

  auto count = rotate_secret_key(options_.path, options_.secret_key_file);
  ASSERT_TRUE(count.has_value()) << count.error().message;
  EXPECT_EQ(*count, 2u);

  EXPECT_NE(testing::read_file_bytes(options_.secret_key_file), old_key);
  EXPECT_FALSE(std::filesystem::exists(options_.secret_key_file + ".old"));
  EXPECT_FALSE(std::filesystem::exists(options_.secret_key_file + ".new"));
  struct stat info {};
  ASSERT_EQ(::stat(options_.secret_key_file.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);

  store_ = open();
  ASSERT_NE(store_, nullptr);
  auto read = store_->get_source("prod");
  ASSERT_TRUE(read.has_value()) << read.error().message;
  EXPECT_EQ(read->secret_access_key, "rotate-me-secret");
  EXPECT_EQ(read->session_token, "rotate-me-token");
  store_.reset();

  // The old key no longer opens the secrets.
  std::ofstream(options_.secret_key_file, std::ios::binary | std::ios::trunc) << old_key;
  store_ = open();
  ASSERT_NE(store_, nullptr);
  auto with_old = store_->get_source("prod");
  ASSERT_FALSE(with_old.has_value());
  EXPECT_EQ(with_old.error().kind, StoreErrorKind::kSecretKey);
}

TEST_F(KeyRotationTest, LeftoverNewFileStopsRotation) {
  store_.reset();
  std::ofstream(options_.secret_key_file + ".new") << "left behind\n";
  const std::string key = testing::read_file_bytes(options_.secret_key_file);

  auto count = rotate_secret_key(options_.path, options_.secret_key_file);

  ASSERT_FALSE(count.has_value());
  EXPECT_NE(count.error().message.find("earlier rotation"), std::string::npos) << count.error().message;
  EXPECT_EQ(testing::read_file_bytes(options_.secret_key_file), key);
}

TEST_F(KeyRotationTest, KeyFromEnvironmentOpensSecrets) {
  store_.reset();
  std::filesystem::remove(options_.secret_key_file);
  options_.secret_key_file = folder_ + "/unused.key";
  options_.secret_key_base64 = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";  // bytes 1..32
  store_ = open();
  ASSERT_NE(store_, nullptr);
  Source source;
  source.name = "prod";
  source.access_key_id = "AKIAEXAMPLE";
  source.secret_access_key = "env-key-secret";
  ASSERT_TRUE(store_->create_source(source).has_value());
  EXPECT_EQ(store_->get_source("prod")->secret_access_key, "env-key-secret");
  EXPECT_FALSE(std::filesystem::exists(options_.secret_key_file)) << "no key file is created";
  store_.reset();

  options_.secret_key_base64 = "not base64";
  store_ = open();
  ASSERT_NE(store_, nullptr);
  auto failed = store_->get_source("prod");
  ASSERT_FALSE(failed.has_value());
  EXPECT_EQ(failed.error().kind, StoreErrorKind::kSecretKey);
  EXPECT_NE(failed.error().message.find("S3CATALOG_SECRET_KEY"), std::string::npos) << failed.error().message;
}

}  // namespace
}  // namespace s3cat::catalog
