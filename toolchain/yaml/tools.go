//go:build tools

// Package tools pins the Pulumi YAML language host's main package so `go mod
// tidy` keeps its whole dependency graph (and go.sum) in this module. The host
// is built from github.com/pulumi/pulumi-yaml on the same pulumi/pkg/v3 and
// sdk/v3 as the CLI (toolchain/pulumi), so most of it comes from Go's build
// cache once the CLI is built.
package tools

import (
	_ "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml"
)
