# SPDX-License-Identifier: Apache-2.0
# A training image with no Python at all: the C++ example (logistic regression,
# examples/cpp) under sm-train, on debian:bookworm-slim. From the repository root:
#   docker build -f docker/Dockerfile.cpp -t smtrain-cpp .
#   docker run --rm -e SM_STUDIO_LOCAL_MODE=true -v "$PWD/examples/cpp/opt_ml/input:/opt/ml/input" \
#     -v /tmp/job-output:/opt/ml/output smtrain-cpp train
# (podman build and podman run take the same arguments.)
#
# The builder installs smtrain with `cmake --install` and builds the example on
# its own with find_package(smtrain), as a user's project would; the packaging
# tests run the same scripts. To take binaries that are already built instead,
# build the target `prebuilt` with a build context `binaries` that holds
# bin/sm-train and code/train (what tests/containers/run.sh does):
#   podman build -f docker/Dockerfile.cpp --target prebuilt --build-context binaries=DIR \
#     -t smtrain-cpp .                        (or docker buildx build, the same options)
# Each build runs only the stages its target needs (BuildKit and buildah skip the others).
#
# Either architecture, as docker/Dockerfile: `--platform linux/arm64` cross-compiles
# sm-train and the example on the build machine's platform (the release-arm64
# preset and its toolchain file); `prebuilt` takes binaries of the target architecture.
FROM --platform=$BUILDPLATFORM debian:bookworm AS builder
ARG TARGETARCH
WORKDIR /src
COPY . .
RUN arch="${TARGETARCH:-$(dpkg --print-architecture)}" \
 && scripts/build-release.sh "$arch" /opt/smtrain \
 && toolchain= \
 && if [ "$arch" != "$(dpkg --print-architecture)" ]; then \
      toolchain=-DCMAKE_TOOLCHAIN_FILE=/src/cmake/toolchains/aarch64-linux-gnu.cmake; fi \
 && scripts/build-standalone.sh examples/cpp build/example-cpp /opt/smtrain $toolchain

FROM debian:bookworm-slim AS image
# The program lives in the image; SageMaker mounts the data, config and output dirs.
ENV SAGEMAKER_PROGRAM=train
ENTRYPOINT ["sm-train"]

FROM image AS prebuilt
COPY --from=binaries bin/sm-train /usr/local/bin/sm-train
COPY --from=binaries code/train /opt/ml/code/train

# The default target (the last stage).
FROM image
COPY --from=builder /opt/smtrain/bin/sm-train /usr/local/bin/sm-train
COPY --from=builder /src/build/example-cpp/train /opt/ml/code/train
