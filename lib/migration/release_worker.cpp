#include "mcprov/migration/release_worker.hpp"

#include "mcprov/support/log.hpp"

namespace mcprov::migration {

release_worker::release_worker(std::shared_ptr<migration::serving_register> serving,
                               std::shared_ptr<cscm_client> client, migration::agreement_set agreements,
                               std::chrono::seconds retry)
    : register_(std::move(serving)), client_(std::move(client)), agreements_(std::move(agreements)), retry_(retry),
      thread_([this] { loop(); }) {}

release_worker::~release_worker() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

void release_worker::release(const std::string& user, const std::vector<std::string>& partners,
                             const std::string& cid) {
    if (partners.empty()) {
        return;
    }
    {
        std::lock_guard lock(mutex_);
        for (const auto& partner : partners) {
            jobs_.push_back({user, partner, cid});
        }
    }
    wake_.notify_all();
}

void release_worker::loop() {
    std::unique_lock lock(mutex_);
    auto next_retry = std::chrono::steady_clock::now(); // pending releases left by an earlier run go first
    while (!stopping_) {
        if (jobs_.empty() && std::chrono::steady_clock::now() >= next_retry) {
            lock.unlock();
            if (auto pending = register_->pending_releases()) {
                for (const auto& r : *pending) {
                    run({r.user, r.partner, r.correlation_id});
                }
            }
            lock.lock();
            next_retry = std::chrono::steady_clock::now() + retry_;
            continue;
        }
        if (jobs_.empty()) {
            wake_.wait_until(lock, next_retry, [this] { return stopping_ || !jobs_.empty(); });
            continue;
        }
        auto j = std::move(jobs_.front());
        jobs_.pop_front();
        lock.unlock();
        run(j);
        lock.lock();
    }
}

void release_worker::run(const job& j) {
    static const auto log = support::logger("migration");
    const auto* partner = agreements_.find_system(j.partner);
    if (!partner) {
        log->warn("{} [{}] release: no agreement with {} any more", j.user, j.cid, j.partner);
        (void)register_->record_released(j.user, j.partner);
        return;
    }
    if (auto released = client_->release_visitor(*partner, j.user, j.cid); !released) {
        ++failed_attempts_;
        log->warn("{} [{}] release at {} failed, will retry: {}", j.user, j.cid, j.partner, released.err().message);
        return;
    }
    if (auto recorded = register_->record_released(j.user, j.partner); !recorded) {
        log->error("{} [{}] recording the release at {}: {}", j.user, j.cid, j.partner, recorded.err().message);
        return;
    }
    ++released_;
    log->info("{} [{}] released at {}", j.user, j.cid, j.partner);
}

} // namespace mcprov::migration
