// The contract every backend keeps: one typed suite run against SQLite, memory and PostgreSQL.

#include <atomic>
#include <thread>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "../temp_dir.hpp"
#include "mcprov/store/document_store.hpp"
#include "postgres_server.hpp"

namespace mcprov::store {
namespace {

using support::errc;
using support::result;
using namespace std::chrono_literals;

const document_key alice{"org.3gpp.mcptt.user-profile", "sip:alice@example.org", "mcptt-user-profile-1.xml"};
const auto epoch = std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000));

document_key with_name(document_key key, std::string name) {
    key.name = std::move(name);
    return key;
}

document_key with_xui(document_key key, std::string xui) {
    key.xui = std::move(xui);
    return key;
}

// Each backend: prepare() makes an empty database; open() opens a store on it. Two opens of a shared backend stand for
// two processes; the memory backend lives in one object, so its second "store" is the same object.
struct sqlite_backend {
    static constexpr bool shared_between_processes = true;
    testing::temp_dir dir;
    result<void> prepare() { return {}; }
    result<std::shared_ptr<document_store>> open(std::shared_ptr<support::clock> clock) {
        return open_store("sqlite:" + (dir.path() / "store.db").string(), std::move(clock));
    }
};

struct memory_backend {
    static constexpr bool shared_between_processes = false;
    std::shared_ptr<document_store> only;
    result<void> prepare() { return {}; }
    result<std::shared_ptr<document_store>> open(std::shared_ptr<support::clock> clock) {
        if (!only) {
            auto opened = open_store("memory:", std::move(clock));
            if (!opened) {
                return opened;
            }
            only = std::move(opened).value();
        }
        return only;
    }
};

struct postgresql_backend {
    static constexpr bool shared_between_processes = true;
    std::string url;
    result<void> prepare() {
        auto fresh = testing::fresh_postgres_database();
        if (!fresh) {
            return std::move(fresh).err();
        }
        url = std::move(fresh).value();
        return {};
    }
    result<std::shared_ptr<document_store>> open(std::shared_ptr<support::clock> clock) {
        return open_store(url, std::move(clock));
    }
};

template <class Backend> class document_store_contract : public ::testing::Test {
protected:
    void SetUp() override {
        auto prepared = backend.prepare();
        ASSERT_TRUE(prepared) << prepared.err().message;
        auto opened = backend.open(clock);
        ASSERT_TRUE(opened) << opened.err().message;
        store = std::move(opened).value();
    }

    std::shared_ptr<document_store> second_store() {
        auto opened = backend.open(clock);
        EXPECT_TRUE(opened) << opened.err().message;
        return opened ? std::move(opened).value() : nullptr;
    }

    Backend backend;
    std::shared_ptr<support::manual_clock> clock = std::make_shared<support::manual_clock>(epoch);
    std::shared_ptr<document_store> store;
};

struct backend_names {
    template <class T> static std::string GetName(int) {
        if constexpr (std::is_same_v<T, sqlite_backend>) {
            return "sqlite";
        } else if constexpr (std::is_same_v<T, memory_backend>) {
            return "memory";
        } else {
            return "postgresql";
        }
    }
};

using backends = ::testing::Types<sqlite_backend, memory_backend, postgresql_backend>;
TYPED_TEST_SUITE(document_store_contract, backends, backend_names);

TYPED_TEST(document_store_contract, when_document_missing_then_get_is_not_found) {
    auto got = this->store->get(alice);
    ASSERT_FALSE(got);
    EXPECT_EQ(got.err().code, errc::not_found);
}

TYPED_TEST(document_store_contract, when_put_then_get_returns_same_bytes_etag_and_store_time) {
    auto put = this->store->put(alice, "<a/>", {});
    ASSERT_TRUE(put) << put.err().message;
    EXPECT_TRUE(put->created);
    auto got = this->store->get(alice);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->content, "<a/>");
    EXPECT_EQ(got->etag, entity_tag_of("<a/>"));
    EXPECT_EQ(got->updated_at, epoch);
}

TYPED_TEST(document_store_contract, when_content_is_arbitrary_bytes_then_they_round_trip) {
    const std::string bytes("\0\x01\xff\xfe<x/>\0\x80", 10);
    ASSERT_TRUE(this->store->put(alice, bytes, {}));
    EXPECT_EQ(this->store->get(alice)->content, bytes);
    ASSERT_TRUE(this->store->put(with_name(alice, "empty"), "", {}));
    EXPECT_EQ(this->store->get(with_name(alice, "empty"))->content, "");
}

TYPED_TEST(document_store_contract, when_if_match_is_stale_then_put_fails_and_document_is_unchanged) {
    auto first = this->store->put(alice, "<a/>", {});
    ASSERT_TRUE(first);
    ASSERT_TRUE(this->store->put(alice, "<b/>", {.if_match = first->etag}));
    auto stale = this->store->put(alice, "<c/>", {.if_match = first->etag});
    ASSERT_FALSE(stale);
    EXPECT_EQ(stale.err().code, errc::precondition_failed);
    EXPECT_EQ(this->store->get(alice)->content, "<b/>");
}

TYPED_TEST(document_store_contract, when_removed_then_gone_and_second_remove_is_not_found) {
    ASSERT_TRUE(this->store->put(alice, "<a/>", {}));
    ASSERT_TRUE(this->store->remove(alice, {}));
    EXPECT_EQ(this->store->get(alice).err().code, errc::not_found);
    EXPECT_EQ(this->store->remove(alice, {}).err().code, errc::not_found);
}

TYPED_TEST(document_store_contract, when_write_all_then_changes_apply_in_order_in_one_go) {
    ASSERT_TRUE(this->store->put(with_name(alice, "removed.xml"), "<gone/>", {}));
    ASSERT_TRUE(this->store->write_all({{alice, "<first/>"},
                                        {alice, "<second/>"},
                                        {with_name(alice, "removed.xml"), std::nullopt},
                                        {with_name(alice, "never.xml"), std::nullopt}}));
    EXPECT_EQ(this->store->get(alice)->content, "<second/>");
    EXPECT_EQ(*this->store->list(alice.auid, alice.xui), std::vector<std::string>{alice.name});
}

TYPED_TEST(document_store_contract, when_listing_names_and_users_then_sorted_and_scoped) {
    ASSERT_TRUE(this->store->write_all({{with_xui(alice, "sip:carol@example.org"), "<c/>"},
                                        {alice, "<a/>"},
                                        {with_name(alice, "a.xml"), "<a/>"},
                                        {with_xui(alice, "sip:bob@example.org"), "<b/>"},
                                        {{"other.auid", "sip:dave@example.org", "x"}, "<d/>"}}));
    EXPECT_EQ(*this->store->list(alice.auid, alice.xui), (std::vector<std::string>{"a.xml", alice.name}));
    EXPECT_EQ(*this->store->list_users(alice.auid),
              (std::vector<std::string>{"sip:alice@example.org", "sip:bob@example.org", "sip:carol@example.org"}));
    EXPECT_TRUE(this->store->list_users("org.example.unknown")->empty());
}

TYPED_TEST(document_store_contract, when_listing_documents_then_content_etag_and_time_come_in_name_order) {
    ASSERT_TRUE(this->store->put(alice, "<one/>", {}));
    this->clock->advance(5s);
    ASSERT_TRUE(this->store->put(with_name(alice, "a.xml"), "<two/>", {}));
    ASSERT_TRUE(this->store->put(with_xui(alice, "sip:bob@example.org"), "<bob/>", {}));
    auto listed = this->store->list_documents(alice.auid, alice.xui);
    ASSERT_TRUE(listed) << listed.err().message;
    ASSERT_EQ(listed->size(), 2u);
    EXPECT_EQ((*listed)[0].name, "a.xml");
    EXPECT_EQ((*listed)[0].document.content, "<two/>");
    EXPECT_EQ((*listed)[0].document.etag, entity_tag_of("<two/>"));
    EXPECT_EQ((*listed)[0].document.updated_at, epoch + 5s);
    EXPECT_EQ((*listed)[1].name, alice.name);
    EXPECT_EQ((*listed)[1].document.content, "<one/>");
    EXPECT_EQ((*listed)[1].document.updated_at, epoch);
}

TYPED_TEST(document_store_contract, when_listing_all_then_every_document_of_the_auid_by_xui_then_name) {
    ASSERT_TRUE(this->store->write_all({{with_xui(alice, "sip:carol@example.org"), "<c/>"},
                                        {with_name(alice, "z.xml"), "<z/>"},
                                        {with_name(alice, "a.xml"), "<a/>"},
                                        {with_xui(alice, "sip:bob@example.org"), "<b/>"},
                                        {{"other.auid", "sip:alice@example.org", "x"}, "<other/>"}}));
    auto all = this->store->list_all(alice.auid);
    ASSERT_TRUE(all) << all.err().message;
    std::vector<std::string> seen;
    for (const auto& d : *all) {
        seen.push_back(d.xui + " " + d.name + " " + d.document.content);
    }
    EXPECT_EQ(seen, (std::vector<std::string>{"sip:alice@example.org a.xml <a/>", "sip:alice@example.org z.xml <z/>",
                                              "sip:bob@example.org " + alice.name + " <b/>",
                                              "sip:carol@example.org " + alice.name + " <c/>"}));
    EXPECT_TRUE(this->store->list_all("org.example.unknown")->empty());
}

TYPED_TEST(document_store_contract, when_transact_work_succeeds_then_all_its_writes_are_committed) {
    ASSERT_TRUE(this->store->put(with_name(alice, "old.xml"), "<old/>", {}));
    auto done = this->store->transact([](transaction& tx) -> result<void> {
        auto missing = tx.get(alice);
        if (!missing || missing.value()) {
            return support::make_error(errc::internal, "expected no document");
        }
        if (auto put = tx.put(alice, "<new/>", {.if_none_match = "*"}); !put || !put->created) {
            return support::make_error(errc::internal, "put failed");
        }
        auto own = tx.get(alice); // a transaction reads its own writes
        if (!own || !own.value() || own.value()->content != "<new/>") {
            return support::make_error(errc::internal, "own write not visible");
        }
        auto removed = tx.remove(with_name(alice, "old.xml"));
        if (!removed || !removed.value()) {
            return support::make_error(errc::internal, "remove failed");
        }
        auto again = tx.remove(with_name(alice, "old.xml"));
        if (!again || again.value()) {
            return support::make_error(errc::internal, "second remove should find nothing");
        }
        auto listed = tx.list_documents(alice.auid, alice.xui);
        if (!listed || listed->size() != 1 || (*listed)[0].name != alice.name) {
            return support::make_error(errc::internal, "list inside the transaction is wrong");
        }
        return {};
    });
    ASSERT_TRUE(done) << done.err().message;
    EXPECT_EQ(this->store->get(alice)->content, "<new/>");
    EXPECT_EQ(this->store->get(with_name(alice, "old.xml")).err().code, errc::not_found);
}

TYPED_TEST(document_store_contract, when_transact_work_fails_then_nothing_is_written_and_its_error_is_returned) {
    ASSERT_TRUE(this->store->put(with_name(alice, "kept.xml"), "<kept/>", {}));
    auto done = this->store->transact([](transaction& tx) -> result<void> {
        if (!tx.put(alice, "<new/>") || !tx.remove(with_name(alice, "kept.xml"))) {
            return support::make_error(errc::internal, "unexpected failure");
        }
        return support::make_error(errc::conflict, "the caller changed its mind");
    });
    ASSERT_FALSE(done);
    EXPECT_EQ(done.err().code, errc::conflict);
    EXPECT_EQ(done.err().message, "the caller changed its mind");
    EXPECT_EQ(this->store->get(alice).err().code, errc::not_found);
    EXPECT_EQ(this->store->get(with_name(alice, "kept.xml"))->content, "<kept/>");
}

TYPED_TEST(document_store_contract, when_a_condition_fails_inside_transact_then_the_unit_is_rolled_back) {
    ASSERT_TRUE(this->store->put(alice, "<a/>", {}));
    auto done = this->store->transact([](transaction& tx) -> result<void> {
        if (!tx.put(with_name(alice, "first.xml"), "<first/>")) {
            return support::make_error(errc::internal, "unexpected failure");
        }
        auto put = tx.put(alice, "<b/>", {.if_match = entity_tag_of("<other/>")});
        if (!put) {
            return std::move(put).err();
        }
        return {};
    });
    ASSERT_FALSE(done);
    EXPECT_EQ(done.err().code, errc::precondition_failed);
    EXPECT_EQ(this->store->get(alice)->content, "<a/>");
    EXPECT_EQ(this->store->get(with_name(alice, "first.xml")).err().code, errc::not_found);
    // The store still works after the rollback.
    ASSERT_TRUE(this->store->put(with_name(alice, "later.xml"), "<later/>", {}));
}

// Read-modify-write of one JSON counter through transact, from several threads on each of two store objects (two
// processes where the backend is shared): every increment counts.
TYPED_TEST(document_store_contract, when_threads_of_two_stores_increment_a_counter_then_no_update_is_lost) {
    const document_key counter{"org.mcprov.test", "counter", "count.json"};
    auto other = this->second_store();
    ASSERT_TRUE(other);
    constexpr int threads_per_store = 3;
    constexpr int increments = 25;
    std::atomic<int> failures{0};
    std::string first_failure;
    std::mutex failure_mutex;
    auto increment = [&](document_store& s) {
        for (int i = 0; i < increments; ++i) {
            auto done = s.transact([&](transaction& tx) -> result<void> {
                auto current = tx.get(counter);
                if (!current) {
                    return std::move(current).err();
                }
                std::int64_t n = 0;
                if (current.value()) {
                    n = boost::json::parse(current.value()->content).as_object().at("count").as_int64();
                }
                auto put = tx.put(counter, boost::json::serialize(boost::json::object{{"count", n + 1}}));
                if (!put) {
                    return std::move(put).err();
                }
                return {};
            });
            if (!done && failures++ == 0) {
                std::lock_guard lock(failure_mutex);
                first_failure = done.err().message;
            }
        }
    };
    std::vector<std::thread> threads;
    for (int t = 0; t < threads_per_store; ++t) {
        threads.emplace_back([&] { increment(*this->store); });
        threads.emplace_back([&] { increment(*other); });
    }
    for (auto& t : threads) {
        t.join();
    }
    EXPECT_EQ(failures.load(), 0) << first_failure;
    auto final_count = this->store->get(counter);
    ASSERT_TRUE(final_count);
    EXPECT_EQ(boost::json::parse(final_count->content).as_object().at("count").as_int64(),
              2 * threads_per_store * increments);
}

TYPED_TEST(document_store_contract, when_a_lease_is_held_then_another_holder_gets_it_only_after_it_expires) {
    auto other = this->second_store();
    ASSERT_TRUE(other);
    auto first = this->store->try_acquire_lease("visitor:sip:alice@example.org", "process-a", 30s);
    ASSERT_TRUE(first) << first.err().message;
    EXPECT_TRUE(*first);
    EXPECT_FALSE(*other->try_acquire_lease("visitor:sip:alice@example.org", "process-b", 30s));
    EXPECT_TRUE(*other->try_acquire_lease("visitor:sip:bob@example.org", "process-b", 30s)); // another name
    this->clock->advance(20s);
    EXPECT_TRUE(*this->store->try_acquire_lease("visitor:sip:alice@example.org", "process-a", 30s)); // renewed
    this->clock->advance(20s);
    EXPECT_FALSE(*other->try_acquire_lease("visitor:sip:alice@example.org", "process-b", 30s)); // renewal holds
    this->clock->advance(11s);
    EXPECT_TRUE(*other->try_acquire_lease("visitor:sip:alice@example.org", "process-b", 30s)); // expired: taken over
    EXPECT_FALSE(*this->store->release_lease("visitor:sip:alice@example.org", "process-a"));  // no longer a's
    EXPECT_FALSE(*this->store->try_acquire_lease("visitor:sip:alice@example.org", "process-a", 30s));
}

TYPED_TEST(document_store_contract, when_a_lease_is_released_then_another_holder_takes_it_at_once) {
    auto other = this->second_store();
    ASSERT_TRUE(other);
    ASSERT_TRUE(*this->store->try_acquire_lease("job", "process-a", 60s));
    EXPECT_FALSE(*other->try_acquire_lease("job", "process-b", 60s));
    EXPECT_TRUE(*this->store->release_lease("job", "process-a"));
    EXPECT_TRUE(*other->try_acquire_lease("job", "process-b", 60s));
    auto invalid = this->store->try_acquire_lease("job", "process-a", 0s);
    ASSERT_FALSE(invalid);
    EXPECT_EQ(invalid.err().code, errc::invalid_argument);
}

TYPED_TEST(document_store_contract, when_many_holders_race_for_a_lease_then_exactly_one_gets_it) {
    auto other = this->second_store();
    ASSERT_TRUE(other);
    std::atomic<int> winners{0};
    std::atomic<int> errors{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 6; ++t) {
        threads.emplace_back([&, t] {
            auto& s = t % 2 ? *other : *this->store;
            auto got = s.try_acquire_lease("single-flight", "holder-" + std::to_string(t), 60s);
            if (!got) {
                ++errors;
            } else if (*got) {
                ++winners;
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    EXPECT_EQ(errors.load(), 0);
    EXPECT_EQ(winners.load(), 1);
}

} // namespace
} // namespace mcprov::store
