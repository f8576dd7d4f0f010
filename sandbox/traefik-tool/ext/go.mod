// The empty extension points that Traefik's go.mod takes from a nested module of its own
// repository (replace ... => ./pkg/config/dynamic/ext), which is not published on the Go proxy.
module github.com/traefik/traefik/dynamic/ext

go 1.24.0
