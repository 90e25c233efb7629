// Package shim exposes the Terraform Docker provider's constructor.
//
// The provider lives in an internal package of
// github.com/terraform-providers/terraform-provider-docker (the module
// github.com/kreuzwerker/terraform-provider-docker declares that path), which
// another module cannot import. scripts/toolchain.sh copies the upstream
// module out of the Go module cache and drops this file in as `shim/`, so the
// package is part of that module and may import `internal/provider`.
package shim

import (
	"github.com/hashicorp/terraform-plugin-sdk/v2/helper/schema"
	"github.com/terraform-providers/terraform-provider-docker/internal/provider"
)

// NewProvider returns the SDKv2 Terraform provider (every resource and data
// source of pulumi-docker's bridged surface).
func NewProvider(version string) *schema.Provider {
	return provider.New(version)()
}
