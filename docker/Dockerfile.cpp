# SPDX-License-Identifier: Apache-2.0
# A training image with no Python at all: the C++ example (logistic regression,
# examples/cpp) under sm-train, on debian:bookworm-slim. From the repository root:
#   docker build -f docker/Dockerfile.cpp -t smtrain-cpp .
#   docker run --rm -e SM_STUDIO_LOCAL_MODE=true -v "$PWD/examples/cpp/opt_ml/input:/opt/ml/input" \
#     -v /tmp/job-output:/opt/ml/output smtrain-cpp train
#
# The builder installs smtrain with `cmake --install` and builds the example on
# its own with find_package(smtrain), as a user's project would; the packaging
# tests run the same scripts.
FROM debian:bookworm AS builder
WORKDIR /src
COPY . .
RUN scripts/install-deps.sh --build \
 && scripts/build.sh release \
 && cmake --install build/release --prefix /opt/smtrain --strip \
 && scripts/build-standalone.sh examples/cpp build/example-cpp /opt/smtrain

FROM debian:bookworm-slim
COPY --from=builder /opt/smtrain/bin/sm-train /usr/local/bin/sm-train
# The program lives in the image; SageMaker mounts the data, config and output dirs.
COPY --from=builder /src/build/example-cpp/train /opt/ml/code/train
ENV SAGEMAKER_PROGRAM=train
ENTRYPOINT ["sm-train"]
