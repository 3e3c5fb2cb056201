#include "serve/token.h"

#include <sys/stat.h>

#include <fstream>

#include <gtest/gtest.h>

#include "serve/temp_dir_for_test.h"

namespace vigil::serve {
namespace {

TEST(ApiToken, CreatedOnceWithMode0600AndReloaded) {
  TempDir dir;
  auto first = ApiToken::load_or_create(dir.file("token"));
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_EQ(first->secret().size(), 64u);
  struct stat st {};
  ASSERT_EQ(::stat(dir.file("token").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  auto second = ApiToken::load_or_create(dir.file("token"));
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(first->secret(), second->secret());

  TempDir other;
  auto third = ApiToken::load_or_create(other.file("token"));
  ASSERT_TRUE(third.ok());
  EXPECT_NE(first->secret(), third->secret());
}

TEST(ApiToken, RefusesWorldReadableFile) {
  TempDir dir;
  std::ofstream(dir.file("token")) << "0123456789abcdef0123456789abcdef\n";
  ::chmod(dir.file("token").c_str(), 0644);
  auto token = ApiToken::load_or_create(dir.file("token"));
  ASSERT_FALSE(token.ok());
  EXPECT_NE(token.status().message().find("chmod 600"), std::string::npos);
}

TEST(ApiToken, RefusesShortSecret) {
  TempDir dir;
  std::ofstream(dir.file("token")) << "short\n";
  ::chmod(dir.file("token").c_str(), 0600);
  EXPECT_FALSE(ApiToken::load_or_create(dir.file("token")).ok());
}

TEST(ApiToken, MatchesOnlyTheExactSecret) {
  auto token = ApiToken::from_secret("s3cret-s3cret-s3cret");
  EXPECT_TRUE(token.matches("s3cret-s3cret-s3cret"));
  EXPECT_FALSE(token.matches("s3cret-s3cret-s3cre"));
  EXPECT_FALSE(token.matches("s3cret-s3cret-s3crett"));
  EXPECT_FALSE(token.matches("S3cret-s3cret-s3cret"));
  EXPECT_FALSE(token.matches(""));
  EXPECT_TRUE(token.authorizes("Bearer s3cret-s3cret-s3cret"));
  EXPECT_TRUE(token.authorizes("bearer s3cret-s3cret-s3cret"));
  EXPECT_FALSE(token.authorizes("Basic s3cret-s3cret-s3cret"));
  EXPECT_FALSE(token.authorizes("s3cret-s3cret-s3cret"));
  EXPECT_FALSE(token.authorizes("Bearer "));
}

}  // namespace
}  // namespace vigil::serve
