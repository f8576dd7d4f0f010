//go:build tools

// Package tools pins istio.io/api, whose kubernetes/customresourcedefinitions.gen.yaml the sandbox applies
// (see sandbox/parts/upstream-crds.mjs).
package tools

import (
	_ "istio.io/api/networking/v1"
)
