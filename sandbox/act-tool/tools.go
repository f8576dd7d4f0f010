//go:build tools

// Package tools pins nektos/act, the local GitHub Actions runner our users try workflows with; the
// e2e spec __tests__/e2e/act.test.ts runs the actions under it (built by sandbox/parts/act.mjs).
package tools

import (
	_ "github.com/nektos/act"
)
