#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "mcprov/migration/agreement.hpp"
#include "mcprov/migration/cscm_client.hpp"
#include "mcprov/migration/serving_register.hpp"

namespace mcprov::migration {

// Tells partner systems, on its own thread, that a user is served elsewhere now, so that they delete their copy
// of the user's profile; a partner that cannot be reached is asked again every `retry` until it confirms. The
// serving register remembers what is pending across restarts.
class release_worker {
public:
    release_worker(std::shared_ptr<migration::serving_register> serving, std::shared_ptr<cscm_client> client,
                   migration::agreement_set agreements, std::chrono::seconds retry);
    ~release_worker();
    release_worker(const release_worker&) = delete;
    release_worker& operator=(const release_worker&) = delete;

    void release(const std::string& user, const std::vector<std::string>& partners, const std::string& cid);

    // Releases the partner confirmed, and attempts that failed (each is retried).
    std::uint64_t released() const { return released_.load(); }
    std::uint64_t failed_attempts() const { return failed_attempts_.load(); }

private:
    struct job {
        std::string user;
        std::string partner;
        std::string cid;
    };
    void loop();
    void run(const job& j);

    std::shared_ptr<migration::serving_register> register_;
    std::shared_ptr<cscm_client> client_;
    migration::agreement_set agreements_;
    std::chrono::seconds retry_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<job> jobs_;
    std::atomic<std::uint64_t> released_{0};
    std::atomic<std::uint64_t> failed_attempts_{0};
    bool stopping_ = false;
    std::thread thread_;
};

} // namespace mcprov::migration
