// SPDX-License-Identifier: Apache-2.0
// A consumer's unit test, linked against the installed smtrain::testing: a fake
// tree built fluently, read back with load() and from_environment().
#include <smtrain/testing/fake_tree.hpp>

#include <filesystem>
#include <iostream>

int main() {
    std::filesystem::path base;
    {
        smtrain::testing::FakeTree tree;
        tree.hyperparameter("epochs", 3)
            .channel_file("train", "data.txt", "a\nb\n")
            .hosts(2)
            .current_host("algo-2");
        base = tree.base();
        const auto env = tree.load();
        const auto from_env = smtrain::TrainingEnv::from_environment(tree.environ());
        std::cout << "epochs=" << env.hyperparameter<int>("epochs") << " host=" << from_env.current_host()
                  << " master=" << from_env.master_hostname() << "\n";
    }
    std::cout << "removed=" << (std::filesystem::exists(base) ? "no" : "yes") << "\n";
    return 0;
}
