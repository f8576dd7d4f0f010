//go:build tools

// Package tools pins the Traefik command the sandbox builds as its gateway (see sandbox/parts/build.mjs).
package tools

import (
	_ "github.com/traefik/traefik/v3/cmd/traefik"
)
