// SPDX-License-Identifier: Apache-2.0
// The invocation log (invocation_log.hpp): the toolkit's "Invoking user script"
// message, with the values of secret-looking names masked.
#include "launcher/lifecycle/invocation_log.hpp"

#include <smtrain/value.hpp>

#include <gtest/gtest.h>

namespace smtrain::launcher {
namespace {

TEST(Masking, SecretNames) {
    EXPECT_TRUE(is_secret_name("AWS_SECRET_ACCESS_KEY"));
    EXPECT_TRUE(is_secret_name("AWS_ACCESS_KEY_ID"));
    EXPECT_TRUE(is_secret_name("SM_HP_API_TOKEN"));
    EXPECT_TRUE(is_secret_name("db_password"));
    EXPECT_TRUE(is_secret_name("GOOGLE_APPLICATION_CREDENTIALS"));
    EXPECT_FALSE(is_secret_name("SM_HP_LEARNING_RATE"));
}

TEST(Masking, InvocationMessage) {
    Value env = Value::dict();
    Value hps = Value::dict();
    hps.set("api_token", Value("tok-123456"));
    hps.set("lr", Value(0.1));
    env.set("hyperparameters", hps);
    EnvVars vars = {{"SM_HP_API_TOKEN", "tok-123456"}, {"SM_HPS", R"({"api_token":"tok-123456","lr":0.1})"}};
    std::string message = invocation_message(env, vars, "/py train.py --api_token tok-123456 --lr 0.1");
    EXPECT_EQ(message,
              "Invoking user script\n\nTraining Env:\n\n"
              "{\n    \"hyperparameters\": {\n        \"api_token\": \"****\",\n        \"lr\": 0.1\n    }\n}"
              "\n\nEnvironment variables:\n\n"
              "SM_HP_API_TOKEN=****\nSM_HPS={\"api_token\":\"****\",\"lr\":0.1}"
              "\n\nInvoking script with the following command:\n\n"
              "/py train.py --api_token **** --lr 0.1\n\n");
}

}  // namespace
}  // namespace smtrain::launcher
