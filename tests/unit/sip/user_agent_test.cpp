#include <gtest/gtest.h>

#include <future>

#include "../../integration/sip_port.hpp"
#include "mcprov/sip/user_agent.hpp"

namespace mcprov::sip {
namespace {

TEST(user_agent, when_the_callee_answers_then_the_caller_gets_its_status_and_body_and_the_call_ends) {
    const auto port = testing::free_sip_port();
    std::vector<incoming_call> seen;
    std::promise<void> listening;
    auto callee = std::async(std::launch::async, [&] {
        int n = 0;
        return answer_calls("127.0.0.1", port, 2,
                            [&](const incoming_call& call) {
                                seen.push_back(call);
                                return ++n == 1 ? call_answer{.status = 488, .content_type = "text/plain",
                                                              .body = "not this one"}
                                                : call_answer{.status = 200, .content_type = {}, .body = {}};
                            },
                            std::chrono::seconds(10), [&] { listening.set_value(); });
    });
    listening.get_future().wait();
    const call_request request{.from = "sip:alice@example.org",
                               .to = "sip:bob@example.org",
                               .proxy = "sip:127.0.0.1:" + std::to_string(port),
                               .content_type = "application/sdp",
                               .body = "v=0\r\n",
                               .timeout = std::chrono::seconds(10)};
    auto refused = place_call(request);
    ASSERT_TRUE(refused) << refused.err().message;
    EXPECT_EQ(refused->status, 488);
    EXPECT_EQ(refused->body, "not this one");
    auto accepted = place_call(request);
    ASSERT_TRUE(accepted) << accepted.err().message;
    EXPECT_EQ(accepted->status, 200);
    auto answered = callee.get();
    ASSERT_TRUE(answered) << answered.err().message;
    EXPECT_EQ(*answered, 2u);
    ASSERT_EQ(seen.size(), 2u);
    EXPECT_EQ(seen[0].from, "sip:alice@example.org");
    EXPECT_EQ(seen[0].body, "v=0\r\n");
}

} // namespace
} // namespace mcprov::sip
