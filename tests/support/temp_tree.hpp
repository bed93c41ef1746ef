// SPDX-License-Identifier: Apache-2.0
#pragma once
// Test support: temporary directories and fake SageMaker trees that clean up
// after themselves. Tests never touch a real /opt/ml: they point
// SAGEMAKER_BASE_DIR (and LoadOptions::default_base) at one of these.

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

namespace smtrain::testing {

/// The whole file ("" when it cannot be read).
inline std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

/// Writes `text` to `path`, parents created; throws when it cannot.
inline void write_file(const std::filesystem::path& path, std::string_view text) {
    std::filesystem::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + path.string());
}

/// The config of a one-host job (algo-1, one File channel `train`) under
/// `base` (the fake /opt/ml), and its output dir: what the fixtures that run
/// sm-train on a program of their own start from.
inline void write_one_host_config(const std::filesystem::path& base) {
    write_file(base / "input/config/resourceconfig.json", R"({"current_host":"algo-1","hosts":["algo-1"]})");
    write_file(base / "input/config/inputdataconfig.json", R"({"train":{"TrainingInputMode":"File"}})");
    std::filesystem::create_directories(base / "output");
}

/// A fresh directory under $TMPDIR (or /tmp), removed with everything in it.
class TempDir {
public:
    TempDir() {
        const char* tmp = std::getenv("TMPDIR");
        std::string pattern =
            std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/smtrain-test-XXXXXX";
        if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        root_ = pattern;
    }
    ~TempDir() {
        namespace fs = std::filesystem;
        std::error_code ec;
        // Undo chmods a test made, so that removal works when not root.
        for (auto it =
                 fs::recursive_directory_iterator(root_, fs::directory_options::skip_permission_denied, ec);
             it != fs::recursive_directory_iterator(); it.increment(ec)) {
            if (it->is_directory(ec))
                fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
        }
        fs::remove_all(root_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const { return root_; }

    /// Writes `text` to `relative` (parents created) and returns the full path.
    std::filesystem::path write(const std::filesystem::path& relative, std::string_view text) const {
        const auto full = root_ / relative;
        write_file(full, text);
        return full;
    }

    /// As write(), then chmod 0755: a fake program for PATH.
    std::filesystem::path write_executable(const std::filesystem::path& relative,
                                           std::string_view text) const {
        const auto full = write(relative, text);
        ::chmod(full.c_str(), 0755);
        return full;
    }

    std::filesystem::path mkdir(const std::filesystem::path& relative) const {
        const auto full = root_ / relative;
        std::filesystem::create_directories(full);
        return full;
    }

private:
    std::filesystem::path root_;
};

/// A SageMaker tree at <temp>/opt/ml with the three config files.
class TrainingTree : public TempDir {
public:
    /// Starts as a one-host job: algo-1, no channels, no hyperparameters.
    TrainingTree() {
        mkdir("opt/ml/code");
        mkdir("opt/ml/model");
        mkdir("opt/ml/output/data");
        hyperparameters("{}");
        input_data_config("{}");
        resource_config(R"({"current_host": "algo-1", "hosts": ["algo-1"]})");
    }

    std::filesystem::path base() const { return path() / "opt" / "ml"; }
    std::string base_string() const { return base().string(); }

    void hyperparameters(std::string_view json) const {
        write("opt/ml/input/config/hyperparameters.json", json);
    }
    void resource_config(std::string_view json) const {
        write("opt/ml/input/config/resourceconfig.json", json);
    }
    void input_data_config(std::string_view json) const {
        write("opt/ml/input/config/inputdataconfig.json", json);
    }
};

}  // namespace smtrain::testing
