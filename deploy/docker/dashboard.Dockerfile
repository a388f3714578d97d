# syntax=docker/dockerfile:1
# sundflow dashboard (consumers/dashboard): a static binary (CGO_ENABLED=0) on distroless,
# run as the non-root user 65532, with the healthcheck binary beside it
# for the container health check (no shell in the image).
# Build from the repository root:
#   docker build -f deploy/docker/dashboard.Dockerfile -t sundflow/dashboard .
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o /out/dashboard ./consumers/dashboard && \
    CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o /out/healthcheck ./deploy/docker/healthcheck

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/dashboard /out/healthcheck /
USER 65532:65532
EXPOSE 8090
ENTRYPOINT ["/dashboard"]
