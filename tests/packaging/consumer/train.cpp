// SPDX-License-Identifier: Apache-2.0
// A small training program built outside the smtrain tree, against the
// installed package (find_package or pkg-config). It reads the tree, asks
// typed questions, renders SM_HPS and argv, and writes a model file.
#include <smtrain/error.hpp>
#include <smtrain/training_env.hpp>
#include <smtrain/version.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

int main() {
    try {
        const auto env = smtrain::TrainingEnv::load();
        const int epochs = env.hyperparameter<int>("epochs", 1);
        const double lr = env.hyperparameter<double>("lr", 0.1);
        const std::string optimizer = env.hyperparameter<std::string>("optimizer", "sgd");

        std::size_t rows = 0;
        std::ifstream data(env.channel("train") / "data.txt");
        for (std::string line; std::getline(data, line);) ++rows;

        std::string args;
        for (const auto& arg : env.to_cmd_args()) args += (args.empty() ? "" : " ") + arg;
        std::string hps;
        for (const auto& [name, value] : env.to_env_vars()) {
            if (name == "SM_HPS") hps = value;
        }

        std::cout << "host=" << env.current_host() << " master=" << (env.is_master() ? "yes" : "no") << "\n"
                  << "epochs=" << epochs << " lr=" << lr << " optimizer=" << optimizer << " rows=" << rows
                  << "\n"
                  << "args=" << args << "\n"
                  << "SM_HPS=" << hps << "\n"
                  << "smtrain=" << smtrain::version_string << " number=" << SMTRAIN_VERSION_NUMBER << "\n";

        std::ofstream(env.paths().model / "model.txt") << "epochs=" << epochs << "\n";

        try {
            env.channel("validation");  // not in inputdataconfig.json
            std::cout << "validation: present\n";
        } catch (const smtrain::LookupError& e) {
            std::cout << "validation: " << e.what() << "\n";
        }
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << "\n";
        return 1;
    }
}
