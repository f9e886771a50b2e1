// The main of every GoogleTest executable: GoogleTest's own, but a suite whose SetUpTestSuite failed ends the run
// with a failing status before its tests are reported as SKIPPED, which CTest would count as skipped, not failed.
#include <cstdio>
#include <cstdlib>

#include <gtest/gtest.h>

namespace {

class suite_setup_failure_is_fatal final : public ::testing::EmptyTestEventListener {
    void OnTestStart(const ::testing::TestInfo& test) override {
        const auto* suite = ::testing::UnitTest::GetInstance()->current_test_suite();
        if (suite && suite->ad_hoc_test_result().Failed()) {
            std::fprintf(stderr, "%s: SetUpTestSuite failed (see above); %s and the rest of the suite cannot run\n",
                         test.test_suite_name(), test.name());
            std::fflush(stdout);
            std::fflush(stderr);
            std::_Exit(1);
        }
    }
};

} // namespace

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    ::testing::UnitTest::GetInstance()->listeners().Append(new suite_setup_failure_is_fatal);
    return RUN_ALL_TESTS();
}
