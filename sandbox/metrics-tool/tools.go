//go:build tools

// Package tools pins metrics-server, which the sandbox runs so that the horizontal-pod-autoscaler
// controller gets pod resource metrics (from kwok's emulated usage) through metrics.k8s.io.
package tools

import (
	_ "sigs.k8s.io/metrics-server/cmd/metrics-server"
)
