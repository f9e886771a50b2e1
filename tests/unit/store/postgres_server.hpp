#pragma once

#include <string>

#include "mcprov/support/result.hpp"

namespace mcprov::testing {

// The URL of a fresh, empty database on this test binary's PostgreSQL server. The server is started on first use by
// scripts/postgres.sh (one per test binary, stopped when the tests end), or is the one $MCPROV_TEST_POSTGRES_URL
// names (e.g. one server shared by a whole ctest run). An error saying why when there is no server: the caller fails.
support::result<std::string> fresh_postgres_database();

// A superuser SQL command on the database of `url` (test set-up only); an error message when it fails.
support::result<void> postgres_exec(const std::string& url, const std::string& sql);

// Every row of the store's tables on the database of `url`, as PostgreSQL prints a row (bytea as hex), one per line:
// what someone who can read the database sees.
support::result<std::string> postgres_dump(const std::string& url);

} // namespace mcprov::testing
