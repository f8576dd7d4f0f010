// Tools module pinning the upstream CRDs the sandbox serves that no binary of the sandbox is built from:
// Istio's (the istio.io/api module's kubernetes/customresourcedefinitions.gen.yaml). Read by
// sandbox/parts/upstream-crds.mjs with `go mod download -json istio.io/api`. The Gateway API CRDs come from
// sigs.k8s.io/gateway-api as pinned in traefik-tool (the version the sandbox's Traefik is built against).
module ai-deploy/sandbox/crd-tool

go 1.26.0

require istio.io/api v1.32.0

require (
	github.com/golang/protobuf v1.5.4 // indirect
	google.golang.org/genproto/googleapis/api v0.0.0-20251213004720-97cd9d5aeac2 // indirect
	google.golang.org/protobuf v1.36.11 // indirect
)
