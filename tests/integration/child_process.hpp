#pragma once

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace mcprov::testing {

// A child process of the real binary, its stdout and stderr captured to files.
class child_process {
public:
    child_process(const std::string& binary, const std::vector<std::string>& args, const std::filesystem::path& logs)
        : stdout_path_(logs.string() + ".out"), stderr_path_(logs.string() + ".err") {
        std::vector<char*> argv;
        std::vector<std::string> all{binary};
        all.insert(all.end(), args.begin(), args.end());
        for (auto& a : all) {
            argv.push_back(a.data());
        }
        argv.push_back(nullptr);
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, stdout_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                         0600);
        posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                         0600);
        if (posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv.data(), environ) != 0) {
            pid_ = -1;
        }
        posix_spawn_file_actions_destroy(&actions);
    }

    ~child_process() {
        if (pid_ > 0 && !exit_status_) {
            ::kill(pid_, SIGKILL);
            int status = 0;
            ::waitpid(pid_, &status, 0);
        }
    }

    child_process(const child_process&) = delete;
    child_process& operator=(const child_process&) = delete;

    bool started() const { return pid_ > 0; }
    void signal(int sig) const { ::kill(pid_, sig); }

    // The exit code (or 128 + signal), waiting up to `timeout`; nullopt if it is still running then.
    std::optional<int> wait(std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
        if (exit_status_) {
            return exit_status_;
        }
        auto deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
                return exit_status_;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return std::nullopt;
    }

    std::string out() const { return slurp(stdout_path_); }
    std::string err() const { return slurp(stderr_path_); }

    // Waits until stdout or stderr matches `pattern` and returns the first capture group ("" on timeout/exit).
    std::string wait_for_output(const std::string& pattern, std::chrono::seconds timeout = std::chrono::seconds(30)) {
        std::regex re(pattern);
        auto deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            for (const auto& text : {out(), err()}) {
                std::smatch m;
                if (std::regex_search(text, m, re)) {
                    return m.size() > 1 ? m[1].str() : m[0].str();
                }
            }
            if (wait(std::chrono::milliseconds(0))) {
                return {};
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return {};
    }

private:
    static std::string slurp(const std::string& path) {
        std::ifstream in(path);
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
    }

    pid_t pid_ = -1;
    std::string stdout_path_;
    std::string stderr_path_;
    std::optional<int> exit_status_;
};

} // namespace mcprov::testing
