// One Validator shared by several threads (as the gateway does) gives the same outcomes as one thread.
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "fhir/validation/validator.h"
#include "validation_test_util.h"

namespace fv = fhir::validation;

TEST(ValidateThreads, SharedValidatorIsThreadSafe) {
  std::vector<std::string> texts;
  for (const auto& e : std::filesystem::directory_iterator(fv::testing::r4_dir())) {
    const std::string name = e.path().filename().string();
    const bool small = std::filesystem::file_size(e.path()) < 16 * 1024;
    if (small &&
        (name.rfind("Observation-", 0) == 0 || name.rfind("Bundle-", 0) == 0 || name.rfind("Patient-", 0) == 0))
      texts.push_back(fv::testing::read_file(e.path().string()));
  }
  ASSERT_GT(texts.size(), 50u);
  texts.push_back(R"({"resourceType":"Observation","status":"final","code":{"text":"x"},"valueString":"a",
     "dataAbsentReason":{"text":"unknown"},"effectiveDateTime":"2020-02-30"})");
  const fv::Validator validator;  // fresh: the invariant cache fills concurrently
  auto summary = [&](std::size_t i) {
    std::string s;
    const fv::Outcome outcome = validator.validate_text(texts[i]);
    for (const auto& issue : outcome.issues()) s += issue.expression + issue.diagnostics + "\n";
    return s;
  };
  std::vector<std::vector<std::string>> results(4, std::vector<std::string>(texts.size()));
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < results.size(); ++t)
    threads.emplace_back([&, t] {
      for (std::size_t k = 0; k < texts.size(); ++k) {
        const std::size_t i = (k + t * 17) % texts.size();  // different order per thread
        results[t][i] = summary(i);
      }
    });
  for (auto& th : threads) th.join();
  for (std::size_t i = 0; i < texts.size(); ++i) {
    const std::string expected = summary(i);
    for (std::size_t t = 0; t < results.size(); ++t) EXPECT_EQ(results[t][i], expected) << "file #" << i;
  }
  EXPECT_NE(results[0].back().find("obs-6"), std::string::npos);
}
