#pragma once

#include <string>
#include <utility>
#include <variant>

namespace mcprov::support {

// What went wrong, in terms a caller can act on; protocol layers map it to their own status codes.
enum class errc {
    invalid_argument, // malformed request or input that does not parse
    not_well_formed,  // XML that is not well-formed (or not UTF-8)
    schema_invalid,   // well-formed XML that the schema rejects
    too_large,
    uri_too_long,        // a size or depth limit was exceeded
    unsupported_media_type,
    unauthenticated, // no credentials, or credentials that do not verify
    forbidden,       // valid credentials without the right to do this
    not_found,
    conflict,            // the request clashes with the current state
    precondition_failed, // If-Match / If-None-Match did not hold
    unavailable,         // a dependency cannot be reached
    io,                  // file or database failure
    storage_full,        // the disk or database is out of space (or over its quota)
    internal,
};

const char* to_string(errc code) noexcept;

struct error {
    errc code;
    std::string message;
};

inline error make_error(errc code, std::string message) {
    return error{code, std::move(message)};
}

// The one result type for fallible operations: a value or an error, no exceptions across request paths.
template <class T> class [[nodiscard]] result {
public:
    result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
    result(error e) : v_(std::in_place_index<1>, std::move(e)) {}

    bool has_value() const noexcept { return v_.index() == 0; }
    explicit operator bool() const noexcept { return has_value(); }

    T& value() & { return std::get<0>(v_); }
    const T& value() const& { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const error& err() const& { return std::get<1>(v_); }
    error&& err() && { return std::get<1>(std::move(v_)); }

private:
    std::variant<T, error> v_;
};

template <> class [[nodiscard]] result<void> {
public:
    result() = default;
    result(error e) : e_(std::move(e)), failed_(true) {}

    bool has_value() const noexcept { return !failed_; }
    explicit operator bool() const noexcept { return !failed_; }
    const error& err() const& { return e_; }
    error&& err() && { return std::move(e_); }

private:
    error e_{errc::internal, {}};
    bool failed_ = false;
};

} // namespace mcprov::support
