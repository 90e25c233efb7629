//go:build tools

// Package tools pins the Pulumi CLI's main package so `go mod tidy` keeps its
// whole dependency graph (and go.sum) in this module.
package tools

import (
	_ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
)
