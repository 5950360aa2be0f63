#include "catalog/secret_box.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "store_fixture.h"

namespace s3cat::catalog {
namespace {

using testing::make_temp_folder;

class SecretBoxTest : public ::testing::Test {
 protected:
  void SetUp() override { folder_ = make_temp_folder(); }
  void TearDown() override { std::filesystem::remove_all(folder_); }

  void write_file(const std::string& path, const std::string& content) {
    std::ofstream(path, std::ios::binary) << content;
  }

  std::string folder_;
};

SecretBox::Key key_of(unsigned char fill) {
  SecretBox::Key key;
  key.fill(fill);
  return key;
}

TEST_F(SecretBoxTest, SealOpenRoundTrip) {
  SecretBox box(key_of(7));
  const std::string sealed = box.seal("wJalrXUtnFEMI/K7MDENG");
  EXPECT_EQ(sealed.size(), crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + 21);
  EXPECT_EQ(sealed.find("wJalrXUtnFEMI"), std::string::npos);
  EXPECT_EQ(box.open(sealed), "wJalrXUtnFEMI/K7MDENG");
}

TEST_F(SecretBoxTest, NoncesDifferPerValue) {
  SecretBox box(key_of(7));
  EXPECT_NE(box.seal("same"), box.seal("same"));
}

TEST_F(SecretBoxTest, WrongKeyDoesNotOpen) {
  const std::string sealed = SecretBox(key_of(1)).seal("secret");
  EXPECT_EQ(SecretBox(key_of(2)).open(sealed), std::nullopt);
}

TEST_F(SecretBoxTest, AlteredValueDoesNotOpen) {
  SecretBox box(key_of(1));
  std::string sealed = box.seal("secret");
  sealed.back() ^= 1;
  EXPECT_EQ(box.open(sealed), std::nullopt);
  EXPECT_EQ(box.open("short"), std::nullopt);
}

TEST_F(SecretBoxTest, CreatesKeyFileWithMode0600) {
  const std::string path = folder_ + "/new/dir/secret.key";
  auto key = SecretBox::create_key_file(path);
  ASSERT_TRUE(key.has_value()) << key.error().message;

  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((folder_ + "/new/dir").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0700u);

  auto read = SecretBox::read_key_file(path);
  ASSERT_TRUE(read.has_value()) << read.error().message;
  ASSERT_TRUE(read->has_value());
  EXPECT_EQ(**read, *key);
}

TEST_F(SecretBoxTest, CreateKeepsExistingKeyFile) {
  const std::string path = folder_ + "/secret.key";
  auto first = SecretBox::create_key_file(path);
  ASSERT_TRUE(first.has_value()) << first.error().message;
  auto second = SecretBox::create_key_file(path);
  ASSERT_TRUE(second.has_value()) << second.error().message;
  EXPECT_EQ(*first, *second);
}

TEST_F(SecretBoxTest, ReadsMissingFileAsNoKey) {
  auto key = SecretBox::read_key_file(folder_ + "/absent.key");
  ASSERT_TRUE(key.has_value()) << key.error().message;
  EXPECT_FALSE(key->has_value());
}

TEST_F(SecretBoxTest, ReadsRawAndHexKeys) {
  const std::string raw_path = folder_ + "/raw.key";
  write_file(raw_path, std::string(32, '\x05'));
  auto raw = SecretBox::read_key_file(raw_path);
  ASSERT_TRUE(raw.has_value()) << raw.error().message;
  ASSERT_TRUE(raw->has_value());
  EXPECT_EQ(**raw, key_of(5));

  const std::string hex_path = folder_ + "/hex.key";
  std::string hex;
  for (int i = 0; i < 32; ++i) hex += "05";
  write_file(hex_path, hex + "\n");
  auto from_hex = SecretBox::read_key_file(hex_path);
  ASSERT_TRUE(from_hex.has_value()) << from_hex.error().message;
  ASSERT_TRUE(from_hex->has_value());
  EXPECT_EQ(**from_hex, key_of(5));
}

TEST_F(SecretBoxTest, RejectsMalformedKeyFile) {
  const std::string path = folder_ + "/bad.key";
  write_file(path, "not a key\n");
  auto key = SecretBox::read_key_file(path);
  ASSERT_FALSE(key.has_value());
  EXPECT_EQ(key.error().kind, StoreErrorKind::kSecretKey);
  EXPECT_NE(key.error().message.find(path), std::string::npos) << key.error().message;
}

}  // namespace
}  // namespace s3cat::catalog
