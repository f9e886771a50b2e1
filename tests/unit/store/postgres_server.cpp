#include "postgres_server.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>

#include <gtest/gtest.h>
#include <libpq-fe.h>

namespace mcprov::testing {
namespace {

using support::errc;
using support::make_error;
using support::result;

std::string run(const std::string& command, int& status) {
    std::string out;
    FILE* p = popen(command.c_str(), "r");
    if (!p) {
        status = -1;
        return "cannot run " + command;
    }
    char buffer[512];
    while (auto n = std::fread(buffer, 1, sizeof buffer, p)) {
        out.append(buffer, n);
    }
    status = pclose(p);
    return out;
}

std::string script() {
    return std::string(MCPROV_SOURCE_DIR) + "/scripts/postgres.sh";
}

// The database named in a postgresql:// URL replaced by `name`.
std::string with_database(const std::string& url, const std::string& name) {
    auto authority = url.find("://");
    auto path = url.find_first_of("/?", authority == std::string::npos ? 0 : authority + 3);
    if (path == std::string::npos) {
        return url + "/" + name;
    }
    auto path_end = url[path] == '?' ? path : url.find('?', path);
    if (path_end == std::string::npos) {
        path_end = url.size();
    }
    return url.substr(0, path) + "/" + name + url.substr(path_end);
}

class postgres_environment final : public ::testing::Environment {
public:
    result<std::string> url() {
        std::lock_guard lock(mutex_);
        if (!started_) {
            started_ = true;
            start();
        }
        if (!error_.empty()) {
            return make_error(errc::unavailable, error_);
        }
        return url_;
    }

    void TearDown() override {
        std::lock_guard lock(mutex_);
        if (!dir_.empty()) {
            int status = 0;
            run(script() + " stop '" + dir_ + "' 2>&1", status);
            dir_.clear();
        }
    }

private:
    void start() {
        if (const char* given = std::getenv("MCPROV_TEST_POSTGRES_URL"); given && *given) {
            url_ = given;
            return;
        }
        char pattern[] = "/tmp/mcprov-pg.XXXXXX";
        if (!mkdtemp(pattern)) {
            error_ = "PostgreSQL tests: cannot create a temporary directory for the server";
            return;
        }
        dir_ = pattern;
        int status = 0;
        auto out = run(script() + " start '" + dir_ + "' 2>&1", status);
        while (!out.empty() && out.back() == '\n') {
            out.pop_back();
        }
        if (status != 0 || !out.starts_with("postgresql://")) {
            error_ = "PostgreSQL tests need a server and scripts/postgres.sh could not start one (install PostgreSQL "
                     "15 with scripts/setup.sh, or set MCPROV_TEST_POSTGRES_URL): " +
                     out;
            return;
        }
        url_ = out;
    }

    std::mutex mutex_;
    bool started_ = false;
    std::string url_;
    std::string dir_;
    std::string error_;
};

postgres_environment* const environment = static_cast<postgres_environment*>(
    ::testing::AddGlobalTestEnvironment(new postgres_environment));

} // namespace

result<void> postgres_exec(const std::string& url, const std::string& sql) {
    PGconn* conn = PQconnectdb(url.c_str());
    if (PQstatus(conn) != CONNECTION_OK) {
        std::string message = PQerrorMessage(conn);
        PQfinish(conn);
        return make_error(errc::unavailable, "cannot connect to the test server: " + message);
    }
    PGresult* r = PQexec(conn, sql.c_str());
    auto status = PQresultStatus(r);
    std::string message = PQresultErrorMessage(r);
    PQclear(r);
    PQfinish(conn);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        return make_error(errc::io, sql + ": " + message);
    }
    return {};
}

result<std::string> postgres_dump(const std::string& url) {
    PGconn* conn = PQconnectdb(url.c_str());
    if (PQstatus(conn) != CONNECTION_OK) {
        std::string message = PQerrorMessage(conn);
        PQfinish(conn);
        return make_error(errc::unavailable, "cannot connect to the test server: " + message);
    }
    PGresult* r = PQexec(conn, "SELECT d::text FROM documents d UNION ALL SELECT l::text FROM leases l");
    std::string out;
    const bool ok = PQresultStatus(r) == PGRES_TUPLES_OK;
    std::string message = PQresultErrorMessage(r);
    for (int row = 0; ok && row < PQntuples(r); ++row) {
        out.append(PQgetvalue(r, row, 0)).push_back('\n');
    }
    PQclear(r);
    PQfinish(conn);
    if (!ok) {
        return make_error(errc::io, "dumping the database: " + message);
    }
    return out;
}

result<std::string> fresh_postgres_database() {
    auto base = environment->url();
    if (!base) {
        return base;
    }
    static std::atomic<int> sequence{0};
    auto name = "mcprov_test_" + std::to_string(getpid()) + "_" + std::to_string(sequence++);
    if (auto created = postgres_exec(*base, "CREATE DATABASE " + name); !created) {
        return std::move(created).err();
    }
    return with_database(*base, name);
}

} // namespace mcprov::testing
